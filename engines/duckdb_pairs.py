"""DuckDB producer of :mod:`metrics.state_pairs`: a Parquet or CSV file, or a DataFrame.

Everything is aggregated inside DuckDB; only states come back (one row of moments, one row per
label pair of each table), never the table's rows. Column names are quoted as identifiers and
every value (paths, bin edges) is a parameter.

- :func:`number_states`: one scan; per number column ``count``/``min``/``max``; per pair of
  numbers ``regr_count``, ``regr_avgx``/``regr_avgy`` and ``regr_sxx``/``regr_syy``/
  ``regr_sxy`` (DuckDB's streaming co-moments over the rows where both are present: the
  centred sums, not raw cross-products) and the min/max of each column on those rows.
  Spearman: one ``GROUP BY x, y`` per pair, capped at ``MAX_RANK_PAIRS + 1`` groups.
- :func:`table_states`: one scan per block of pairs, ``GROUP BY GROUPING SETS`` of the pairs;
  numbers are cut in SQL with the given :class:`~metrics.state_pairs.Binning` edges.

Values are read as the encoding reads them: numbers cast to DOUBLE with non-finite values
missing, dates as nanoseconds since the epoch (typed TIMESTAMP columns: Parquet timestamps,
or a CSV column declared TIMESTAMP), categories as raw values normalised after the merge.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TypeAlias

import duckdb
import pandas as pd

from engines.duckdb_connect import connect
from metrics.schema import Kind, Schema
from metrics.state_pairs import MAX_RANK_PAIRS, Binning, Key, Moments, PairStates, Range, RankCounts

Source: TypeAlias = str | Path | pd.DataFrame
_MAX_SET_COLUMNS = 48  # columns per GROUPING SETS query (GROUPING() is a bit mask)
_SQL_TYPES = {
    Kind.NUMERICAL: "DOUBLE",
    Kind.DATETIME: "TIMESTAMP",
    Kind.CATEGORICAL: "VARCHAR",
    Kind.BOOLEAN: "VARCHAR",
}


def quote(name: str) -> str:
    """``name`` as an SQL identifier (double quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def _source(
    con: duckdb.DuckDBPyConnection, source: Source, schema: Schema, types: dict[str, str] | None
) -> tuple[str, list]:
    """The FROM clause and its parameters. A CSV's column types are explicit (``types``, else
    from the schema's kinds): nothing is guessed. ``types`` values are DuckDB type names that
    the caller controls (never data)."""
    if isinstance(source, pd.DataFrame):
        con.register("pair_source", source)
        return "pair_source", []
    path = str(source)
    if path.lower().endswith(".parquet"):
        return "read_parquet($1)", [path]
    declared = {c.name: (types or {}).get(c.name, _SQL_TYPES.get(c.kind, "VARCHAR"))
                for c in schema.columns}  # fmt: skip
    return "read_csv($1, header = true, auto_detect = false, columns = $2)", [path, declared]


def _number(name: str, kind: Kind) -> str:
    col = quote(name)
    if kind is Kind.DATETIME:
        return f"CAST(epoch_ns(CAST({col} AS TIMESTAMP_NS)) AS DOUBLE)"
    x = f"TRY_CAST({col} AS DOUBLE)"
    return f"CASE WHEN isfinite({x}) THEN {x} END"


def number_states(
    source: Source, schema: Schema, numbers: list[Key], spearman: bool = False,
    types: dict[str, str] | None = None,
) -> PairStates:  # fmt: skip
    """First pass (see the module docstring); as ``engines.pandas_pairs.number_states``."""
    kinds = {c.name: c.kind for c in schema.columns}
    cols = [c for c in kinds if kinds[c] in (Kind.NUMERICAL, Kind.DATETIME)]
    out = PairStates()
    if not cols:
        return out
    alias = {c: f"n{i}" for i, c in enumerate(cols)}
    con = connect()
    try:
        src, params = _source(con, source, schema, types)
        inner = ", ".join(f"{_number(c, kinds[c])} AS {alias[c]}" for c in cols)
        aggs = [f"count({alias[c]}), min({alias[c]}), max({alias[c]})" for c in cols]
        # One value of each column (the first met): pivots, passed back in as parameters.
        first = ", ".join(
            f"(SELECT {a} FROM (SELECT {inner} FROM {src}) WHERE {a} IS NOT NULL LIMIT 1)"
            for a in alias.values()
        )
        found = con.execute(f"SELECT {first}", params).fetchone() or ()
        pivots = ", ".join(
            f"CAST(${len(params) + 1 + i} AS DOUBLE) AS p{alias[c]}" for i, c in enumerate(cols)
        )
        source_params = params
        params = [*params, *(0.0 if v is None else v for v in found)]
        for a, b in numbers:
            x, y = alias[a], alias[b]
            # Co-moments of values shifted by a pivot (one value of each column), so the
            # means keep their digits when the columns sit far from 0 (see Moments).
            sx, sy = f"({x} - p{x})", f"({y} - p{y})"
            aggs.append(
                f"regr_count({sy}, {sx}), regr_avgx({sy}, {sx}), regr_avgy({sy}, {sx}), "
                f"regr_sxx({sy}, {sx}), regr_syy({sy}, {sx}), regr_sxy({sy}, {sx}), "
                f"min({x}) FILTER (WHERE {y} IS NOT NULL), max({x}) FILTER (WHERE {y} IS NOT NULL),"
                f" min({y}) FILTER (WHERE {x} IS NOT NULL), max({y}) FILTER (WHERE {x} IS NOT NULL),"
                f" any_value(p{x}), any_value(p{y})"
            )
        sql = f"SELECT {', '.join(aggs)} FROM (SELECT {inner}, {pivots} FROM {src})"
        row = list(con.execute(sql, params).fetchone() or ())
        for c in cols:
            n, lo, hi = row[:3]
            del row[:3]
            out.ranges[c] = Range(int(n), float(lo), float(hi)) if n else Range()
        for key in numbers:
            n, mx, my, sxx, syy, sxy, x_lo, x_hi, y_lo, y_hi, px, py = row[:12]
            del row[:12]
            out.moments[key] = (
                Moments(
                    int(n),
                    mx,
                    my,
                    sxx,
                    syy,
                    sxy,
                    Range(n, x_lo, x_hi),
                    Range(n, y_lo, y_hi),
                    px,
                    py,
                )  # fmt: skip
                if n
                else Moments()
            )
            if spearman:
                out.ranks[key] = _rank_counts(
                    con, src, source_params, inner, alias[key[0]], alias[key[1]]
                )
    finally:
        con.close()
    return out


def _rank_counts(
    con: duckdb.DuckDBPyConnection, src: str, params: list, inner: str, x: str, y: str
) -> RankCounts:
    sql = (
        f"SELECT {x}, {y}, count(*) FROM (SELECT {inner} FROM {src}) "
        f"WHERE {x} IS NOT NULL AND {y} IS NOT NULL GROUP BY ALL LIMIT {MAX_RANK_PAIRS + 1}"
    )
    rows = con.execute(sql, params).fetchall()
    if len(rows) > MAX_RANK_PAIRS:
        return RankCounts(overflow=True)
    return RankCounts(Counter({(vx, vy): int(n) for vx, vy, n in rows}))


def _binned(expr: str, binning: Binning, params: list) -> str:
    """SQL bin code of a number under ``binning``; its edges are appended to ``params``."""

    def p(value: float) -> str:
        params.append(value)
        return f"CAST(${len(params)} AS DOUBLE)"

    reached = " + ".join(f"CAST({expr} >= {p(e)} AS BIGINT)" for e in binning.edges) or "0"
    top = (
        f"WHEN {expr} = {p(binning.top)} THEN {binning.top_code} "
        if binning.top is not None
        else ""
    )
    return (
        f"CASE WHEN {expr} IS NULL THEN {binning.missing} {top}ELSE {reached} + {binning.shift} END"
    )


def _blocks(pairs: list[Key]) -> list[list[Key]]:
    """Pairs in blocks touching at most :data:`_MAX_SET_COLUMNS` columns each."""
    blocks: list[list[Key]] = []
    used: set[str] = set()
    for pair in pairs:
        if not blocks or len(used | set(pair)) > _MAX_SET_COLUMNS:
            blocks.append([])
            used = set()
        blocks[-1].append(pair)
        used |= set(pair)
    return blocks


def table_states(
    source: Source, schema: Schema, pairs: list[Key], binnings: dict[str, Binning],
    types: dict[str, str] | None = None,
) -> PairStates:  # fmt: skip
    """Second pass (see the module docstring); as ``engines.pandas_pairs.table_states``."""
    kinds = {c.name: c.kind for c in schema.columns}
    out = PairStates()
    con = connect()
    try:
        for block in _blocks(pairs):
            cols = list(dict.fromkeys(c for p in block for c in p))
            src, params = _source(con, source, schema, types)
            keys = []
            for i, c in enumerate(cols):
                if kinds[c] in (Kind.NUMERICAL, Kind.DATETIME):
                    keys.append(f"{_binned(_number(c, kinds[c]), binnings[c], params)} AS k{i}")
                else:
                    keys.append(f"{quote(c)} AS k{i}")
            at = {c: i for i, c in enumerate(cols)}
            ks = ", ".join(f"k{i}" for i in range(len(cols)))
            sets = ", ".join(f"(k{at[a]}, k{at[b]})" for a, b in block)
            sql = (
                f"SELECT {ks}, GROUPING({ks}) AS g, count(*) FROM (SELECT {', '.join(keys)} "
                f"FROM {src}) GROUP BY GROUPING SETS ({sets})"
            )
            # GROUPING() sets the bit of every column a set leaves out (the first is the highest).
            full = (1 << len(cols)) - 1
            by_mask = {
                full ^ (1 << (len(cols) - 1 - at[a])) ^ (1 << (len(cols) - 1 - at[b])): (a, b)
                for a, b in block
            }
            for a, b in block:
                out.tables[(a, b)] = Counter()
            for row in con.execute(sql, params).fetchall():
                a, b = by_mask[row[-2]]
                out.tables[(a, b)][(row[at[a]], row[at[b]])] += int(row[-1])
    finally:
        con.close()
    return out
