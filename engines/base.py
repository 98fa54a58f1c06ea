"""The one interface every engine offers: mergeable states of a table, and a seeded sample.

An engine turns one side of the pair (a Parquet file, or a DataFrame for the pandas engine and
the tests) into the states of :mod:`metrics.state_columns`, :mod:`metrics.state_pairs`,
:mod:`metrics.state_coverage` and :mod:`metrics.state_copies`. How it gets there (one pass in
pandas, SQL in DuckDB, partitions merged on Spark) is its own business: the scores come from
the merged states and never know which engine produced them (``engines.assess``).

Sampled families (detection, utility, privacy distances, attacks, row flags, subgroups, rules)
run on a seeded sample that the engine draws: positions chosen by numpy from the row count and
the seed (:func:`sample_positions`), so every engine draws the same rows of the same file.
"""

from __future__ import annotations

from typing import Protocol, TypeAlias

import numpy as np
import pandas as pd

from metrics.schema import Schema
from metrics.state_columns import ColumnState
from metrics.state_copies import CopyCounts
from metrics.state_coverage import OutsideState, SideState
from metrics.state_pairs import Binning, PairStates

Key = tuple[str, str]
# A side of the pair as an engine reads it: a Parquet path, or a frame already in memory.
Source: TypeAlias = str | pd.DataFrame


def sample_positions(rows: int, n: int, seed: int, role: str) -> np.ndarray:
    """Sorted positions of a seeded sample of ``n`` of ``rows`` rows (all rows when ``n`` is
    not smaller). The role enters the seed, so real and synthetic samples are independent."""
    if n >= rows:
        return np.arange(rows, dtype=np.int64)
    salt = int.from_bytes(role.encode()[:8].ljust(8, b"\0"), "little")
    gen = np.random.default_rng([seed, salt])
    return np.sort(gen.choice(rows, size=n, replace=False)).astype(np.int64)


class Engine(Protocol):
    """What ``engines.assess`` asks of an engine (see the module docstring)."""

    name: str

    def rows(self, source: Source) -> int:
        """Rows in the side."""
        ...

    def columns(self, source: Source) -> list[str]:
        """Column names in file order."""
        ...

    def sample(self, source: Source, positions: np.ndarray) -> pd.DataFrame:
        """The rows at ``positions`` (sorted), in that order, typed as pandas reads the file."""
        ...

    def column_states(self, source: Source, schema: Schema) -> dict[str, ColumnState]:
        """Column-shape states of every analysed column."""
        ...

    def number_states(
        self, source: Source, schema: Schema, numbers: list[Key], spearman: bool
    ) -> PairStates:
        """First pair pass: ranges of number columns and co-moments (or rank counts)."""
        ...

    def table_states(
        self, source: Source, schema: Schema, pairs: list[Key], binnings: dict[str, Binning]
    ) -> PairStates:
        """Second pair pass: contingency counts of the other pairs, numbers cut by
        ``binnings``."""
        ...

    def side_state(self, source: Source, schema: Schema) -> SideState:
        """Missing, coverage and validity counts of one side."""
        ...

    def outside_state(
        self, source: Source, schema: Schema, bounds: dict[str, tuple[float, float]]
    ) -> OutsideState:
        """Synthetic values beyond each column's validity bounds."""
        ...

    def copy_counts(
        self, real: Source, synthetic: Source, schema: Schema, holdout: Source | None
    ) -> CopyCounts:
        """Exact copies of synthetic rows among the real rows, and their natural count."""
        ...


__all__ = ["Engine", "Key", "Source", "sample_positions"]
