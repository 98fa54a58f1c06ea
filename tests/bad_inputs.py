"""Bad input files shared by the CLI and upload tests: name -> (bytes, words the message
must contain).

Every file here ends in a refusal whose message names the file and the words given. Hostile
inputs that must be read (mixed UTC offsets, non-UTF-8 Parquet bytes) are tested separately.
"""

from __future__ import annotations

import io
import struct

_MB = 1 << 20


def _xlsx(rows: list[list[object]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def zip_claiming(data: bytes, member: str, size: int) -> bytes:
    """``data`` (a zip) whose central directory says ``member`` unpacks to ``size`` bytes.

    What a zip bomb's directory looks like, in a few kilobytes: ``zipfile`` reads a member up to
    the size its entry declares, so the directory is what bounds the unpacked size.
    """
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", out, at + 28)[0]
        if out[at + 46 : at + 46 + name_len].decode() == member:
            struct.pack_into("<I", out, at + 24, size)
            return bytes(out)
        at = out.find(b"PK\x01\x02", at + 4)
    raise ValueError(f"{member} not in the archive")


def _late(row: bytes) -> bytes:
    """A well-formed CSV whose first problem, ``row``, comes after the sniffed first megabyte."""
    rows = b"".join(b"%d,%d,Paris,0.5\n" % (i, i % 90) for i in range(_MB // 16 + 2_000))
    return b"id,age,city,score\n" + rows + row + b"7,8,Lyon,0.25\n"


def _wide_jsonl(n: int) -> bytes:
    return ("{" + ", ".join(f'"c{i}": {i}' for i in range(n)) + "}\n").encode()


BAD_FILES = {
    "empty.csv": (b"", "is empty"),
    "header_only.csv": (b"a,b,c\n", "no data rows"),
    "ragged.csv": (b"a,b\n1,2\n3,4,5\n", "line 3"),
    "duplicate_names.csv": (b"a,a\n1,2\n", "'a'"),
    "blank_name.csv": (b"a,,c\n1,2,3\n", "column 2"),
    "quote.csv": (b'a,b\n1,"open\n2,3\n', "quote"),
    "bad.jsonl": (b'{"a": 1}\n{"a": \n', "line 2"),
    "fake.parquet": (b"not parquet at all", "fake.parquet"),
    "fake.xlsx": (b"not a workbook", "fake.xlsx"),
    # Issue 10: refused before the costly work, with the line where there is one. (Excel
    # itself stops at 16,384 columns; tests/metrics/test_io_hostile.py lowers the limit.)
    "wide_header.csv": (
        ",".join(f"c{i}" for i in range(20_001)).encode() + b"\n",
        "20,001 columns",
    ),
    "wide.jsonl": (_wide_jsonl(20_001), "over the limit of 20,000 columns"),
    "bomb.xlsx": (
        zip_claiming(_xlsx([["a", "b"], [1, 2]]), "xl/worksheets/sheet1.xml", 0xFFFF_0000),
        "unpacks to",
    ),
    "late_short_row.csv": (_late(b"41,Lyon,0.5\n"), f"line {_MB // 16 + 2_002}: expected 4"),
    "late_cr_in_row.csv": (_late(b"41,3\r3,Lyon,0.5\n"), f"line {_MB // 16 + 2_002}"),
    "late_nul.csv": (_late(b"41,3\x003,Lyon,0.5\n"), f"line {_MB // 16 + 2_002} holds a NUL"),
}
