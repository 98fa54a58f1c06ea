"""Mergeable states for ``pair_trends`` (issue 16): correlations and contingency tables.

A producer (``engines.pandas_pairs``, ``engines.duckdb_pairs``) turns one partition of one side
into a :class:`PairStates`; states of the same side merge (:func:`merge`) in any order, and the
pair scores come from the merged real and synthetic states, whatever engine made them.

What a side's state holds:

- ``ranges``: per numerical/datetime column, rows with a value and its minimum and maximum
  (sdmetrics refuses a column constant over the whole side, and bin edges start from them);
- ``moments``: per pair of numbers, Pearson's sufficient statistics over the rows where both
  are present: n, both means and the centred co-moments ``sum (x - mx)(y - my)``. Partitions
  merge with Chan et al.'s parallel update, which keeps the two-pass result's digits; raw sums
  of cross-products cancel catastrophically on columns far from 0 (dates in nanoseconds).
  Also the minimum and maximum of x and y on those rows: "constant on shared rows" must be
  exact, and a co-moment of equal values need not be exactly 0 after rounding;
- ``ranks`` (Spearman only): counts per distinct ``(x, y)`` value pair over complete rows.
  Spearman ranks are global, so no fixed-size state merges them; counts per distinct pair do,
  exactly, while there are at most :data:`MAX_RANK_PAIRS` of them. Past that the state is
  marked ``overflow`` and :func:`correlation_similarity_from` returns an error for the pair
  instead of an approximation (nothing is faked);
- ``tables``: per pair holding a category, counts keyed by label pairs (missing is ``None``).
  Categories are kept as the *raw* values the reader gave until scoring: the encoding writes
  ``1.0`` as ``"1"`` only when every value of the side is whole, which one partition cannot
  know; :func:`contingency_similarity_from` normalises after the merge. Numbers and dates in
  those pairs enter as bin codes from a :class:`Binning` that the caller computes first (from
  the merged ``ranges``: :func:`sdmetrics_binning`, or from real quantiles:
  :func:`quantile_binning`), so the edges are an input of the second pass.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metrics.encode import NUM_BINS, histogram_edges, normalise_labels
from metrics.pair_stats import contingency_similarity, cramers_v, table_chi2
from metrics.schema import Kind

Key = tuple[str, str]
MAX_RANK_PAIRS = 2_000_000  # distinct (x, y) pairs a Spearman state may hold (~100 MB merged)
FEWER_THAN_TWO = "fewer than two rows have both values"


@dataclass
class Range:
    """Rows with a value, and the smallest and largest value, of one number column."""

    n: int = 0
    lo: float = math.inf
    hi: float = -math.inf

    def merge(self, other: Range) -> Range:
        return Range(self.n + other.n, min(self.lo, other.lo), max(self.hi, other.hi))


@dataclass
class Moments:
    """Pearson's sufficient statistics of one pair over its complete rows (module docstring).

    Means are kept relative to a pivot (a value of the column): a partition's mean of values
    near 1e9 is only good to 1e-7, which the merge's ``n_a n_b / n`` weight would blow up;
    ``pivot_b - pivot_a`` of nearby values is exact, and the offsets keep their digits.
    """

    n: int = 0
    mean_x: float = 0.0  # relative to pivot_x
    mean_y: float = 0.0
    m2x: float = 0.0
    m2y: float = 0.0
    cxy: float = 0.0
    x: Range = field(default_factory=Range)
    y: Range = field(default_factory=Range)
    pivot_x: float = 0.0
    pivot_y: float = 0.0

    def merge(self, other: Moments) -> Moments:
        """Chan, Golub and LeVeque's pairwise update (exact in exact arithmetic)."""
        if other.n == 0 or self.n == 0:
            return other if self.n == 0 else self
        n = self.n + other.n
        ox = (other.pivot_x - self.pivot_x) + other.mean_x  # other's mean on self's pivot
        oy = (other.pivot_y - self.pivot_y) + other.mean_y
        dx, dy = ox - self.mean_x, oy - self.mean_y
        w = self.n * other.n / n
        return Moments(
            n=n,
            mean_x=self.mean_x + dx * other.n / n,
            mean_y=self.mean_y + dy * other.n / n,
            m2x=self.m2x + other.m2x + dx * dx * w,
            m2y=self.m2y + other.m2y + dy * dy * w,
            cxy=self.cxy + other.cxy + dx * dy * w,
            x=self.x.merge(other.x),
            y=self.y.merge(other.y),
            pivot_x=self.pivot_x,
            pivot_y=self.pivot_y,
        )


def moments_of(x: np.ndarray, y: np.ndarray) -> Moments:
    """The :class:`Moments` of two aligned float arrays (NaN = missing), two-pass."""
    both = ~(np.isnan(x) | np.isnan(y))
    x, y = x[both], y[both]
    if len(x) == 0:
        return Moments()
    rx = Range(len(x), float(x.min()), float(x.max()))
    ry = Range(len(y), float(y.min()), float(y.max()))
    px, py = float(x[0]), float(y[0])
    x, y = x - px, y - py
    mx, my = float(x.mean()), float(y.mean())
    dx, dy = x - mx, y - my
    return Moments(
        len(x), mx, my, float(dx @ dx), float(dy @ dy), float(dx @ dy),
        rx, ry, px, py,
    )  # fmt: skip


@dataclass
class RankCounts:
    """Counts per distinct ``(x, y)`` over complete rows (Spearman); ``overflow`` past the cap."""

    counts: Counter = field(default_factory=Counter)
    overflow: bool = False

    def merge(self, other: RankCounts) -> RankCounts:
        counts = self.counts + other.counts
        over = self.overflow or other.overflow or len(counts) > MAX_RANK_PAIRS
        return RankCounts(Counter() if over else counts, over)


@dataclass(frozen=True)
class Binning:
    """How a number becomes a bin code in a contingency table: ``#{edges <= v} + shift``
    (``np.digitize``), ``missing`` for a missing value, ``top_code`` for a value equal to
    ``top``; ``error`` when the bins cannot be made (the pair then reports it)."""

    edges: tuple[float, ...]
    shift: int = 0
    missing: int = NUM_BINS + 1
    top: float | None = None
    top_code: int = NUM_BINS + 1
    error: str | None = None


def sdmetrics_binning(side_range: Range, real: bool) -> Binning:
    """sdmetrics' own-range bins of one side (``Options.sdmetrics_compatible``), as
    :func:`metrics.pairs_measure._side_codes` makes them from the merged ``ranges``.

    The real side follows today's shortcut (the encoding's bins with the maximum moved to code
    11, never an error); the synthetic side :func:`metrics.pair_stats.sdmetrics_bins`.
    """
    lo, hi = side_range.lo, side_range.hi
    if real:
        found = side_range.n > 0
        edges = histogram_edges(lo if found else 0.0, hi if found else 0.0, strict=False)
        return Binning(tuple(edges), top=hi if found else None)
    if side_range.n == 0:
        lo, hi = 0.0, 1.0  # numpy's range for an empty array
    try:
        return Binning(tuple(histogram_edges(lo, hi)))
    except ValueError as exc:
        return Binning((), error=f"ValueError: {exc}")


def encoded_binning(real_range: Range) -> Binning:
    """``Encoded.bins`` (ten equal-width bins of the real range, open ends), both sides."""
    found = real_range.n > 0
    edges = histogram_edges(real_range.lo if found else 0.0, real_range.hi if found else 0.0,
                            strict=False)  # fmt: skip
    edges[0], edges[-1] = -np.inf, np.inf
    return Binning(tuple(edges))


def quantile_binning(edges: np.ndarray) -> Binning:
    """SynthLens mode's real-quantile bins (:func:`metrics.pair_shapes.quantile_codes`):
    1..len(edges)+1, 0 for missing. The interior edges come from the real data's quantiles."""
    return Binning(tuple(float(e) for e in edges), shift=1, missing=0)


def bin_codes(values: np.ndarray, binning: Binning) -> np.ndarray:
    """Bin codes (int64) of a float array (NaN = missing) under ``binning``."""
    codes = np.zeros(len(values), dtype=np.int64)
    for edge in binning.edges:
        codes += values >= edge
    codes += binning.shift
    if binning.top is not None:
        codes[values == binning.top] = binning.top_code
    codes[np.isnan(values)] = binning.missing
    return codes


@dataclass
class PairStates:
    """One side's mergeable pair state (see the module docstring)."""

    ranges: dict[str, Range] = field(default_factory=dict)
    moments: dict[Key, Moments] = field(default_factory=dict)
    ranks: dict[Key, RankCounts] = field(default_factory=dict)
    tables: dict[Key, Counter] = field(default_factory=dict)


def _merge_dicts(a: dict, b: dict, add) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = add(out[k], v) if k in out else v
    return out


def merge(a: PairStates, b: PairStates) -> PairStates:
    """Two partitions' states of the same side as one (order does not matter)."""
    return PairStates(
        ranges=_merge_dicts(a.ranges, b.ranges, Range.merge),
        moments=_merge_dicts(a.moments, b.moments, Moments.merge),
        ranks=_merge_dicts(a.ranks, b.ranks, RankCounts.merge),
        tables=_merge_dicts(a.tables, b.tables, lambda x, y: x + y),
    )


@dataclass(frozen=True)
class CorrelationScore:
    """CorrelationSimilarity of one pair and what ``pairs_measure.correlations`` keeps."""

    score: float = np.nan
    real: float = np.nan
    synthetic: float = np.nan
    n_real: int = 0
    n_synthetic: int = 0
    error: str | None = None


def _pearson(m: Moments) -> float:
    """Pearson's r as :func:`metrics.pair_stats.pearson_matrix` gives it (NaN if constant)."""
    if m.n < 2:
        raise ValueError(FEWER_THAN_TWO)
    if m.x.lo == m.x.hi or m.y.lo == m.y.hi:
        return float("nan")
    r = float(np.clip(m.cxy / math.sqrt(m.m2x * m.m2y), -1.0, 1.0))
    return float(np.round(r)) if m.n == 2 else r


def _avg_ranks(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of a weighted column and their average (tied) ranks, 1-based."""
    distinct, inverse = np.unique(values, return_inverse=True)
    per = np.bincount(inverse, weights=weights)
    below = np.cumsum(per) - per
    return below + (per + 1) / 2, inverse


def _spearman(rc: RankCounts) -> tuple[float, int]:
    """Spearman's rho (Pearson on average ranks) from counts per distinct (x, y) pair."""
    if rc.overflow:
        raise ValueError(
            f"Spearman needs global ranks: more than {MAX_RANK_PAIRS:,} distinct value pairs, "
            "so no exact mergeable state; not computed"
        )
    if not rc.counts:
        raise ValueError(FEWER_THAN_TWO)
    xy = np.array(list(rc.counts.keys()), dtype=float)
    w = np.array(list(rc.counts.values()), dtype=float)
    n = int(w.sum())
    rx, ix = _avg_ranks(xy[:, 0], w)
    ry, iy = _avg_ranks(xy[:, 1], w)
    m = Moments(n=n)
    m.x, m.y = Range(n, xy[:, 0].min(), xy[:, 0].max()), Range(n, xy[:, 1].min(), xy[:, 1].max())
    x, y = rx[ix], ry[iy]
    m.mean_x, m.mean_y = float(w @ x / n), float(w @ y / n)
    dx, dy = x - m.mean_x, y - m.mean_y
    m.m2x, m.m2y, m.cxy = float(w @ (dx * dx)), float(w @ (dy * dy)), float(w @ (dx * dy))
    return _pearson(m), n


def correlation_similarity_from(
    real: PairStates, synthetic: PairStates, key: Key, spearman: bool = False
) -> CorrelationScore:
    """``1 - |r_real - r_synthetic| / 2`` of a pair of numbers from merged states, with the
    errors :func:`metrics.pairs_measure.correlations` reports (constant column first)."""
    a, b = key
    flat = [
        f"{c} is constant in the {name} data"
        for name, side in (("real", real), ("synthetic", synthetic))
        for c in (a, b)
        if side.ranges[c].n > 0 and side.ranges[c].lo == side.ranges[c].hi
    ]
    n_real, n_syn = real.moments[key].n, synthetic.moments[key].n
    if flat:
        return CorrelationScore(n_real=n_real, n_synthetic=n_syn,
                                error="; ".join(flat) + ": correlation is undefined")  # fmt: skip
    try:
        if spearman:
            r_real, r_syn = _spearman(real.ranks[key])[0], _spearman(synthetic.ranks[key])[0]
        else:
            r_real, r_syn = _pearson(real.moments[key]), _pearson(synthetic.moments[key])
    except ValueError as exc:
        return CorrelationScore(n_real=n_real, n_synthetic=n_syn, error=str(exc))
    out = CorrelationScore(np.nan, r_real, r_syn, n_real, n_syn)
    if not np.isfinite(r_real):
        err = "correlation is undefined in the real data (constant on shared rows)"
    elif not np.isfinite(r_syn):
        err = "correlation is undefined in the synthetic data (constant on shared rows)"
    else:
        return CorrelationScore(1.0 - abs(r_real - r_syn) / 2, r_real, r_syn, n_real, n_syn)
    return CorrelationScore(out.score, r_real, r_syn, n_real, n_syn, err)


@dataclass(frozen=True)
class ContingencyScore:
    """ContingencySimilarity of one pair, sdmetrics' association (uncorrected Cramer's V of
    the real table) and both aligned tables (for the associations and bounds of today)."""

    score: float
    sdmetrics_association: float
    real_table: np.ndarray
    synthetic_table: np.ndarray
    n_real: int
    n_synthetic: int
    error: str | None = None


def _labels(table: Counter, axis: int, kind: Kind | None) -> dict[Hashable, str | None]:
    """Raw value -> the encoding's label for one axis of a side's table (bins stay codes)."""
    raw = list(dict.fromkeys(k[axis] for k in table))
    if kind is None:
        return {v: v for v in raw}
    present = [v for v in raw if not _missing(v)]
    labels = normalise_labels(pd.Series(present), kind) if present else pd.Series([], dtype=str)
    out: dict[Hashable, str | None] = {v: None for v in raw if _missing(v)}
    out.update({v: None if pd.isna(s) else str(s) for v, s in zip(present, labels, strict=True)})
    return out


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _relabel(table: Counter, kinds: tuple[Kind | None, Kind | None]) -> Counter:
    maps = [_labels(table, axis, kinds[axis]) for axis in (0, 1)]
    out: Counter = Counter()
    for (x, y), count in table.items():
        out[(maps[0][x], maps[1][y])] += count
    return out


def contingency_similarity_from(
    real: PairStates, synthetic: PairStates, key: Key,
    kinds: tuple[Kind | None, Kind | None], errors: tuple[str | None, ...] = (),
) -> ContingencyScore:  # fmt: skip
    """``1 - TV`` of a pair's joint frequencies from merged states.

    ``kinds`` gives each column's kind (categorical or boolean: raw values are normalised as
    the encoding does; ``None``: a number's bin codes). ``errors`` are the binning errors of
    the pair's columns (:attr:`Binning.error`); the first one is the pair's error.
    """
    t_real, t_syn = (_relabel(s.tables[key], kinds) for s in (real, synthetic))
    bad = [e for e in errors if e]
    rows = sorted({k[0] for k in t_real} | {k[0] for k in t_syn}, key=_order)
    cols = sorted({k[1] for k in t_real} | {k[1] for k in t_syn}, key=_order)
    at = ({v: i for i, v in enumerate(rows)}, {v: i for i, v in enumerate(cols)})
    dense = []
    for t in (t_real, t_syn):
        arr = np.zeros((len(rows), len(cols)), dtype=np.int64)
        for (x, y), count in t.items():
            arr[at[0][x], at[1][y]] = count
        dense.append(arr)
    n_real, n_syn = int(dense[0].sum()), int(dense[1].sum())
    if bad:
        return ContingencyScore(np.nan, np.nan, dense[0], dense[1], n_real, n_syn, bad[0])
    score = contingency_similarity(dense[0], dense[1]) if n_real else float("nan")
    err = None if np.isfinite(score) else "no rows in the real data"
    assoc = cramers_v(table_chi2(dense[0])) if n_real else float("nan")
    return ContingencyScore(score, assoc, dense[0], dense[1], n_real, n_syn, err)


def _order(v: object) -> tuple[int, str]:
    """Missing first, then labels (or bin codes) in a stable order."""
    return (0, "") if v is None else (1, f"{v:020d}" if isinstance(v, int | np.integer) else str(v))
