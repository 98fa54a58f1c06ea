"""The statistics behind column shapes: sdmetrics' KS and TV complements, computed fast.

``ks_statistic`` equals ``scipy.stats.ks_2samp``'s statistic to the last bit without evaluating
every point; ``tv_from_counts`` reproduces ``sdmetrics.single_column.TVComplement``. See
:mod:`metrics.marginal` for the metric built on them.
"""

from __future__ import annotations

import math
import sys

import numpy as np

MAX_DECIMALS = sys.float_info.dig - 1  # sdmetrics rounds to this many decimals before KS
TV_REGULARISATION = 1e-6  # sdmetrics' pseudo-count for categories the real data lacks
_EDGES = 2048  # evaluation edges per side and round in ks_statistic's bounding passes
_SCIPY_EXACT_N = 10_000  # ks_2samp's 'auto' mode snaps D to a multiple of 1/lcm up to this size


def sorted_values(values: np.ndarray) -> np.ndarray:
    """Non-missing values sorted and rounded as sdmetrics' KSComplement rounds them."""
    counted = _counted(values)
    if counted is not None:
        return counted
    out = np.sort(values)
    n_valid = len(out) - int(np.isnan(out).sum())  # NaN sorts last
    out = out[:n_valid]
    return np.round(out, MAX_DECIMALS, out=out)


def _counted(values: np.ndarray) -> np.ndarray | None:
    """``sorted_values`` of numbers with at most four decimals and a short range (ages, counts,
    prices, scores), by counting each number: linear time, where a sort of 1M values takes
    ~50 ms. None for other columns. A value counts as ``k / 10**d`` only when it is that very
    double, so the result equals the sort's (zeros come out as +0.0; equal for KS)."""
    if values.dtype != np.float64 or len(values) < 50_000:
        return None
    head = values[:1024]
    head = head[~np.isnan(head)]
    scales = (10.0**d for d in range(5))
    scale = next((s for s in scales if np.array_equal(np.rint(head * s) / s, head)), None)
    if scale is None:
        return None  # a continuous column, seen from its head
    lo, hi = np.fmin.reduce(values), np.fmax.reduce(values)  # NaN only when all are
    if np.isnan(lo):
        return values[:0].copy()
    exact = 2.0**52 / scale
    span = max(1 << 16, 10 * len(values))  # counting costs the span; beyond it a sort is cheaper
    if not (-exact < lo and hi < exact and (hi - lo) * scale <= span):
        return None
    valid = values[~np.isnan(values)]
    steps = np.rint(valid * scale)
    if not np.array_equal(steps / scale, valid):
        return None
    first = steps.min()
    counts = np.bincount((steps - first).astype(np.int64))
    seen = np.flatnonzero(counts)
    levels = np.round((first + seen) / scale, MAX_DECIMALS)
    return np.repeat(levels, counts[seen])


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(lo[i], hi[i])`` over i, vectorised."""
    lengths = np.maximum(hi - lo, 0)
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
    return np.arange(total, dtype=np.int64) + starts


def _diffs(rs: np.ndarray, ss: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``F_real(x) - F_synthetic(x)`` at ``points``, computed exactly as scipy does."""
    cr = np.searchsorted(rs, points, side="right")
    cs = np.searchsorted(ss, points, side="right")
    return cr / len(rs) - cs / len(ss)


def ks_statistic(rs: np.ndarray, ss: np.ndarray) -> float:
    """Two-sample KS statistic of two sorted samples, equal to ``scipy.stats.ks_2samp``'s.

    scipy evaluates ``F_real - F_synthetic`` at every one of the n + m points, two binary
    searches per point. Here it is evaluated at a few thousand quantile edges first; between
    two edges it can move only by the share of points in between, which bounds it, and only
    the intervals whose bound beats the best value found so far are looked into, with finer
    edges, until few points are left to evaluate one by one. The bounds use the same
    (monotone) float operations as the values, so the result is scipy's to the last bit.
    """
    nr, ns = len(rs), len(ss)
    if nr == 0 or ns == 0:
        return float("nan")
    if nr + ns <= 4 * _EDGES:
        d = _diffs(rs, ss, np.concatenate([rs, ss]))
        return as_scipy(max(np.clip(-d.min(), 0, 1), d.max()), nr, ns)
    if nr == ns and np.array_equal(rs, ss):
        return 0.0  # every interval would need a look; the answer is known
    take_r = np.linspace(0, nr - 1, _EDGES).astype(np.int64)
    take_s = np.linspace(0, ns - 1, _EDGES).astype(np.int64)
    edges = np.unique(np.concatenate([rs[take_r], ss[take_s]]))  # includes both extremes
    counts = _counts(rs, ss, edges)
    at_edges = counts[1] / nr - counts[3] / ns
    best_max, best_min = at_edges.max(), at_edges.min()
    # candidate[k]: the points strictly between edges k and k+1 may still hold the maximum.
    candidate = np.ones(len(edges), dtype=bool)
    candidate[-1] = False
    while True:
        r_left, r_right, s_left, s_right = counts
        lo, hi = np.arange(len(edges) - 1), np.arange(1, len(edges))
        upper = r_left[hi] / nr - s_right[lo] / ns
        lower = r_right[lo] / nr - s_left[hi] / ns
        candidate[:-1] &= (upper > best_max) | (lower < best_min)
        open_ = np.flatnonzero(candidate)
        inside_r = _ranges(r_right[open_], r_left[open_ + 1])
        inside_s = _ranges(s_right[open_], s_left[open_ + 1])
        left = len(inside_r) + len(inside_s)
        if left <= 4 * _EDGES:
            break
        # Finer edges inside the open intervals only.
        step = max(2, left // _EDGES)
        new = np.unique(np.concatenate([rs[inside_r[::step]], ss[inside_s[::step]]]))
        new_counts = _counts(rs, ss, new)
        at_new = new_counts[1] / nr - new_counts[3] / ns
        best_max, best_min = max(best_max, at_new.max()), min(best_min, at_new.min())
        owner = np.concatenate([np.arange(len(edges)), np.searchsorted(edges, new) - 1])
        order = np.argsort(np.concatenate([edges, new]), kind="stable")
        edges = np.concatenate([edges, new])[order]
        counts = np.concatenate([counts, new_counts], axis=1)[:, order]
        candidate = candidate[owner[order]]
        candidate[-1] = False
    if left:
        d = _diffs(rs, ss, np.concatenate([rs[inside_r], ss[inside_s]]))
        best_max, best_min = max(best_max, d.max()), min(best_min, d.min())
    return as_scipy(max(np.clip(-best_min, 0, 1), best_max), nr, ns)


def _counts(rs: np.ndarray, ss: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Points of each sample below / at or below each edge: rows r_left, r_right, s_left, s_right."""
    return np.stack(
        [
            np.searchsorted(rs, edges, side="left"),
            np.searchsorted(rs, edges, side="right"),
            np.searchsorted(ss, edges, side="left"),
            np.searchsorted(ss, edges, side="right"),
        ]
    )


def as_scipy(d: float, n1: int, n2: int) -> float:
    """D as ks_2samp returns it: on small samples its exact mode rounds D to k / lcm(n1, n2)."""
    if max(n1, n2) <= _SCIPY_EXACT_N:
        lcm = (n1 // math.gcd(n1, n2)) * n2
        d = int(np.round(d * lcm)) * 1.0 / lcm
    return float(d)


def ks_complement(real: np.ndarray, synthetic: np.ndarray) -> float:
    """``sdmetrics.single_column.KSComplement`` of two float arrays (NaN = missing).

    Returns NaN when a side has no values.
    """
    return 1.0 - ks_statistic(sorted_values(real), sorted_values(synthetic))


def category_counts(codes: np.ndarray, n_levels: int) -> np.ndarray:
    """Count of each category code (missing codes left out)."""
    return np.bincount(codes.astype(np.int64) + 1, minlength=n_levels + 1)[1:]


def tv_from_counts(real_counts: np.ndarray, synthetic_counts: np.ndarray) -> float:
    """``sdmetrics.single_column.TVComplement`` from aligned category counts.

    Raises ``ValueError`` when a side has no values, as sdmetrics does.
    """
    nr, ns = real_counts.sum(), synthetic_counts.sum()
    if nr == 0 or ns == 0:
        raise ValueError("TVComplement needs at least one non-missing value on each side")
    # sdmetrics adds 1e-6 to the real count of every category only the synthetic data has,
    # which also enlarges the real total.
    reg = np.where((real_counts == 0) & (synthetic_counts > 0), TV_REGULARISATION, 0.0)
    f_exp = (real_counts + reg) / (nr + reg.sum())
    f_obs = synthetic_counts / ns
    return float(np.clip(1.0 - 0.5 * np.abs(f_obs - f_exp).sum(), 0.0, 1.0))


def tv_complement(real_codes: np.ndarray, synthetic_codes: np.ndarray, n_levels: int) -> float:
    """``sdmetrics.single_column.TVComplement`` of two code arrays sharing ``n_levels`` levels.

    Raises ``ValueError`` when a side has no values.
    """
    return tv_from_counts(
        category_counts(real_codes, n_levels), category_counts(synthetic_codes, n_levels)
    )


def quantile_sorted(values: np.ndarray, q: float) -> float:
    """``np.quantile(values, q)`` (linear) of an already sorted array, in O(1)."""
    if len(values) == 0:
        return float("nan")
    pos = q * (len(values) - 1)
    lo = int(np.floor(pos))
    hi = min(lo + 1, len(values) - 1)
    return float(values[lo] + (values[hi] - values[lo]) * (pos - lo))
