"""Column-shape states (:mod:`metrics.state_columns`) from a DuckDB scan of a file or a frame.

Counting happens in SQL (``GROUP BY`` value per column): only distinct values and their counts
reach Python, where numbers are rounded and labels normalised exactly as the pandas producer
does. A numeric column with more than ``cap`` distinct raw values is streamed instead, in Arrow
batches of non-missing values, into a KLL sketch (bounded memory, never the whole column).

Sources: a Parquet path (``read_parquet``, the file's own types), a CSV path (``read_csv`` with
every column read as text, then converted in SQL: nothing is guessed), or a pandas DataFrame
(scanned in place). Column names are quoted as identifiers; paths and formats are parameters.

Differences from the in-memory reading, by design for now: a date column in text is parsed with
its ``datetime_format`` only (pandas' mixed-format fallback for the values that do not fit is
not reproduced; without a format, DuckDB's own timestamp cast); text read from CSV is taken as
numbers for a categorical column when every value casts to DOUBLE (as pandas' reader would
type it); and the exact/sketched decision counts raw distinct values, before rounding.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from datasketches import kll_doubles_sketch

from engines.duckdb_connect import connect
from metrics.encode import normalise_labels
from metrics.marginal_stats import MAX_DECIMALS
from metrics.schema import ColumnSpec, Kind
from metrics.state_columns import (
    DEFAULT_CAP,
    DEFAULT_K,
    CategoricalState,
    ColumnState,
    NumericState,
    numeric_state_from_counts,
)

BATCH_ROWS = 1_000_000  # rows per Arrow batch when streaming into a sketch
_VIEW = "synthlens_partition"


def quote(name: str) -> str:
    """``name`` as an SQL identifier (double quotes doubled), safe for any column name."""
    return '"' + name.replace('"', '""') + '"'


def _source(con: duckdb.DuckDBPyConnection, source: Any) -> tuple[str, list[Any]]:
    """SQL for the table and its parameters."""
    if isinstance(source, pd.DataFrame):
        con.register(_VIEW, source)
        return quote(_VIEW), []
    path = str(source)
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        return "read_parquet(?)", [path]
    if suffix in (".csv", ".txt"):
        sql = "read_csv(?, header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"')"
        return sql, [path]
    raise ValueError(f"unsupported file type {suffix!r}: expected .parquet or .csv")


def _types(con: duckdb.DuckDBPyConnection, src: str, params: list[Any]) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE SELECT * FROM {src}", params).fetchall()
    return {str(r[0]): str(r[1]).upper() for r in rows}


def _numeric_expr(col: str, sql_type: str, spec: ColumnSpec) -> tuple[str, list[Any]]:
    """A DOUBLE expression for the column, NULL where missing, unreadable or not finite."""
    q = quote(col)
    params: list[Any] = []
    if spec.kind is Kind.DATETIME:
        if "WITH TIME ZONE" in sql_type:
            expr = f"epoch_ns(CAST(timezone('UTC', {q}) AS TIMESTAMP_NS))"
        elif sql_type.startswith("TIMESTAMP") or sql_type == "DATE":
            expr = f"epoch_ns(CAST({q} AS TIMESTAMP_NS))"
        elif spec.datetime_format:
            expr, params = (
                f"epoch_ns(try_strptime(CAST({q} AS VARCHAR), ?))",
                [spec.datetime_format],
            )
        else:
            expr = f"epoch_ns(TRY_CAST({q} AS TIMESTAMP_NS))"
        x = f"CAST({expr} AS DOUBLE)"
    elif sql_type == "VARCHAR":
        x = f"TRY_CAST(trim({q}) AS DOUBLE)"
    else:
        x = f"TRY_CAST({q} AS DOUBLE)"
    # x appears twice, so do its parameters.
    return f"CASE WHEN isfinite({x}) THEN {x} END", params + params


def _numeric(
    con: duckdb.DuckDBPyConnection,
    src: str,
    params: list[Any],
    expr: tuple[str, list[Any]],
    cap: int,
    k: int,
) -> NumericState:
    sql, p = expr
    inner = f"SELECT {sql} AS v FROM {src}"
    args = p + params
    # fetchall, not fetchone: a half-read result would block the streaming relation below.
    # HyperLogLog first (a few % off, and cheap): an exact distinct count of millions of
    # values would cost a hash table as large as the column, only to learn it is too many.
    ((approx, n_valid, n_rows),) = con.execute(
        f"SELECT approx_count_distinct(v), count(v), count(*) FROM ({inner})", args
    ).fetchall()
    nulls = int(n_rows) - int(n_valid)
    n_distinct = approx
    if approx <= 2 * cap:
        ((n_distinct,),) = con.execute(f"SELECT count(DISTINCT v) FROM ({inner})", args).fetchall()
    if n_distinct <= cap:
        table = con.execute(
            f"SELECT v, count(*) AS c FROM ({inner}) WHERE v IS NOT NULL GROUP BY v", args
        ).fetchnumpy()
        return numeric_state_from_counts(table["v"], table["c"], nulls, cap, k)
    # Too many distinct values to count: stream them into a sketch.
    state = numeric_state_from_counts(np.empty(0), np.empty(0), nulls, cap, k)
    sketch = kll_doubles_sketch(k)
    # A relation (not a DB-API result) streams batches without materialising the rows first.
    relation = con.sql(f"{inner} WHERE v IS NOT NULL", params=args)
    reader: Any = relation.to_arrow_reader(BATCH_ROWS)
    lo, hi = np.inf, -np.inf
    for batch in reader:
        values = np.round(
            batch.column(0).to_numpy(zero_copy_only=False).astype(np.float64), MAX_DECIMALS
        )
        if len(values):
            sketch.update(values)
            lo, hi = min(lo, float(values.min())), max(hi, float(values.max()))
    state.n, state.sketch, state.min, state.max = int(sketch.n), sketch, lo, hi
    return state


def _categorical(
    con: duckdb.DuckDBPyConnection,
    src: str,
    params: list[Any],
    col: str,
    sql_type: str,
    kind: Kind,
    from_csv: bool,
) -> CategoricalState:
    q = quote(col)
    table = con.execute(
        f"SELECT {q} AS v, count(*) AS c FROM {src} GROUP BY {q}", params
    ).fetchall()
    state = CategoricalState(kind=kind)
    present = [(v, int(c)) for v, c in table if v is not None]
    state.nulls = sum(int(c) for v, c in table if v is None)
    if sql_type == "BOOLEAN":
        present = [(str(bool(v)), c) for v, c in present]
    elif _is_number_type(sql_type) or (from_csv and sql_type == "VARCHAR"):
        numbers = _as_numbers([v for v, _ in present]) if present else None
        if numbers is not None:
            for (_, c), x in zip(present, numbers, strict=True):
                if np.isnan(x):
                    state.nulls += c  # a float NaN is missing, as pandas has it
                else:
                    state.numbers[x] += c
            return state
        present = [(str(v), c) for v, c in present]
    labels = normalise_labels(pd.Series([v for v, _ in present], dtype=object), kind)
    for label, (_, c) in zip(labels, present, strict=True):
        if pd.isna(label):
            state.nulls += c
        else:
            state.labels[str(label)] += c
    return state


_NUMBER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE"}


def _is_number_type(sql_type: str) -> bool:
    base = sql_type.removeprefix("U")
    return base in _NUMBER_TYPES or sql_type.startswith("DECIMAL")


def _as_numbers(values: list[Any]) -> list[float] | None:
    """The values as numbers (ints kept as ints), or None when one is not a number."""
    out: list[Any] = []
    for v in values:
        if isinstance(v, int | float) and not isinstance(v, bool):
            out.append(v)
            continue
        text = str(v).strip()
        try:
            out.append(int(text))
        except ValueError:
            try:
                out.append(float(text))
            except ValueError:
                return None
    return out


def column_states(
    source: Any,
    columns: Iterable[ColumnSpec],
    cap: int = DEFAULT_CAP,
    k: int = DEFAULT_K,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> dict[str, ColumnState]:
    """One state per analysed column of a Parquet or CSV path, or of a DataFrame.

    Parameters
    ----------
    source : str, pathlib.Path or pandas.DataFrame
        The table (one side, or one partition of it).
    columns : iterable of ColumnSpec
        The schema's columns; id and text columns are skipped.
    cap, k : int
        Distinct values per numeric column counted exactly, and the KLL k past that.
    connection : duckdb.DuckDBPyConnection, optional
        A connection to use (its memory limit and temporary directory apply); a new in-memory
        one otherwise.
    """
    con = connection or connect()
    src, params = _source(con, source)
    types = _types(con, src, params)
    from_csv = src.startswith("read_csv")
    out: dict[str, ColumnState] = {}
    for spec in columns:
        sql_type = types[spec.name]
        if spec.kind in (Kind.NUMERICAL, Kind.DATETIME):
            expr = _numeric_expr(spec.name, sql_type, spec)
            out[spec.name] = _numeric(con, src, params, expr, cap, k)
        elif spec.kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
            out[spec.name] = _categorical(
                con, src, params, spec.name, sql_type, spec.kind, from_csv
            )
    if isinstance(source, pd.DataFrame):
        con.unregister(_VIEW)
    return out


__all__ = ["column_states", "quote"]
