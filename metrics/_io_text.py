"""Helpers of :mod:`metrics.io`: sniffing delimited text, checking names, wording messages.

Private to ``metrics.io``; import ``InputError`` from there.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd


class InputError(Exception):
    """A problem with the user's file, worded so they can fix it: which file, where, what to do."""


PREFIX = 1 << 20  # sniff on the first megabyte; never decode a whole big file into a str
_MAX_PREFIX = 64 << 20  # grown only while the header and one data row do not fit
_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SNIFF_RECORDS = 200
# Bytes that do not occur in text files (all C0 controls except tab, LF, VT, FF, CR; and DEL).
_CONTROL = bytes([*range(0, 9), *range(14, 32), 127])
_MAGIC = (
    (b"PAR1", "a Parquet file (.parquet)"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook is one)"),
    (b"\x1f\x8b", "a gzip-compressed file (decompress it first)"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an old-style Office file such as .xls"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)
_OWN_MAGIC = {"parquet": b"PAR1", "xlsx": b"PK\x03\x04"}
_INT = re.compile(r"[+-]?\d+")
_LEADING_ZERO_CELL = re.compile(r"\x000\d+(?=\x00)")
_DOT_DECIMAL = re.compile(r"[+-]?\d*\.\d+")
_COMMA_DECIMAL = re.compile(r"[+-]?\d*,\d+")
_NON_ASCII = re.compile("[^\x00-\x7f\ufffd]")


def mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB"


def short(exc: BaseException | str) -> str:
    """First line of an exception's text, trimmed for a message."""
    lines = str(exc).strip().splitlines()
    first = lines[0].strip().rstrip(".") if lines else ""
    if not first:
        return type(exc).__name__ if isinstance(exc, BaseException) else "unknown error"
    return first if len(first) <= 200 else first[:197] + "..."


def looks_like(head: bytes) -> str:
    """What well-known non-text format ``head`` starts like, or ``""``."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    return ""


def is_binary(head: bytes) -> bool:
    """True when ``head`` cannot be the start of a text table in any encoding we read."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    sample = head[:65536]
    if b"\x00" in sample:
        return True
    controls = sum(sample.count(bytes([b])) for b in _CONTROL)
    return controls > len(sample) / 100


def mismatch_hint(head: bytes, fmt: str) -> str:
    """When a Parquet or Excel file fails to parse, say what it really seems to be."""
    if fmt not in ("parquet", "xlsx") or head.startswith(_OWN_MAGIC[fmt]):
        return ""
    what = looks_like(head) or ("" if is_binary(head) else "text (for example CSV or JSON)")
    return f"Its content looks like {what}; give the file the matching extension." if what else ""


def no_rows_message(label: str, columns: list[Any], fmt: str) -> str:
    if not columns:
        return f"'{label}' holds no table: no columns were found. Check that it is the right file."
    shown = ", ".join(str(c) for c in columns[:5]) + (", ..." if len(columns) > 5 else "")
    first = "a header row" if fmt in ("csv", "tsv", "xlsx") else "column names"
    return (
        f"'{label}' has {first} ({len(columns)} columns: {shown}) but no data rows. Export the "
        "table again with its rows; SynthLens needs at least one."
    )


def column_ref(i: int, letters: bool) -> str:
    """1-based position, plus the spreadsheet letter where the user will look for it."""
    if not letters:
        return str(i + 1)
    n, letter = i + 1, ""
    while n:
        n, rem = divmod(n - 1, 26)
        letter = chr(65 + rem) + letter
    return f"{i + 1} ({letter})"


# --- Sniffing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sniff:
    """How to parse a delimited file, from its first megabyte."""

    encoding: str
    utf8_evidence: bool  # the prefix holds non-ASCII UTF-8, so UTF-8 is surely right
    delimiter: str
    decimal: str
    header: list[str]
    text_columns: list[int]  # positions whose sample has leading-zero integers

    def encodings(self, utf8_later: Callable[[], bool]) -> Iterator[tuple[str, str]]:
        """(encoding, errors) to try in turn when a byte past the prefix does not decode.

        ``utf8_later`` tells whether the whole file shows UTF-8 text (asked only then): a stray
        byte in it is replaced rather than reading every UTF-8 letter as cp1252 mojibake.
        """
        yield self.encoding, "strict"
        if self.encoding == "utf-8" and not self.utf8_evidence and not utf8_later():
            yield "cp1252", "strict"
            yield "latin-1", "strict"
        elif self.encoding == "cp1252":
            yield "latin-1", "strict"
        else:
            yield self.encoding, "replace"


def sniff(head: Callable[[int], bytes], size: int, label: str, prefer_tab: bool = False) -> Sniff:
    """Encoding, delimiter, header and per-column hints of a delimited text file.

    Raises
    ------
    InputError
        For binary content, a file of blank lines, or a ragged row inside the prefix.
    """
    n = PREFIX
    while True:
        raw = head(n)
        whole = len(raw) >= size or len(raw) < n
        if is_binary(raw):
            what = looks_like(raw)
            what = f" (it looks like {what})" if what else ""
            raise InputError(
                f"'{label}' is not a text table{what}: it contains bytes that never occur in "
                "CSV text. Choose the right file, or give it the extension of its real format."
            )
        encoding, evidence, text = _decode(raw, whole)
        if not text.strip():
            raise InputError(
                f"'{label}' is empty: it holds only blank lines. Choose the file that holds the "
                "table, or export it again."
            )
        delimiter = _choose_delimiter(text, whole, prefer_tab)
        records = _records(text, delimiter, whole)
        if len(records) >= 2 or whole or n >= _MAX_PREFIX:
            break
        n *= 4
    if not records:  # one huge unterminated header: let pandas report it
        records = [(1, [text.splitlines()[0] if text else ""])]
    header, data = records[0][1], records[1:]
    for line, row in data:
        if len(row) != len(header):
            raise InputError(ragged_message(label, line, len(header), len(row), delimiter))
    decimal = _decimal(data, len(header)) if delimiter != "," else "."
    leading = [j for j in range(len(header)) if _leading_zero([r[j] for _, r in data])]
    return Sniff(encoding, evidence, delimiter, decimal, header, leading)


def _leading_zero(cells: list[str]) -> bool:
    """Whether a cell is digits with a leading zero: one search over the joined cells (NUL
    cannot occur inside a cell of a file that is read), not a match per cell."""
    return _LEADING_ZERO_CELL.search("\0" + "\0".join(cells) + "\0") is not None


def _decode(raw: bytes, whole: bool) -> tuple[str, bool, str]:
    if raw.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        try:
            text = codecs.getincrementaldecoder("utf-8")().decode(raw, final=whole)
            return "utf-8", not raw.isascii(), text
        except UnicodeDecodeError:
            text = codecs.getincrementaldecoder("utf-8")("replace").decode(raw, final=whole)
            if mostly_utf8(text):  # UTF-8 text with a stray byte: not cp1252 mojibake
                return "utf-8", True, text
            try:
                return "cp1252", False, raw.decode("cp1252")
            except UnicodeDecodeError:
                return "latin-1", False, raw.decode("latin-1")
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return encoding, True, decoder.decode(raw, final=whole)


def non_ascii(text: str) -> int:
    """How many characters of ``text`` are neither ASCII nor U+FFFD (a replaced byte)."""
    return len(_NON_ASCII.findall(text))


def mostly_utf8(text: str) -> bool:
    """True when ``text``, decoded as UTF-8 with replacement, has more real non-ASCII letters
    than replaced bytes: UTF-8 with stray bytes, rather than another encoding."""
    return non_ascii(text) > text.count("\ufffd")


def _records(text: str, delimiter: str, whole: bool, limit: int = 0) -> list[tuple[int, list[str]]]:
    """Non-blank records with the physical line each ends on (pandas skips blank lines too)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    out: list[tuple[int, list[str]]] = []
    complete = True
    try:
        for row in reader:
            if row:
                out.append((reader.line_num, row))
            if limit and len(out) >= limit:
                complete = False
                break
    except csv.Error:  # e.g. a field over csv's size limit: judge on what parsed
        complete = False
    if complete and not whole and out:
        out.pop()  # the prefix may have cut the last record short
    return out


def _choose_delimiter(text: str, whole: bool, prefer_tab: bool) -> str:
    """The delimiter giving a multi-column header and the most rows of that width."""
    order = ("\t", ",", ";", "|") if prefer_tab else _DELIMITERS
    best, best_key = order[0], None
    for rank, delimiter in enumerate(order):
        records = _records(text, delimiter, whole, limit=_SNIFF_RECORDS)
        if not records or len(records[0][1]) < 2:
            continue
        width = len(records[0][1])
        rows = records[1:]
        share = sum(len(r) == width for _, r in rows) / len(rows) if rows else 1.0
        key = (share, width, -rank)
        if best_key is None or key > best_key:
            best, best_key = delimiter, key
    return best


def _decimal(data: list[tuple[int, list[str]]], width: int) -> str:
    """``","`` when some column holds only comma-decimals and integers, and no dot-decimal."""
    comma_columns = 0
    for j in range(width):
        values = [r[j] for _, r in data if r[j]]
        if any(_DOT_DECIMAL.fullmatch(v) for v in values):
            return "."
        if any(_COMMA_DECIMAL.fullmatch(v) for v in values) and all(
            _COMMA_DECIMAL.fullmatch(v) or _INT.fullmatch(v) for v in values
        ):
            comma_columns += 1
    return "," if comma_columns else "."


# --- Names and messages ------------------------------------------------------------------------


def check_names(
    raw: list[Any], label: str, where: str, letters: bool = False
) -> tuple[list[str], list[int]]:
    """Stripped ``str`` names, and the positions without a name (given placeholder names).

    Raises
    ------
    InputError
        When two names are equal after stripping.
    """
    names: list[str] = []
    blanks: list[int] = []
    seen: dict[str, int] = {}
    for i, value in enumerate(raw):
        missing = value is None or (isinstance(value, float) and math.isnan(value))
        if isinstance(value, float) and not missing and value.is_integer():
            value = int(value)  # a spreadsheet header 2020 shares its column's float dtype
        name = "" if missing else str(value).strip()
        if not name:
            blanks.append(i)
            names.append(f"\x00unnamed {i + 1}")  # placeholder; the column is dropped or refused
            continue
        if name in seen:
            j = seen[name]
            spaces = "" if str(raw[j]) == str(value) else " (ignoring spaces around them)"
            raise InputError(
                f"'{label}' has two columns named '{name}'{spaces} {where}: columns "
                f"{column_ref(j, letters)} and {column_ref(i, letters)}. Rename one of them so "
                "every column name is unique."
            )
        seen[name] = i
        names.append(name)
    return names, blanks


def drop_blank_columns(
    frame: pd.DataFrame, blanks: list[int], label: str, where: str, letters: bool = False
) -> pd.DataFrame:
    """Drop nameless columns that hold no values; refuse nameless columns that hold some."""
    if not blanks:
        return frame
    filled = [i for i in blanks if frame.iloc[:, i].notna().any()]
    if filled:
        refs = ", ".join(column_ref(i, letters) for i in filled[:5])
        many = len(filled) > 1
        raise InputError(
            f"'{label}': column{'s' if many else ''} {refs} {'have' if many else 'has'} values "
            f"but no name {where}. Give every column a name in the header, or delete the "
            f"column{'s' if many else ''} if not needed."
        )
    return frame.drop(columns=[frame.columns[i] for i in blanks])


def ragged_message(
    label: str, line: int | None, expected: int, found: int, delimiter: str = ","
) -> str:
    where = f"line {line}" if line is not None else "a data row"
    sep = _DELIMITER_NAMES.get(delimiter, repr(delimiter))
    return (
        f"'{label}', {where}: expected {expected} fields (as many as the header has) but found "
        f"{found}, separated by {sep}s. Put values that contain a {sep} in double quotes, or "
        "add the missing or remove the extra separators on that line."
    )


_EXPECTED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_EOF_QUOTE = re.compile(r"EOF inside string starting (?:at|on) (?:row|line) (\d+)")


def parser_error_message(label: str, message: str, delimiter: str) -> str:
    """Reword a pandas ``ParserError`` with the line and what to do."""
    if m := _EXPECTED.search(message):
        expected, line, found = (int(g) for g in m.groups())
        return ragged_message(label, line, expected, found, delimiter)
    if m := _EOF_QUOTE.search(message):
        return (
            # pandas counts rows from 0 with the header as row 0.
            f"'{label}': a double quote opened on line {int(m.group(1)) + 1} is never closed, so "
            'the rest of the file would read as one value. Remove the stray " or close the quote.'
        )
    return (
        f"Could not read '{label}' as delimited text: {short(message)}. Check that it is a "
        "valid CSV file, for example by opening it in a spreadsheet and saving it again."
    )


# --- JSON --------------------------------------------------------------------------------------


def _json_line_error(label: str, number: int, line: bytes) -> str | None:
    try:
        value = json.loads(line)
    except UnicodeDecodeError:
        return (
            f"'{label}', line {number} is not UTF-8 text. Save the file as UTF-8 (JSON is "
            "always UTF-8)."
        )
    except ValueError as exc:
        detail = (
            f"{exc.msg} at column {exc.colno}"
            if isinstance(exc, json.JSONDecodeError)
            else short(exc)
        )
        return (
            f"'{label}', line {number} is not valid JSON ({detail}). Each line must hold one "
            'complete JSON object, such as {"age": 31, "city": "Lyon"}.'
        )
    if not isinstance(value, dict):
        kind = type(value).__name__.replace("list", "array").replace("str", "string")
        return (
            f"'{label}', line {number} holds a JSON {kind}, not an object. Each line must be "
            'one object whose keys are the column names, such as {"age": 31, "city": "Lyon"}.'
        )
    return None


def check_json_lines(lines: Iterator[bytes] | list[bytes], label: str) -> None:
    """Raise for the first line that is not one JSON object (blank lines are skipped)."""
    for number, line in enumerate(lines, 1):
        if line.strip() and (message := _json_line_error(label, number, line)):
            raise InputError(message)
