"""Guards of :mod:`metrics.io` against hostile or damaged files, checked before the costly work.

- Width: a table wider than ``max_columns`` (20,000 by default, ``SYNTHLENS_MAX_COLUMNS``) is
  refused from its header alone: pandas' parsing grows with the square of the width.
- Unpacked size: an ``.xlsx`` archive whose members unpack to more than the file size limit, or
  a Parquet file whose row groups declare more, is refused from its directory or metadata.
- Exact values: integers beyond the int64 range (26-digit account numbers) become text, so they
  are neither rounded to one float nor refused.

Private to ``metrics.io``.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import zipfile
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from metrics._io_text import InputError, mb

DEFAULT_MAX_COLUMNS = 20_000
MAX_COLUMNS_ENV = "SYNTHLENS_MAX_COLUMNS"
_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min
# What pandas.api.types.infer_dtype says of object columns that may hold Python integers (a
# fast C scan; text columns, the common case, say "string" and are not looked at again).
_MAY_HOLD_INTS = {"integer", "mixed-integer", "mixed-integer-float", "mixed"}


class Limits(NamedTuple):
    """What one file may hold: bytes (also once unpacked) and columns."""

    max_bytes: int
    max_columns: int


def max_columns(given: int | None = None) -> int:
    """The column limit: ``given``, else ``SYNTHLENS_MAX_COLUMNS``, else 20,000.

    Raises
    ------
    InputError
        When the environment variable is not a positive whole number.
    """
    if given is not None:
        return given
    raw = os.environ.get(MAX_COLUMNS_ENV, "").strip().replace(",", "").replace("_", "")
    if not raw:
        return DEFAULT_MAX_COLUMNS
    if not raw.isdigit() or int(raw) < 1:
        raise InputError(
            f"{MAX_COLUMNS_ENV} is set to {os.environ[MAX_COLUMNS_ENV]!r}, not a positive whole "
            f"number. Set it to the most columns a table may have (default "
            f"{DEFAULT_MAX_COLUMNS:,}), or unset it."
        )
    return int(raw)


def check_width(n: int, limit: int, label: str, where: str, at_least: bool = False) -> None:
    """Refuse a table with more than ``limit`` columns (``at_least``: ``n`` is a lower bound)."""
    if n > limit:
        raise InputError(
            f"'{label}' has {'at least ' if at_least else ''}{n:,} columns"
            f"{' ' + where if where else ''}, over the limit of {limit:,} columns. Load only "
            "the columns you need, saved as a new file; or raise the limit with "
            f"{MAX_COLUMNS_ENV} (command line: --max-columns)."
        )


def check_csv_header(head: bytes, size: int, label: str, limit: int) -> None:
    """Refuse a delimited file whose first record has more than ``limit`` fields.

    Counts on the raw first line (delimiters are ASCII in every encoding read, but UTF-16),
    then parses that record exactly only when a count is over the limit, so a wide file costs
    nothing here and a huge header is refused before anything else parses it.
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        first = head.decode("utf-16", errors="replace").split("\n", 1)[0]
    else:
        first = head.split(b"\n", 1)[0].decode("latin-1")
    cut = b"\n" not in head and size > len(head)  # the count is then a lower bound
    for delimiter in (",", ";", "\t", "|"):
        if first.count(delimiter) < limit:
            continue
        record = next(csv.reader(io.StringIO(first, newline=""), delimiter=delimiter), [])
        check_width(len(record), limit, label, "in the header row", at_least=cut)


def check_json_header(head: bytes, label: str, limit: int) -> None:
    """Refuse JSON Lines whose first object has more than ``limit`` keys."""
    first = head.lstrip().split(b"\n", 1)[0]
    try:
        value = json.loads(first)
    except ValueError:
        return  # the reader reports it, with its line
    if isinstance(value, dict):
        check_width(len(value), limit, label, "in its first record")


def check_zip(handle: Any, label: str, max_bytes: int) -> None:
    """Refuse an archive whose members unpack to more than ``max_bytes`` (a zip bomb).

    Read from the archive's directory; ``zipfile`` never unpacks a member past the size its
    directory entry declares, so the sum bounds what reading can cost.
    """
    try:
        with zipfile.ZipFile(handle) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a readable archive: the reader says so
    if unpacked > max_bytes:
        raise InputError(
            f"'{label}' unpacks to {mb(unpacked)}, over the {mb(max_bytes)} limit for one file "
            "(a workbook is a compressed archive). Save a sample of its rows, or the sheet "
            "alone as CSV, and load that."
        )


def check_parquet(meta: Any, n_columns: int, label: str, max_bytes: int, limit: int) -> None:
    """Refuse a Parquet file that is too wide, or whose row groups declare too much data."""
    check_width(n_columns, limit, label, "in the Parquet schema")
    declared = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    # Encoded sizes understate repeated values (dictionaries, runs); the same table as CSV
    # takes at least two bytes a cell, a value and its delimiter.
    declared = max(declared, 2 * meta.num_rows * n_columns)
    if declared > max_bytes:
        raise InputError(
            f"'{label}' holds {mb(declared)} of data once decompressed, over the "
            f"{mb(max_bytes)} limit for one file. Save a sample of its rows (for example "
            "200,000 drawn at random) or only the columns you need, and load that."
        )


def xlsx_header_width(book: Any) -> int:
    """Cells up to the last filled one in the first row of the first sheet (streamed)."""
    sheet = book.worksheets[0]
    row = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
    filled = [i for i, v in enumerate(row) if v is not None]
    return filled[-1] + 1 if filled else 0


# --- Values -------------------------------------------------------------------------------------


def _big(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and not _INT64_MIN <= v <= _INT64_MAX


def big_ints_as_text(frame: pd.DataFrame, objects: bool = True) -> list[str]:
    """Turn columns holding integers beyond int64 into text, in place; their names.

    Such numbers are identifiers (account numbers, 26-digit keys): as floats they would round
    to a few equal values. Unsigned 64-bit columns above the int64 range, and Python integers
    in object columns (JSON, spreadsheets), become their exact decimal strings. ``objects``
    False skips object columns (pandas' CSV parser keeps such numbers as text already).
    """
    changed = []
    for col in frame.columns:
        s = frame[col]
        if s.dtype == np.uint64 and len(s) and s.max() > _INT64_MAX:
            frame[col] = s.astype(str).astype(object)
        elif (
            objects
            and s.dtype == object
            and pd.api.types.infer_dtype(s, skipna=True) in _MAY_HOLD_INTS
            and s.map(_big).any()
        ):
            frame[col] = s.map(lambda v: str(v) if _big(v) else v)
        else:
            continue
        changed.append(str(col))
    return changed


def json_int(text: str) -> int | str:
    """``parse_int`` for ``json``: integers beyond int64 stay exact text."""
    value = int(text)
    return value if _INT64_MIN <= value <= _INT64_MAX else text


def bytes_to_text(col: pd.Series) -> pd.Series:
    """Cells holding ``bytes`` as UTF-8 text, undecodable bytes replaced by U+FFFD."""
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    decoded = [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in uniques]
    values = np.array([*decoded, None], dtype=object)
    return pd.Series(values[codes], index=col.index, name=col.name)
