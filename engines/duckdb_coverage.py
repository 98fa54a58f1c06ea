"""The DuckDB producer of :mod:`metrics.state_coverage` and :mod:`metrics.state_copies`.

A source is a Parquet or CSV path or a pandas DataFrame (DuckDB scans it in place). CSV is read
with every column as text (``all_varchar``: no type guessed from a sample) and pandas' missing
markers, and each value is then read as the schema says (``TRY_CAST``: a value that is not a
number is counted unreadable, never misread). Column names are always quoted identifiers; the
only values passed in are parameters.

Exact copies never bring rows into Python: every side's normalised analysed columns are
grouped together in DuckDB on two 64-bit hashes of the row (an equality join by ``GROUP BY``,
which holds missing equal to missing), and only three sums come back. The hashes of
:mod:`engines.pandas_coverage` are not reproduced in SQL; the counts are the same because both
compare the same normalised values through 128-bit row hashes.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, TypeAlias

import duckdb
import pandas as pd
from pandas._libs.parsers import STR_NA_VALUES

from engines.duckdb_connect import connect as limited_connect
from engines.pandas_coverage import label_state
from metrics.schema import ColumnSpec, Kind, Schema
from metrics.state_copies import CopyCounts
from metrics.state_coverage import LABEL_KINDS, RANGE_KINDS, ColumnState, OutsideState, SideState

Source: TypeAlias = str | Path | pd.DataFrame
_FLOATS = ("DOUBLE", "FLOAT")
_BOOL_TEXT = {"true": "True", "false": "False"}
_views = itertools.count()


def quote(name: str) -> str:
    """``name`` as an SQL identifier (double quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def open_source(con: duckdb.DuckDBPyConnection, source: Source) -> tuple[str, dict[str, str]]:
    """A view on ``source`` (quoted name) and its columns' DuckDB types."""
    name = f"synthlens_source_{next(_views)}"
    if isinstance(source, pd.DataFrame):
        con.register(name, source)
    elif str(source).lower().endswith(".parquet"):
        con.read_parquet(str(source)).to_view(name)
    elif str(source).lower().endswith((".csv", ".tsv")):
        rel = con.read_csv(str(source), all_varchar=True, header=True,
                           na_values=sorted(STR_NA_VALUES))  # fmt: skip
        rel.to_view(name)
    else:
        raise ValueError(f"cannot read {source}: a Parquet or CSV path, or a DataFrame")
    types = {row[0]: str(row[1]) for row in con.execute(f"DESCRIBE {quote(name)}").fetchall()}
    return quote(name), types


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory connection reading naive dates as UTC, as the encoding does."""
    return limited_connect()


def _missing(q: str, dtype: str) -> str:
    return f"({q} IS NULL OR isnan({q}))" if dtype in _FLOATS else f"({q} IS NULL)"


def _readable(q: str, spec: ColumnSpec, dtype: str) -> str:
    """The value as a finite DOUBLE (datetimes in ns since the epoch), NULL otherwise."""
    if spec.kind is Kind.DATETIME:
        if dtype.startswith(("TIMESTAMP", "DATE")):
            v = f"CAST(epoch_ns(CAST({q} AS TIMESTAMP)) AS DOUBLE)"
        else:
            v = f"CAST(epoch_ns(TRY_CAST({q} AS TIMESTAMPTZ)) AS DOUBLE)"
    else:
        v = f"TRY_CAST({q} AS DOUBLE)"
    return f"(CASE WHEN isfinite({v}) THEN {v} + 0.0 END)"


def _label_column(con: Any, view: str, spec: ColumnSpec, dtype: str, missing: int) -> ColumnState:
    q = quote(spec.name)
    rows = con.execute(
        f"SELECT {q} AS v, count(*) AS n FROM {view} WHERE NOT {_missing(q, dtype)} GROUP BY 1"
    ).fetchdf()
    values = rows["v"]
    if dtype == "VARCHAR" and len(values):
        # What pandas' CSV reader would have made of the text: numbers, booleans or text.
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.notna().all():
            values = numbers.astype("float64")
        elif values.str.lower().isin(_BOOL_TEXT).all():
            values = values.str.lower().map(_BOOL_TEXT)
    elif dtype == "BOOLEAN":
        values = values.astype(bool)
    return label_state(values, rows["n"].to_numpy(), spec.kind, missing)


def side_state(source: Source, schema: Schema, con: Any = None) -> SideState:
    """The :class:`SideState` of one partition (a file or a frame), in one aggregate query
    plus one ``GROUP BY`` per categorical column."""
    con = con or connect()
    view, types = open_source(con, source)
    parts = ["count(*)"]
    for spec in schema.columns:
        q, dtype = quote(spec.name), types[spec.name]
        parts.append(f"count_if({_missing(q, dtype)})")
        if spec.kind in RANGE_KINDS:
            v = _readable(q, spec, dtype)
            parts += [f"count_if(NOT {_missing(q, dtype)} AND {v} IS NULL)", f"min({v})",
                      f"max({v})"]  # fmt: skip
    row = list(con.execute(f"SELECT {', '.join(parts)} FROM {view}").fetchall()[0])
    n_rows, i, columns = int(row[0]), 1, {}
    for spec in schema.columns:
        missing = int(row[i])
        i += 1
        if spec.kind in RANGE_KINDS:
            lo, hi = row[i + 1], row[i + 2]
            columns[spec.name] = ColumnState(
                missing=missing,
                unreadable=int(row[i]),
                lo=float("inf") if lo is None else float(lo),
                hi=float("-inf") if hi is None else float(hi),
            )
            i += 3
        elif spec.kind in LABEL_KINDS:
            columns[spec.name] = _label_column(con, view, spec, types[spec.name], missing)
        else:
            columns[spec.name] = ColumnState(missing=missing)
    return SideState(n_rows, columns)


def outside_state(
    source: Source, schema: Schema, bounds: dict[str, tuple[float, float]], con: Any = None
) -> OutsideState:
    """Second pass over a synthetic partition: values beyond each column's validity bounds
    (bounds passed as parameters)."""
    con = con or connect()
    view, types = open_source(con, source)
    names = list(bounds)
    if not names:
        return OutsideState({})
    parts, params = [], []
    for name in names:
        v = _readable(quote(name), schema.spec(name), types[name])
        parts.append(f"count_if({v} < ? OR {v} > ?)")
        params += [bounds[name][0], bounds[name][1]]
    row = con.execute(f"SELECT {', '.join(parts)} FROM {view}", params).fetchall()[0]
    return OutsideState({n: int(c) for n, c in zip(names, row, strict=True)})


_TRUE = ("true", "t", "yes", "y", "1", "1.0")
_FALSE = ("false", "f", "no", "n", "0", "0.0")


def _label_key(con: Any, view: str, spec: ColumnSpec, dtype: str) -> str:
    """SQL for a category's label as the encoding writes it (NULL when missing)."""
    q = quote(spec.name)
    keep = f"NOT {_missing(q, dtype)}"
    num = f"TRY_CAST({q} AS DOUBLE)"
    if dtype == "VARCHAR":
        numeric, boolean = con.execute(
            f"SELECT bool_and({num} IS NOT NULL), bool_and(lower({q}) IN ('true', 'false')) "
            f"FROM {view} WHERE {keep}"
        ).fetchall()[0]
        text = (f"(CASE WHEN lower({q}) = 'true' THEN 'True' ELSE 'False' END)" if boolean
                else q)  # fmt: skip
    else:
        numeric, text = dtype in _FLOATS, f"CAST({q} AS VARCHAR)"
        if dtype == "BOOLEAN":
            text = f"(CASE WHEN {q} THEN 'True' ELSE 'False' END)"
    if numeric:
        whole = con.execute(f"SELECT bool_and({num} = trunc({num})) FROM {view} WHERE {keep}")
        text = (f"CAST(CAST({num} AS HUGEINT) AS VARCHAR)" if whole.fetchall()[0][0]
                else f"CAST({num} AS VARCHAR)")  # fmt: skip
    if spec.kind is Kind.BOOLEAN:
        low = f"lower(trim({text}))"
        true, false = ", ".join(f"'{t}'" for t in _TRUE), ", ".join(f"'{f}'" for f in _FALSE)
        text = (f"(CASE WHEN {low} IN ({true}) THEN 'True' WHEN {low} IN ({false}) "
                f"THEN 'False' ELSE {text} END)")  # fmt: skip
    return f"(CASE WHEN {keep} THEN {text} END)"


def copy_counts(
    real: Source, synthetic: Source, schema: Schema, holdout: Source | None = None
) -> CopyCounts:
    """Exact copies of synthetic rows among real rows and their natural count, grouped in
    DuckDB (see the module docstring); equal to :func:`metrics.state_copies.copy_counts`."""
    con = connect()
    analysed = [s for s in schema.columns if s.kind in RANGE_KINDS + LABEL_KINDS]
    selects = []
    sources = [real, synthetic] + ([holdout] if holdout is not None else [])
    for side, source in enumerate(sources):
        view, types = open_source(con, source)
        keys = [
            (_readable(quote(s.name), s, types[s.name]) if s.kind in RANGE_KINDS
             else _label_key(con, view, s, types[s.name])) + f" AS k{j}"
            for j, s in enumerate(analysed)
        ]  # fmt: skip
        selects.append(f"SELECT {side} AS side, {', '.join(keys) or '0 AS k0'} FROM {view}")
    names = ", ".join(f"k{j}" for j in range(max(len(analysed), 1)))
    # Two 64-bit hashes of the row's values: grouping on 128 bits instead of every column is
    # several times faster, and two different rows share both with odds of about 2^-128 per
    # pair (the pandas producer's row hash has the same width).
    groups = f"hash({names}), hash('synthlens', {names})"
    sql = (
        f"WITH u AS ({' UNION ALL '.join(selects)}), g AS (SELECT count_if(side = 0) AS r, "
        f"count_if(side = 1) AS s, count_if(side = 2) AS h FROM u GROUP BY {groups}) "
        "SELECT sum(s) FILTER (WHERE r > 0), sum(h) FILTER (WHERE r > 0), "
        "sum(r) FILTER (WHERE r >= 2), sum(r), sum(s), sum(h) FROM g"
    )
    out = [int(v or 0) for v in con.execute(sql).fetchall()[0]]
    exact, held, repeated, n_real, n_syn, n_hold = out
    if holdout is not None and n_hold > 0:
        return CopyCounts(exact, n_syn, held, n_hold, "holdout")
    return CopyCounts(exact, n_syn, repeated, n_real, "leave-one-out")
