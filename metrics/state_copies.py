"""Mergeable state for exact copies (issue 16): a count per row hash, per side.

A row is its analysed columns' values as the privacy metric compares them
(:func:`metrics.near_hashes.same_on`): numbers and dates as floats, missing, unreadable and
infinite values all one missing value, ``-0.0`` equal to ``0.0``, no rounding (``0.1 + 0.2``
is not ``0.3``); categories by the label the encoding gives them. Each row gets a stable 128-bit
hash of those values (two 64-bit lanes, :mod:`engines.pandas_coverage`'s producer); a
partition's state is the count of rows per hash, and states merge by adding counts.

Today's metric confirms every hash match on the values; here two different rows would have
to share 128 bits (about ``n^2 / 2^129``: 1e-24 for a billion rows), so counts are exact in
practice but not by construction. What comes out (:func:`copy_counts`): the synthetic rows
equal to some real row, and the natural count: holdout rows equal to some real row, or,
without a holdout, real rows equal to another real row (leave-one-out), as
:func:`metrics.privacy_copies.count_copies` counts them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

KEYS = ["h1", "h2"]


@dataclass
class CopyState:
    """Rows per 128-bit row hash (a frame with uint64 ``h1``, ``h2`` and int64 ``n``)."""

    counts: pd.DataFrame

    @property
    def n_rows(self) -> int:
        """Rows the state holds."""
        return int(self.counts["n"].sum())

    def merge(self, other: CopyState) -> CopyState:
        """Both partitions' counts together; order does not matter."""
        both = pd.concat([self.counts, other.counts], ignore_index=True)
        return CopyState(both.groupby(KEYS, as_index=False, sort=False)["n"].sum())


def merge(states: list[CopyState]) -> CopyState:
    """All partitions of one side merged (at least one state)."""
    out = states[0]
    for state in states[1:]:
        out = out.merge(state)
    return out


@dataclass(frozen=True)
class CopyCounts:
    """Exact-copy counts, as :class:`metrics.privacy_copies.Copies` reports them.

    ``exact_copies`` of ``n_synthetic`` synthetic rows equal some real row; ``natural`` of
    ``n_baseline`` baseline rows (holdout rows against the real rows, or real rows against the
    other real rows) do so by nature.
    """

    exact_copies: int
    n_synthetic: int
    natural: int
    n_baseline: int
    baseline: str  # "holdout" or "leave-one-out"

    @property
    def exact_copy_rate(self) -> float:
        """Share of synthetic rows that are exact copies (NaN without synthetic rows)."""
        return self.exact_copies / self.n_synthetic if self.n_synthetic else float("nan")

    @property
    def natural_rate(self) -> float:
        """``holdout_copy_rate`` of today's privacy info (rows over ``max(n_baseline, 1)``)."""
        return self.natural / max(self.n_baseline, 1)


def _matched(query: CopyState, real: CopyState) -> int:
    hit = query.counts.merge(real.counts[KEYS], on=KEYS, how="inner")
    return int(hit["n"].sum())


def copy_counts(
    real: CopyState, synthetic: CopyState, holdout: CopyState | None = None
) -> CopyCounts:
    """Exact copies and their natural count from merged states (see the module docstring)."""
    exact = _matched(synthetic, real)
    if holdout is not None and holdout.n_rows > 0:
        return CopyCounts(exact, synthetic.n_rows, _matched(holdout, real), holdout.n_rows,
                          "holdout")  # fmt: skip
    repeated = int(real.counts.loc[real.counts["n"] >= 2, "n"].sum())
    return CopyCounts(exact, synthetic.n_rows, repeated, real.n_rows, "leave-one-out")


__all__ = ["KEYS", "CopyCounts", "CopyState", "copy_counts", "merge"]
