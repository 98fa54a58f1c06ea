"""Whole-file checks of delimited text that the first-megabyte sniff cannot make.

pandas reads rows with too few fields as if the missing ones were empty, and reads a NUL byte
as the end of a value; either would silently shift or cut values. These checks find such rows
anywhere in the file and name their line, at a cost only where there could be one:

- a NUL byte: one ``memchr``-speed scan of the bytes (about 1 % of the read);
- a short row: none is possible when the last column has no missing value (a short row leaves
  it empty). Otherwise, a file without quotes has exactly ``width - 1`` delimiters per record
  when no row is short (one count of the bytes); a file with quotes is tokenised by pyarrow,
  several times faster than pandas. Only a file that has a short row is then read again, up
  to that row, to name its line.

Private to ``metrics.io``.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from metrics._io_text import InputError, non_ascii, ragged_message

_CHUNK = 8 << 20


def _chunks(src: Any) -> Iterator[bytes | bytearray]:
    """The bytes in 8 MB chunks, read into one reused buffer: no fresh allocation (and its page
    faults) per chunk. Each chunk is valid only until the next one is read."""
    if src.data is not None:
        yield src.data
        return
    buf = bytearray(_CHUNK)
    with src.open() as fh:
        while n := fh.readinto(buf):
            yield buf if n == _CHUNK else buf[:n]


@dataclass(frozen=True)
class ByteFacts:
    """What one pass over a file's bytes found, for the readers after it (no second pass)."""

    quotes: int  # how many '"' bytes
    last: bytes  # the final byte (b"" for an empty file)
    ascii: bool  # every byte below 128: valid UTF-8 without checking


def check_nul(src: Any, encoding: str) -> ByteFacts | None:
    """Refuse a text file holding a NUL byte, naming its line (UTF-16 has them by design).

    The same pass counts quotes and notes whether the file is ASCII (None for UTF-16)."""
    if encoding.startswith("utf-16"):
        return None
    offset = quotes = 0
    last, ascii_only = b"", True
    for chunk in _chunks(src):
        at = chunk.find(b"\x00")
        if at >= 0:
            raise InputError(
                f"'{src.label}', line {_line_at(src, offset + at)} holds a NUL byte (code 0), "
                "which never occurs in text: the file is damaged there, or is not a text table. "
                "Export it again, or remove that byte."
            )
        if chunk.find(b'"') >= 0:  # memchr speed; counting is six times slower
            quotes += chunk.count(b'"')
        ascii_only = ascii_only and chunk.isascii()
        last = bytes(chunk[-1:]) or last
        offset += len(chunk)
    return ByteFacts(quotes, last, ascii_only)


def _line_at(src: Any, position: int) -> int:
    """1-based line of the byte at ``position`` (counted only when a message needs it)."""
    lines, offset = 0, 0
    for chunk in _chunks(src):
        if offset + len(chunk) > position:
            return lines + chunk.count(b"\n", 0, position - offset) + 1
        lines += chunk.count(b"\n")
        offset += len(chunk)
    return lines + 1


def utf8_evidence(src: Any) -> bool:
    """True when the file is mostly UTF-8 text, with a few stray bytes at most."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    letters = replaced = 0
    for chunk in _chunks(src):
        if not chunk.isascii():
            text = decoder.decode(chunk)
            letters, replaced = letters + non_ascii(text), replaced + text.count("\ufffd")
    return letters > replaced


def first_invalid_line(src: Any, encoding: str) -> int | None:
    """Line of the first byte that does not decode in ``encoding`` (None when all do)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines = 0
    for chunk in _chunks(src):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:  # ``start`` counts the few bytes carried over too
            return lines + chunk.count(b"\n", 0, max(exc.start, 0)) + 1
        lines += chunk.count(b"\n")
    return None


def check_short_rows(
    src: Any, frame: pd.DataFrame, delimiter: str, encoding: str, errors: str
) -> None:
    """Refuse a file with a row that has fewer fields than the header, naming the line.

    ``frame`` is what pandas read, with every column of the header, before any is dropped.
    """
    width = frame.shape[1]
    if width < 2 or frame.iloc[:, -1].notna().all():
        return
    wide = encoding.startswith("utf-16")
    if not wide and not _has_quotes(src):
        if _count(src, delimiter.encode()) == (width - 1) * (len(frame) + 1):
            return
    elif not _pyarrow_finds_short_row(src, delimiter, encoding if wide else None):
        return
    found = _locate_short_row(src, delimiter, width, encoding, errors)
    if found is not None:
        raise InputError(ragged_message(src.label, found[0], width, found[1], delimiter))


def _has_quotes(src: Any) -> bool:
    return any(b'"' in chunk for chunk in _chunks(src))


def _count(src: Any, needle: bytes) -> int:
    return sum(chunk.count(needle) for chunk in _chunks(src))


def _pyarrow_finds_short_row(src: Any, delimiter: str, encoding: str | None) -> bool:
    """Whether pyarrow's tokenizer meets a record with fewer fields than the first one."""
    import pyarrow as pa
    import pyarrow.csv as pc

    short: list[int] = []

    def on_invalid(row: Any) -> str:
        if row.actual_columns < row.expected_columns:
            short.append(row.actual_columns)
            return "error"
        return "skip"

    reader = None
    try:
        reader = pc.open_csv(
            pa.py_buffer(src.data) if src.data is not None else str(src.path),
            read_options=pc.ReadOptions(
                autogenerate_column_names=True, block_size=16 << 20, encoding=encoding or "utf8"
            ),
            parse_options=pc.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pc.ConvertOptions(
                include_columns=["f0"], column_types={"f0": pa.binary()}
            ),
        )
        for _ in reader:
            pass
    except (pa.ArrowException, OSError, ValueError):
        pass  # pandas read the file; only a short row found so far counts
    return bool(short)


def _locate_short_row(
    src: Any, delimiter: str, width: int, encoding: str, errors: str
) -> tuple[int, int] | None:
    """(line, fields) of the first non-blank record shorter than ``width``, read as csv does."""
    with src.open() as raw:
        stream = io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline="")
        reader = csv.reader(stream, delimiter=delimiter, strict=False)
        try:
            for row in reader:
                if row and len(row) < width:
                    return reader.line_num, len(row)
        except (csv.Error, UnicodeDecodeError):
            return None
    return None
