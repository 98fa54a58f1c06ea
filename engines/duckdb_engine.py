"""The DuckDB engine: states of a Parquet file computed inside DuckDB, out of core.

Only states come back to Python (counts per value, co-moments, contingency counts, a row-hash
grouping), never the table; DuckDB spills to disk past its memory limit
(:mod:`engines.duckdb_connect`). The seeded sample is the rows at numpy-chosen positions,
matched on Parquet's ``file_row_number``, so it is the same rows the pandas engine takes.
A DataFrame is accepted too (DuckDB scans it in place), for tests and small inputs.
"""

from __future__ import annotations

import os
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

from engines import duckdb_columns, duckdb_coverage, duckdb_pairs, pandas_pairs
from engines.base import Key, Source
from engines.duckdb_connect import connect
from metrics.schema import Schema
from metrics.state_columns import ColumnState
from metrics.state_copies import CopyCounts
from metrics.state_coverage import OutsideState, SideState
from metrics.state_pairs import Binning, PairStates, merge

NUMBER_KINDS = pandas_pairs.NUMBER_KINDS
BATCH_ROWS = 1_000_000
T = TypeVar("T")
WORKERS = max(1, min(4, os.cpu_count() or 1))


def _step(positions: np.ndarray) -> int:
    """k when ``positions`` are 0, k, 2k, ... (0 otherwise)."""
    if len(positions) < 2 or positions[0] != 0:
        return 0
    k = int(positions[1])
    return k if k > 0 and np.array_equal(positions, np.arange(0, k * len(positions), k)) else 0


def _batches(path: str, columns: list[str]) -> Iterator[pd.DataFrame]:
    """The file's ``columns`` in batches of :data:`BATCH_ROWS` rows, as pandas reads Parquet.

    Pair states are sums over rows (co-moments merged around a pivot, contingency counts), so
    each batch's state is computed by the pandas producer in vectorised numpy and merged: far
    faster than hundreds of SQL aggregates per row, and memory stays at a few batches. Text
    columns arrive dictionary-encoded (pandas categoricals): a million Python strings per
    column and batch would cost more than the counting."""
    con = connect()
    try:
        select = ", ".join(duckdb_columns.quote(c) for c in columns) or "1"
        rel = con.sql(f"SELECT {select} FROM read_parquet($path)", params={"path": path})
        held: list[pa.RecordBatch] = []
        for batch in rel.to_arrow_reader(BATCH_ROWS):
            # The reader hands over row groups; a state's fixed cost (building its counters)
            # is paid per batch, so batches are gathered up to BATCH_ROWS first.
            held.append(batch)
            if sum(b.num_rows for b in held) >= BATCH_ROWS:
                yield _frame(held)
                held = []
        if held:
            yield _frame(held)
    finally:
        con.close()


def _frame(batches: list[pa.RecordBatch]) -> pd.DataFrame:
    table = pa.Table.from_batches(batches).combine_chunks()
    columns = [
        c.dictionary_encode() if pa.types.is_string(c.type) or pa.types.is_large_string(c.type)
        or pa.types.is_string_view(c.type) else c
        for c in table.columns
    ]  # fmt: skip
    return pa.Table.from_arrays(columns, names=table.column_names).to_pandas()


class _Tables:
    """Contingency counts summed over batches as integer arrays on labels numbered once for
    the whole file; the label-pair counters are built once at the end, not per batch."""

    def __init__(self, pairs: list[Key]) -> None:
        self.pairs = pairs
        self.ids: dict[str, dict[object, int]] = {}
        self.counts: dict[Key, np.ndarray] = {}

    def _global(self, col: str, labels: list) -> np.ndarray:
        # NaN labels are never equal to themselves; missing values come as None.
        ids = self.ids.setdefault(col, {})
        return np.array([ids.setdefault(v, len(ids)) for v in labels], dtype=np.int64)

    def count(self, codes: dict[str, tuple[np.ndarray, list]]) -> dict[Key, tuple]:
        """One batch's tables on its own label numbering (runs on the worker threads)."""
        out = {}
        for a, b in self.pairs:
            (ca, la), (cb, lb) = codes[a], codes[b]
            found = np.bincount(ca * len(lb) + cb, minlength=len(la) * len(lb))
            out[(a, b)] = (found.reshape(len(la), len(lb)), la, lb)
        return out

    def add(self, batch: dict[Key, tuple]) -> None:
        """Add one batch's tables, moved onto the file's label numbering."""
        for (a, b), (found, la, lb) in batch.items():
            ga, gb = self._global(a, la), self._global(b, lb)
            shape = (len(self.ids[a]), len(self.ids[b]))
            total = self.counts.get((a, b))
            if total is None or total.shape != shape:
                grown = np.zeros(shape, dtype=np.int64)
                if total is not None:
                    grown[: total.shape[0], : total.shape[1]] = total
                total = grown
            total[np.ix_(ga, gb)] += found  # a batch's labels are distinct: no index repeats
            self.counts[(a, b)] = total

    def states(self) -> PairStates:
        out = PairStates()
        for a, b in self.pairs:
            la, lb = list(self.ids.get(a, {})), list(self.ids.get(b, {}))
            counts = self.counts.get((a, b))
            out.tables[(a, b)] = (
                pandas_pairs.counter_of(counts.ravel(), la, lb) if counts is not None else Counter()
            )
        return out


def _merged(states: Iterable[PairStates]) -> PairStates:
    out = PairStates()
    for state in states:
        out = merge(out, state)
    return out


def _each_batch(fn: Callable[[pd.DataFrame], T], batches: Iterator[pd.DataFrame]) -> Iterator[T]:
    """``fn`` of every batch on :data:`WORKERS` threads (numpy and BLAS release the GIL), with
    at most that many batches in flight, so memory stays bounded."""
    with ThreadPoolExecutor(WORKERS) as pool:
        pending: deque[Future[T]] = deque()
        for batch in batches:
            pending.append(pool.submit(fn, batch))
            if len(pending) >= WORKERS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


class DuckDBEngine:
    """Every state by SQL aggregates over the file (see the module docstring)."""

    name = "duckdb"

    def rows(self, source: Source) -> int:
        if isinstance(source, pd.DataFrame):
            return len(source)
        con = connect()
        try:
            found = con.execute("SELECT count(*) FROM read_parquet(?)", [str(source)]).fetchone()
            return int(found[0]) if found else 0
        finally:
            con.close()

    def columns(self, source: Source) -> list[str]:
        if isinstance(source, pd.DataFrame):
            return [str(c) for c in source.columns]
        con = connect()
        try:
            rows = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(source)]).fetchall()
            return [str(r[0]) for r in rows]
        finally:
            con.close()

    def sample(self, source: Source, positions: np.ndarray) -> pd.DataFrame:
        if isinstance(source, pd.DataFrame):
            return source.iloc[positions].reset_index(drop=True)
        con = connect()
        try:
            step = _step(positions)
            if step:  # every k-th row from the first (the pair edges' rows): a filter, no join
                where, params = "file_row_number % $step = 0", {"step": step}
            else:
                con.register("synthlens_picks", pd.DataFrame({"p": positions.astype(np.int64)}))
                where, params = "file_row_number IN (SELECT p FROM synthlens_picks)", {}
            table = con.sql(
                "SELECT * EXCLUDE (file_row_number) FROM "
                f"read_parquet($path, file_row_number = true) WHERE {where} "
                "ORDER BY file_row_number",
                params={"path": str(source), **params},
            ).to_arrow_table()
        finally:
            con.close()
        # Through Arrow, as pandas reads Parquet: the same dtypes as the pandas engine's rows.
        return table.to_pandas()

    def column_states(self, source: Source, schema: Schema) -> dict[str, ColumnState]:
        return duckdb_columns.column_states(source, schema.columns)

    def number_states(
        self, source: Source, schema: Schema, numbers: list[Key], spearman: bool
    ) -> PairStates:
        if spearman or isinstance(source, pd.DataFrame):
            # Spearman's value-pair counts group in SQL (spilling past memory).
            return duckdb_pairs.number_states(source, schema, numbers, spearman)
        wanted = [c.name for c in schema.columns if c.kind in NUMBER_KINDS]
        return _merged(_each_batch(
            lambda b: pandas_pairs.number_states(b, schema, numbers, False),
            _batches(source, wanted),
        ))  # fmt: skip

    def table_states(
        self, source: Source, schema: Schema, pairs: list[Key], binnings: dict[str, Binning]
    ) -> PairStates:
        if isinstance(source, pd.DataFrame):
            return duckdb_pairs.table_states(source, schema, pairs, binnings)
        wanted = list(dict.fromkeys(c for p in pairs for c in p))
        tables = _Tables(pairs)
        for found in _each_batch(
            lambda b: tables.count(pandas_pairs.table_codes(b, schema, set(wanted), binnings)),
            _batches(source, wanted),
        ):
            tables.add(found)
        return tables.states()

    def side_state(self, source: Source, schema: Schema) -> SideState:
        return duckdb_coverage.side_state(source, schema)

    def outside_state(
        self, source: Source, schema: Schema, bounds: dict[str, tuple[float, float]]
    ) -> OutsideState:
        return duckdb_coverage.outside_state(source, schema, bounds)

    def copy_counts(
        self, real: Source, synthetic: Source, schema: Schema, holdout: Source | None
    ) -> CopyCounts:
        return duckdb_coverage.copy_counts(real, synthetic, schema, holdout)


__all__ = ["DuckDBEngine"]
