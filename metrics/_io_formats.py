"""Readers of :mod:`metrics.io` for the binary and JSON formats: Parquet, ``.xlsx``, JSON (Lines).

Each takes the source and its :class:`~metrics._io_limits.Limits` and returns the frame and
what to record about the read; every limit is checked before the rows are read. Private to
``metrics.io``.
"""

from __future__ import annotations

import json
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd

from metrics import _io_limits as limits
from metrics import _io_text as text
from metrics._io_text import InputError


def read_parquet(src: Any, lim: limits.Limits) -> tuple[pd.DataFrame, dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(src.handle())
    schema = parquet.schema_arrow
    limits.check_parquet(parquet.metadata, len(schema.names), src.label, *lim)
    table = parquet.read(use_pandas_metadata=False)
    labels, named = _pandas_index_columns(table.schema)
    # Pandas' row labels are not data; a named index is, and goes first as reset_index() would.
    by_name = {n: i for i, n in enumerate(table.schema.names)}
    keep = [by_name[n] for n in named] + [
        i for i, n in enumerate(table.schema.names) if n not in labels and n not in named
    ]
    where = "in the Parquet schema"
    names, blanks = text.check_names([table.schema.names[i] for i in keep], src.label, where)
    # Positional select and rename: Parquet allows repeated and empty names, pandas lookups do not.
    # Without the pandas metadata the frame is plain numpy dtypes, the same for any writer.
    table = table.select(keep).rename_columns(names).replace_schema_metadata(None)
    nested = [f.name for f in table.schema if pa.types.is_nested(f.type)]
    binary = [f.name for f in table.schema if _is_binary(pa, f.type)]
    frame = table.to_pandas()
    for name in nested:
        frame[name] = nested_to_json(frame[name])
    for name in binary:  # bytes are not text: decoded as UTF-8, invalid bytes become U+FFFD
        frame[name] = limits.bytes_to_text(frame[name])
    frame = text.drop_blank_columns(frame, blanks, src.label, where)
    return frame, {
        "dropped_unnamed_empty_columns": [i + 1 for i in blanks],
        "binary_columns_as_text": binary,
    }


def _is_binary(pa: Any, t: Any) -> bool:
    return bool(
        pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_fixed_size_binary(t)
        or pa.types.is_binary_view(t)
    )


def read_xlsx(src: Any, lim: limits.Limits) -> tuple[pd.DataFrame, dict[str, Any]]:
    import openpyxl

    limits.check_zip(src.handle(), src.label, lim.max_bytes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles and data validation
        # pandas' own options; the workbook is opened here so its header row is counted first.
        book = openpyxl.load_workbook(
            src.handle(), read_only=True, data_only=True, keep_links=False
        )
        try:
            sheet = book.sheetnames[0]
            where = f"in the first row of sheet '{sheet}'"
            limits.check_width(limits.xlsx_header_width(book), lim.max_columns, src.label, where)
            with pd.ExcelFile(book, engine="openpyxl") as excel:
                # header=None keeps the raw header cells (pandas would rename blanks and
                # repeats) and text cells such as "007" as text.
                grid = excel.parse(sheet, header=None)
        finally:
            book.close()
    if grid.empty:
        raise InputError(
            f"The first sheet ('{sheet}') of '{src.label}' is empty. SynthLens reads the first "
            "sheet: move the table there, or save that sheet as CSV."
        )
    names, blanks = text.check_names(list(grid.iloc[0]), src.label, where, letters=True)
    frame = grid.iloc[1:].reset_index(drop=True).infer_objects()
    frame.columns = names
    frame = text.drop_blank_columns(frame, blanks, src.label, where, letters=True)
    return frame, {"sheet": sheet, "dropped_unnamed_empty_columns": [i + 1 for i in blanks]}


def read_json(
    src: Any, lim: limits.Limits, lines: bool = True
) -> tuple[pd.DataFrame, dict[str, Any]]:
    if lines:
        head = src.head(text.PREFIX)
        limits.check_json_header(head, src.label, lim.max_columns)
        rows = head.split(b"\n")
        text.check_json_lines(rows if src.size <= text.PREFIX else rows[:-1], src.label)
    try:
        frame = _parse_json(src, lines)
    except ValueError as exc:
        if lines:  # find the line past the checked prefix
            with src.open() as fh:
                text.check_json_lines(fh, src.label)
        raise InputError(
            f"'{src.label}' is not valid JSON ({text.short(exc)}). Save the table as JSON Lines: "
            'one object per line, such as {"age": 31, "city": "Lyon"}.'
        ) from exc
    frame = frame.reset_index(drop=True)
    where = "among the keys"
    names, blanks = text.check_names(list(frame.columns), src.label, where)
    frame.columns = names
    for col in frame.select_dtypes(include="object"):
        frame[col] = nested_to_json(frame[col])
    frame = text.drop_blank_columns(frame, blanks, src.label, where)
    return frame, {"dropped_unnamed_empty_columns": [i + 1 for i in blanks]}


def _parse_json(src: Any, lines: bool) -> pd.DataFrame:
    """pandas' fast reader; Python's ``json`` when a number is too big for it (a long id)."""
    try:
        # dtype=False: JSON already types its values; pandas would turn "007" into 7.
        return pd.read_json(
            src.handle(), lines=lines, orient="records", dtype=False, convert_dates=False
        )
    except ValueError as exc:
        if "too big" not in str(exc):
            raise
    with src.open() as fh:
        if lines:
            records = [json.loads(r, parse_int=limits.json_int) for r in fh if r.strip()]
        else:
            records = json.load(fh, parse_int=limits.json_int)
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValueError("expected objects, one per row")
    return pd.DataFrame(records)


def _pandas_index_columns(schema: Any) -> tuple[set[str], list[str]]:
    """Index columns of a frame pandas wrote: unnamed row labels, and named ones (data)."""
    meta = (schema.metadata or {}).get(b"pandas")
    try:
        index = json.loads(meta).get("index_columns", []) if meta else []
    except ValueError:
        return set(), []
    stored = [c for c in index if isinstance(c, str) and c in schema.names]
    labels = {c for c in stored if re.fullmatch(r"__index_level_\d+__", c)}
    return labels, [c for c in stored if c not in labels]


def _json_default(value: Any) -> Any:
    return value.tolist() if hasattr(value, "tolist") else str(value)


def nested_to_json(col: pd.Series) -> pd.Series:
    """Lists and objects inside cells become JSON text, so every value stays hashable."""
    nested = col.map(lambda v: isinstance(v, dict | list | tuple | np.ndarray)).astype(bool)
    if not nested.any():
        return col
    out = col.astype(object)
    out[nested] = col[nested].map(
        lambda v: json.dumps(v, ensure_ascii=False, default=_json_default)
    )
    return out
