"""Relations beyond linear (SynthLens mode): real-quantile bins and the shape of a relation.

Real-quantile bins
------------------
Contingency tables cut a number or a date into :data:`QUANTILE_BINS` bins at the real data's
deciles (equal edges merged, so a column that is 60% zeros gets one bin of zeros), applied to
both sides. Ten equal-width bins put almost every value of a skewed column (wages, areas,
amounts) in the first bin, where doubling a group's median moves nothing.

The shape of a relation
-----------------------
Correlations see straight lines and a contingency score over many cells dilutes a change in one
group, so each pair that holds a number is also compared by where each group of the other column
sits in the number's distribution. A group is a level of a category, a month of a date, or one
of the ten real-quantile bins of another number (at the real edges on both sides, so a group
holds the same values on both). Its position is the mean rank of its values, as a share in
[0, 1]: on the real side from the real quantile bins, on the synthetic side from bins at the
synthetic data's own quantiles holding the same shares as the real bins (:func:`aligned_edges`),
so a number whose values all moved (column shapes report that) keeps its groups' positions,
and only a change of the relation moves them.

``ShapeSimilarity = 1 - sqrt(sum_g w_g (u_syn(g) - u_real(g))^2)`` with ``w_g`` the real share
of group ``g``: 1 when every group sits where it sits in the real data; 0.55 when a group holding
a fifth of the rows moved from the 25th to the 75th percentile and the rest stayed. The
sum has a normal interval from each group's within-group rank variance (the gaps are
independent across groups), and its floor is the expected sum for an independent real sample
of the synthetic size (``w_g m`` rows in group ``g``), so ``floor = 1 - sqrt(E[sum])``. The
shape is **lost** when the score sits below its floor beyond its interval and by at least
:data:`MIN_SHAPE_GAP`. Deterministic, no draws.

The shape of a two-number pair is measured both ways (each number across the other's bins), and
the worse is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from metrics.encode import digitize
from metrics.pair_stats import level_map
from metrics.uncertainty import z_value

QUANTILE_BINS = 10
# Edges come from at most this many evenly spaced rows: deciles of 250,000 rows are within a
# few thousandths of a share of the whole column's, at a fifth of the cost on a million.
EDGE_ROWS = 250_000
MIN_SHAPE_GAP = 0.05  # a shape change smaller than this is real on large data, but too small
_MIN_SHARE, _MIN_ROWS = 0.01, 20  # groups smaller than both are merged (as collapse_rare does)


@lru_cache(maxsize=16)
def _z(confidence: float) -> float:
    return z_value(confidence)


def thin(values: np.ndarray, rows: int = EDGE_ROWS) -> np.ndarray:
    """Every k-th value, k chosen so at most ``rows`` remain (all of them on smaller data)."""
    return values[:: -(-len(values) // rows)] if len(values) > rows else values


def quantile_edges(real: np.ndarray, bins: int = QUANTILE_BINS) -> np.ndarray:
    """Interior edges of ``bins`` real-quantile bins, equal edges merged (empty when constant).

    A value ``v`` falls in bin ``#{edges <= v}``; an edge at the minimum would leave the first
    bin empty, so it is dropped. A value that several quantiles share (a spike: 60% zeros) gets
    a bin of its own, closed by an edge just above it.
    """
    real = thin(real)
    finite = real[np.isfinite(real)]
    if finite.size == 0:
        return np.empty(0)
    found = np.quantile(finite, np.arange(1, bins) / bins)
    values, counts = np.unique(found, return_counts=True)
    spikes = np.nextafter(values[counts > 1], np.inf)
    edges = np.unique(np.r_[values, spikes])
    return edges[(edges > finite.min()) & (edges <= finite.max())]


def quantile_codes(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Codes for joint tables: 1..len(edges)+1 for the bins, 0 for a missing value (uint8)."""
    codes = digitize(values, edges).view(np.uint8) + np.uint8(1)
    codes[np.isnan(values)] = 0
    return codes


def aligned_edges(synthetic: np.ndarray, real: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Edges at the synthetic data's own quantiles whose bins hold the real bins' shares.

    A run of equal synthetic values goes to the bin its middle rank falls in, so a synthetic
    column of many ties (counts, zeros) still fills its bins as the real one does.
    """
    real, synthetic = thin(real), thin(synthetic)
    real_f, syn_f = real[np.isfinite(real)], synthetic[np.isfinite(synthetic)]
    if len(edges) == 0 or syn_f.size == 0 or real_f.size == 0:
        return edges.copy()
    shares = np.array([np.count_nonzero(real_f < e) for e in edges]) / real_f.size
    values = np.quantile(syn_f, shares)
    out = np.empty(len(edges))
    for j, (share, v) in enumerate(zip(shares, values, strict=True)):
        below = np.count_nonzero(syn_f < v) / syn_f.size
        upto = np.count_nonzero(syn_f <= v) / syn_f.size
        out[j] = v if (below + upto) / 2 >= share else np.nextafter(v, np.inf)
    return out


@dataclass(frozen=True)
class Shape:
    """The shape comparison of one pair (see the module docstring).

    ``across`` is 0 when the table's rows are the groups (its columns the number's bins), 1 when
    its columns are; ``group`` is the row (or column) of the table whose move counts most.
    """

    score: float = np.nan
    low: float = np.nan
    high: float = np.nan
    floor: float = np.nan
    lost: bool = False
    across: int = 0
    group: int = -1

    @property
    def beyond(self) -> float:
        return self.floor - self.high if np.isfinite(self.floor) else np.nan


def _one_way(real: np.ndarray, aligned: np.ndarray, confidence: float, across: int) -> Shape:
    """Groups are the rows of the tables, the number's bins their columns (module docstring)."""
    n_all = real.sum()
    if n_all < 2 or real.shape[1] < 2:
        return Shape()
    least = max(_MIN_SHARE * n_all, _MIN_ROWS)
    groups = level_map(real.sum(axis=1), least)
    r, s = groups.T @ real, groups.T @ aligned
    n_g, m_g = r.sum(axis=1), s.sum(axis=1)
    keep = (n_g > 0) & (m_g > 0)
    if keep.sum() < 1:
        return Shape()
    r, s, n_g, m_g = r[keep], s[keep], n_g[keep], m_g[keep]
    share = real.sum(axis=0) / n_all  # bins' real shares (the aligned side holds the same)
    centre = np.cumsum(share) - share / 2
    w = n_g / n_g.sum()
    pr, ps = r / n_g[:, None], s / m_g[:, None]
    u_r, u_s = pr @ centre, ps @ centre
    v_r = np.maximum(pr @ centre**2 - u_r**2, 0.0)
    v_s = np.maximum(ps @ centre**2 - u_s**2, 0.0)
    gap = u_s - u_r
    var = v_r / n_g + v_s / m_g
    stat = float(w @ gap**2)
    m = float(m_g.sum())
    expected = float(w @ (v_r * (1 / n_g + 1 / np.maximum(w * m, 1.0))))
    sd = float(np.sqrt(w**2 @ (2 * var**2 + 4 * gap**2 * var)))
    half = _z(confidence) * sd
    score = 1 - np.sqrt(stat)
    low, high = 1 - np.sqrt(stat + half), 1 - np.sqrt(max(stat - half, 0.0))
    floor = 1 - np.sqrt(expected)
    lost = bool(floor - high > 0 and floor - score >= MIN_SHAPE_GAP)
    # The group whose move counts most, as a row of the caller's table.
    rows_of = np.flatnonzero(keep)
    worst = int(rows_of[int(np.argmax(w * gap**2))])
    member = np.flatnonzero(groups[:, worst])
    group = int(member[np.argmax(real.sum(axis=1)[member])])
    return Shape(float(score), float(low), float(high), float(floor), lost, across, group)


def shape_of(
    real: np.ndarray, aligned: np.ndarray, confidence: float, other: np.ndarray | None = None
) -> Shape:
    """The shape comparison of a pair's tables.

    ``real`` is the real table, groups in rows and the number's bins (without its missing
    values) in columns; ``aligned`` the synthetic table with the groups at the real edges and
    the number's bins aligned. For two numbers, ``other`` is the synthetic table with the rows'
    number aligned instead: the comparison is made both ways and the worse one kept.
    """
    one = _one_way(real, aligned, confidence, 0)
    if other is None:
        return one
    other_way = _one_way(real.T, other.T, confidence, 1)
    if not np.isfinite(one.score):
        return other_way
    if not np.isfinite(other_way.score):
        return one
    return max(one, other_way, key=lambda s: (s.lost, s.beyond))
