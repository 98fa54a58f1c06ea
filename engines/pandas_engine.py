"""The pandas engine: states of a side held in memory (a DataFrame, or a Parquet file read
whole). It is today's engine for what fits in memory, and the reference the others match."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engines import pandas_columns, pandas_coverage, pandas_pairs
from engines.base import Key, Source
from metrics.schema import Schema
from metrics.state_columns import ColumnState
from metrics.state_copies import CopyCounts, CopyState, copy_counts
from metrics.state_coverage import OutsideState, SideState, whole_labels
from metrics.state_pairs import Binning, PairStates


def _frame(source: Source) -> pd.DataFrame:
    return source if isinstance(source, pd.DataFrame) else pd.read_parquet(source)


class PandasEngine:
    """Every state in one pass over a frame in memory."""

    name = "pandas"

    def rows(self, source: Source) -> int:
        return len(_frame(source))

    def columns(self, source: Source) -> list[str]:
        return [str(c) for c in _frame(source).columns]

    def sample(self, source: Source, positions: np.ndarray) -> pd.DataFrame:
        return _frame(source).iloc[positions].reset_index(drop=True)

    def column_states(self, source: Source, schema: Schema) -> dict[str, ColumnState]:
        return pandas_columns.column_states(_frame(source), schema.columns)

    def number_states(
        self, source: Source, schema: Schema, numbers: list[Key], spearman: bool
    ) -> PairStates:
        return pandas_pairs.number_states(_frame(source), schema, numbers, spearman)

    def table_states(
        self, source: Source, schema: Schema, pairs: list[Key], binnings: dict[str, Binning]
    ) -> PairStates:
        return pandas_pairs.table_states(_frame(source), schema, pairs, binnings)

    def side_state(self, source: Source, schema: Schema) -> SideState:
        return pandas_coverage.side_state(_frame(source), schema)

    def outside_state(
        self, source: Source, schema: Schema, bounds: dict[str, tuple[float, float]]
    ) -> OutsideState:
        return pandas_coverage.outside_state(_frame(source), schema, bounds)

    def copy_counts(
        self, real: Source, synthetic: Source, schema: Schema, holdout: Source | None
    ) -> CopyCounts:
        # Float-typed categories are labelled as the whole side labels them (each side its own).
        def state(source: Source) -> CopyState:
            frame = _frame(source)
            whole = whole_labels(pandas_coverage.side_state(frame, schema))
            return pandas_coverage.copy_state(frame, schema, whole)

        held = None if holdout is None else state(holdout)
        return copy_counts(state(real), state(synthetic), held)


__all__ = ["PandasEngine"]
