"""Delimited text of any size streamed to Parquet, typed as ``metrics.io.read_table`` types it.

Two passes over pyarrow's record batches: the first settles each column's type over the whole
file (:class:`metrics._io_arrow._Profile`), the second converts, so a late value never
contradicts an early guess. A file the fast reader cannot type with certainty is read whole
through ``read_table`` instead, and the result says so. Private to ``metrics.io``.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from metrics import _io_arrow as arrow
from metrics import _io_limits as limits
from metrics import _io_scan as scan
from metrics import _io_text as text
from metrics._io_arrow import _closed, _convert, _Fallback, _header_ok, _input, _options, _Profile
from metrics._io_text import InputError


def csv_to_parquet(
    path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    label: str | None = None,
    *,
    max_columns: int | None = None,
) -> dict[str, Any]:
    """Convert delimited text of any size to Parquet, typed as ``read_table`` types it.

    Streams the file twice in batches, never holding it whole; a file the fast reader cannot type
    with certainty is read whole by ``read_table`` instead (``"reader"`` in the result says which).
    No byte limit; the column limit applies. Returns how it was read (as
    ``frame.attrs["synthlens_read"]``) plus ``rows``, ``columns`` and ``reader``. Raises
    ``InputError`` for a file ``read_table`` would refuse, naming the line where there is one.
    """
    from metrics.io import _Source

    src = _Source(path, None)
    src.label = label or src.label
    if src.size == 0:
        raise InputError(f"'{src.label}' is empty (0 bytes). Choose the file that holds the table.")
    limit = limits.max_columns(max_columns)
    limits.check_csv_header(src.head(text.PREFIX), src.size, src.label, limit)
    sniff = text.sniff(src.head, src.size, src.label, prefer_tab=src.suffix == ".tsv")
    names, blanks = text.check_names(sniff.header, src.label, "in the header row", letters=True)
    facts = scan.check_nul(src, sniff.encoding)
    fmt = "tsv" if src.suffix == ".tsv" else "csv"
    out = Path(os.fspath(out_path))
    partial = out.with_name(out.name + ".partial")
    try:
        if arrow.fast_path(src, sniff, stream=True):
            try:
                info = _stream(src, sniff, names, blanks, partial, facts)
                info = {"format": fmt, **info, "reader": "pyarrow, streamed"}
                partial.replace(out)
                return info
            except _Fallback:
                pass
        return _whole(src, out, partial, limit)
    finally:
        partial.unlink(missing_ok=True)


def _whole(src: Any, out: Path, partial: Path, limit: int) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from metrics.io import read_table

    frame = read_table(src.path, src.name, max_bytes=max(src.size, 1) * 2, max_columns=limit)
    info = dict(frame.attrs.get("synthlens_read", {}))
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), partial)
    partial.replace(out)
    return {**info, "rows": len(frame), "columns": frame.shape[1], "reader": "pandas, whole file"}


def _stream(
    src: Any,
    sniff: text.Sniff,
    names: list[str],
    blanks: list[int],
    out: Path,
    facts: scan.ByteFacts | None = None,
) -> dict[str, Any]:
    import pyarrow.parquet as pq

    text_columns = set(sniff.text_columns)
    profiles = [_Profile(i in text_columns) for i in range(len(names))]
    for batch in _checked(src, sniff, len(names), facts):
        for profile, col in zip(profiles, batch.columns, strict=True):
            profile.update(col)
    filled = pd.DataFrame([[1.0 if profiles[i].values else np.nan for i in range(len(names))]])
    text.drop_blank_columns(filled, blanks, src.label, "in the header row", letters=True)
    keep = [i for i in range(len(names)) if i not in set(blanks)]
    rows = profiles[0].values + profiles[0].nulls
    if rows == 0 or not keep:
        raise InputError(text.no_rows_message(src.label, [names[i] for i in keep], "csv"))
    kinds = {i: profiles[i].kind() for i in keep}
    writer = None
    try:
        for batch in _checked(src, sniff, len(names), facts):
            arrays = [_convert(batch.column(i), kinds[i], bool(profiles[i].nulls)) for i in keep]
            table = pa.Table.from_arrays(arrays, names=[names[i] for i in keep])
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return {
        **{"encoding": sniff.encoding, "delimiter": sniff.delimiter, "decimal": sniff.decimal},
        "text_columns": [names[i] for i in sniff.text_columns],
        "dropped_unnamed_empty_columns": [i + 1 for i in blanks],
        **{"big_integers_as_text": [], "rows": rows, "columns": len(keep)},
    }


def _checked(src: Any, sniff: text.Sniff, width: int, facts: scan.ByteFacts | None) -> Any:
    """Record batches without the header row; bad rows raise InputError with their line."""
    try:
        first, last = True, None
        ascii = facts is not None and facts.ascii
        for batch in pacsv.open_csv(
            _input(src), **_options(sniff, width, arrow.STREAM_BLOCK, ascii)
        ):
            if first:
                if not _header_ok(batch, sniff.header):
                    raise _Fallback
                batch, first = batch.slice(1), False
            last = batch if batch.num_rows else last
            yield batch
        if last is None or not _closed(last, facts):
            raise _Fallback
    except pa.ArrowInvalid as exc:
        if "utf8" in str(exc).lower():
            raise _Fallback from None  # read_table's encoding fallbacks decide
        found = _bad_row(src, sniff, width)
        if found is None:
            raise _Fallback from None  # read_table reads it or words the refusal
        raise InputError(text.ragged_message(src.label, *found, sniff.delimiter)) from None


def _bad_row(src: Any, sniff: text.Sniff, width: int) -> tuple[int, int, int] | None:
    """(line, expected, found) of the first non-blank record without ``width`` fields."""
    with src.open() as raw:
        stream = io.TextIOWrapper(raw, encoding=sniff.encoding, errors="replace", newline="")
        reader = csv.reader(stream, delimiter=sniff.delimiter, strict=False)
        try:
            for row in reader:
                blank = len(row) <= 1 and not "".join(row).strip(" \t\v\f")
                if len(row) != width and not blank:
                    return reader.line_num, width, len(row)
        except csv.Error:
            return None
    return None
