"""Intervals and noise floors of the coverage family's column scores, from counts and extremes.

Every column score of ``missing_values``, ``coverage`` and ``validity`` gets a 95% interval
(``Options.confidence``) and a noise floor: what an independent real sample of the synthetic
size scores against the real data. Randomness is seeded per metric and column
(:func:`metrics.uncertainty.rng`).

missing values
    Interval: Newcombe's interval for a difference of two shares, built from the Wilson
    intervals of each side's missing share (no resampling), turned into an interval of
    ``1 - |difference|``. Floor: the mean score of a bootstrap of the real missing count
    against an independent draw of the synthetic size from the real missing share.
coverage (categories and ranges)
    A perfect generator's coverage depends on how rare the real categories and extremes are
    and on both sizes, so the reference is what random splits of the pooled rows into the
    two sizes score (a permutation test's null: what an independent real sample of the
    synthetic size scores against the real data when the synthetic data is one). A
    category's pooled rows split binomially (categories with the same pooled count drawn
    together, so a million levels cost no more than their distinct counts); a range needs
    only the pooled extremes (the first real and the first synthetic value of a split sit a
    geometric number of ranks into the pooled sorted values, found by one pass over each
    column, :func:`extremes`). Floor: the splits' mean score. Interval: the observed score
    moved by the splits' spread either side of their mean (:func:`null_interval`), so the
    whole interval is below the floor exactly when fewer than 2.5% of the splits score as
    low. A real category that the real data shows once, missing from 5,000 synthetic rows
    beside 300 real ones, is then forgiven: a split leaves such a category on the real side
    alone 5.7% of the time. One that holds a fifth of the real rows is not. The pool holds
    the synthetic rows too, so a synthetic side that invents many categories or values far
    out lowers this floor; ``validity`` reports those.
validity
    Interval: Wilson's interval of the share of valid values. Floor: one minus the share of
    a new real sample that would fall outside what this real sample shows: beyond its
    extremes (``1 / (n + 1)`` for each extreme held by a single value, none when the extreme
    repeats, as a clipped or bounded column's does), in a category it never shows
    (Good-Turing), or unreadable (the real data's own unreadable share).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from metrics.coverage_edges import edge_tolerance
from metrics.marginal_noise import unseen
from metrics.uncertainty import (
    beyond_floor,
    mean_bounds,
    mean_floor,
    null_counts,
    percentile_interval,
    resampled_counts,
    wilson,
)

Interval = tuple[float, float]
NOISE_COLUMNS = ["low", "high", "floor", "beyond"]
EXTREME_KEEP = 64  # pooled ranks kept at each end of a column, beyond what the split needs
_SAMPLE = 4096  # values of a strided sample that locate the extremes of a long column
_SLACK = 1e-12  # a score on the null's quantile is not below it (rounding aside)


def noise_row(interval: Interval | None, floor: float | None) -> dict[str, float]:
    """The details columns ``low``, ``high``, ``floor`` and ``beyond`` (NaN where unknown)."""
    nan = float("nan")
    beyond = beyond_floor(interval, floor)
    return {
        "low": interval[0] if interval else nan,
        "high": interval[1] if interval else nan,
        "floor": nan if floor is None else float(floor),
        "beyond": nan if beyond is None else beyond,
    }


def table_bounds(table: pd.DataFrame) -> tuple[Interval | None, float | None]:
    """Interval and floor of a metric's score (the mean of its column scores): the mean of
    the scored columns' bounds and of their floors (:func:`metrics.uncertainty.mean_bounds`),
    never narrower than its parts, since one row ties the columns together."""
    if table.empty:
        return None, None
    scored = table[np.isfinite(table["score"].to_numpy(dtype=float))]
    if scored.empty:
        return None, None
    lows, highs = scored["low"].to_numpy(dtype=float), scored["high"].to_numpy(dtype=float)
    parts = [
        (float(lo), float(hi)) if np.isfinite(lo) and np.isfinite(hi) else None
        for lo, hi in zip(lows, highs, strict=True)
    ]
    return mean_bounds(parts), mean_floor(scored["floor"].astype(float).tolist())


# --- missing values ------------------------------------------------------------------------


def missing_noise(
    generator: np.random.Generator,
    real: tuple[int, int],
    synthetic: tuple[int, int],
    n_boot: int,
    confidence: float,
) -> tuple[Interval | None, float | None]:
    """Interval and floor of ``1 - |real share - synthetic share|`` of missing values.

    ``real`` and ``synthetic`` are (missing, rows) of each side.
    """
    (kr, nr), (ks, ns) = real, synthetic
    wr, ws = wilson(kr, nr, confidence), wilson(ks, ns, confidence)
    if wr is None or ws is None:
        return None, None
    pr, ps = kr / nr, ks / ns
    diff = pr - ps
    # Newcombe (1998), method 10: the difference's bounds from each share's Wilson bounds.
    d_low = diff - math.hypot(pr - wr[0], ws[1] - ps)
    d_high = diff + math.hypot(wr[1] - pr, ps - ws[0])
    far = max(abs(d_low), abs(d_high))
    near = 0.0 if d_low <= 0 <= d_high else min(abs(d_low), abs(d_high))
    interval = (max(0.0, 1.0 - far), 1.0 - near)
    present = np.array([kr, nr - kr])
    real_boot = resampled_counts(generator, present, n_boot)[:, 0] / nr
    fresh = null_counts(generator, present, ns, n_boot)[:, 0] / ns
    return interval, float(1.0 - np.abs(real_boot - fresh).mean())


# --- splits of the pooled data (coverage) ----------------------------------------------


def null_interval(
    draws: np.ndarray, score: float, confidence: float
) -> tuple[Interval | None, float | None]:
    """Floor and interval of a score from its draws under random splits of the pooled data.

    The floor is the draws' mean. The interval is the observed score moved by the draws'
    spread either side of their mean: ``(score - (q_high - floor), score + (floor - q_low))``
    with ``q_low``, ``q_high`` the draws' central ``confidence`` quantiles. So the whole
    interval sits below the floor exactly when the score is below ``q_low``, lower than
    97.5% of the splits score: a one-sided permutation test at 2.5%. A score equal to
    ``q_low`` is not below it (a hair of slack absorbs rounding).
    """
    quantiles = percentile_interval(draws, confidence)
    if quantiles is None or not math.isfinite(score):
        return None, None
    floor = float(np.mean(draws[np.isfinite(draws)]))
    low = min(max(score - (quantiles[1] - floor), 0.0), score)
    high = max(min(score + (floor - quantiles[0]) + _SLACK, 1.0), score)
    return (low, high), floor


def _coverage_draws(
    generator: np.random.Generator,
    groups: np.ndarray,
    in_real: np.ndarray,
    in_synthetic: np.ndarray,
    n_boot: int,
) -> np.ndarray:
    """Draws of (categories on both sides) / (categories on the real side): group ``g`` holds
    ``groups[g]`` categories, each on the real side with probability ``in_real[g]`` and, when
    there, on the synthetic side too with probability ``in_synthetic[g]``."""
    shape = (n_boot, len(groups))
    real = generator.binomial(np.broadcast_to(groups, shape), np.broadcast_to(in_real, shape))
    both = generator.binomial(real, np.broadcast_to(in_synthetic, shape))
    total = real.sum(axis=1)
    return np.where(total > 0, both.sum(axis=1) / np.maximum(total, 1), np.nan)


def category_noise(
    generator: np.random.Generator,
    real_counts: np.ndarray,
    synthetic_counts: np.ndarray,
    score: float,
    n_boot: int,
    confidence: float,
) -> tuple[Interval | None, float | None]:
    """Interval and floor of the share of real categories the synthetic data produces.

    ``real_counts`` and ``synthetic_counts``: each side's count of every category, those only
    the synthetic data has included (under the null they are rare categories that happened
    to fall on the synthetic side). A split sends each of a category's ``t`` pooled rows to
    the real side with probability ``pi = n_real / (n_real + n_synthetic)``: the category is
    on the real side unless all go to the synthetic one (``(1 - pi)^t``) and, when it is, on
    both unless all went to the real one (``pi^t``). Categories with the same pooled count
    are drawn together, so the cost follows the distinct counts, not the levels.
    """
    nr, ns = int(real_counts.sum()), int(synthetic_counts.sum())
    if nr == 0 or ns == 0 or not math.isfinite(score):
        return None, None
    pi = nr / (nr + ns)
    pooled = real_counts + synthetic_counts
    totals, groups = np.unique(pooled[pooled > 0], return_counts=True)
    only_synthetic = np.exp(totals * math.log1p(-pi))
    only_real = np.exp(totals * math.log(pi))
    in_real = 1.0 - only_synthetic
    both = np.clip(1.0 - only_real / np.maximum(in_real, 1e-300), 0.0, 1.0)
    draws = _coverage_draws(generator, groups, in_real, both, n_boot)
    return null_interval(draws, score, confidence)


def extremes(values: np.ndarray, k: int, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` smallest non-missing values (ascending) and the ``k`` largest (descending);
    ``n`` is how many values are not missing, when the caller knows it.

    A long column is not sorted: a strided sample gives thresholds that hold a little more
    than ``k`` values at each end, and one comparison per end picks them out (partitioning
    the whole column is the fallback when an unlucky sample defeats the thresholds).
    """
    if n is None:
        n = len(values) - int(np.count_nonzero(np.isnan(values)))
    k = min(k, n)
    if k == 0:
        return np.empty(0), np.empty(0)
    if len(values) > 4 * _SAMPLE:
        stride = len(values) // _SAMPLE
        sample = np.sort(values[::stride])  # NaN sorts last
        sample = sample[: len(sample) - int(np.count_nonzero(np.isnan(sample)))]
        j = min(len(sample) // 2, math.ceil(2 * k / stride) + 2)
        if 0 < j < len(sample) - j:
            low, high = _end(values, sample[j], k, 1.0), _end(values, sample[-1 - j], k, -1.0)
            if low is not None and high is not None:
                return low, high
    finite = values[~np.isnan(values)]
    return _smallest(finite, k), -_smallest(-finite, k)


def _end(values: np.ndarray, threshold: float, k: int, sign: float) -> np.ndarray | None:
    """The ``k`` values nearest the low end (``sign`` 1, ascending) or the high end (-1,
    descending) when at least ``k`` lie at or beyond ``threshold``, else None. A threshold on
    a repeated value (a column clipped at 0) holds many copies of it: they are counted, not
    copied out."""
    at = values <= threshold if sign > 0 else values >= threshold
    count = int(np.count_nonzero(at))
    if count < k:
        return None
    if count <= 8 * k:
        return sign * _smallest(sign * values[at], k)
    beyond = values[values < threshold if sign > 0 else values > threshold]
    if len(beyond) >= k:
        return sign * _smallest(sign * beyond, k)
    ends = np.sort(sign * beyond)
    return sign * np.concatenate([ends, np.full(k - len(ends), sign * threshold)])


def _smallest(values: np.ndarray, k: int) -> np.ndarray:
    if len(values) > k:
        values = np.partition(values, k - 1)[:k]
    return np.sort(values)


def range_scores(
    lo_r: np.ndarray | float,
    hi_r: np.ndarray | float,
    lo_s: np.ndarray | float,
    hi_s: np.ndarray | float,
    tol: float,
) -> np.ndarray:
    """Range coverage ``1 - (gap below + gap above) / real range``, clipped at 0; gaps within
    the edge tolerance count as none; NaN where the real range is empty."""
    lo_r, hi_r, lo_s, hi_s = map(np.asarray, (lo_r, hi_r, lo_s, hi_s))
    below, above = lo_s - lo_r, hi_r - hi_s
    gaps = np.where(below > tol, below, 0.0) + np.where(above > tol, above, 0.0)
    span = hi_r - lo_r
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.clip(1.0 - gaps / np.where(span > 0, span, 1.0), 0.0, 1.0)
    return np.where(span > 0, score, np.nan)


def _first_ranks(
    generator: np.random.Generator, pi: float, n_boot: int, kept: int
) -> tuple[np.ndarray, np.ndarray]:
    """0-based ranks, in the pooled sorted values, of the first value a split sends to the
    real side and of the first it sends to the synthetic side (each value goes to the real
    side with probability ``pi``): one of them is rank 0, the other a geometric number of
    ranks further."""
    real_first = generator.random(n_boot) < pi
    to_synthetic = generator.geometric(1.0 - pi, n_boot)  # ranks until a synthetic value
    to_real = generator.geometric(pi, n_boot)
    j_real = np.where(real_first, 0, np.minimum(to_real, kept - 1))
    j_syn = np.where(real_first, np.minimum(to_synthetic, kept - 1), 0)
    return j_real, j_syn


def range_noise(
    generator: np.random.Generator,
    real: np.ndarray,
    synthetic: np.ndarray,
    score: float,
    n_boot: int,
    confidence: float,
) -> tuple[Interval | None, float | None]:
    """Interval and floor of a numerical or date column's range coverage: splits of the
    pooled values, which need only the few smallest and largest of each side."""
    n_real = len(real) - int(np.count_nonzero(np.isnan(real)))
    n_syn = len(synthetic) - int(np.count_nonzero(np.isnan(synthetic)))
    if n_real == 0 or n_syn == 0 or not math.isfinite(score):
        return None, None
    pi = n_real / (n_real + n_syn)
    # A side's first value comes a geometric number of pooled ranks in, 1 / pi on average:
    # keep enough ranks that the draws almost never run past them (e^-40 left over).
    k = EXTREME_KEEP + math.ceil(40 / min(pi, 1.0 - pi))
    r_low, r_high = extremes(real, k, n_real)
    s_low, s_high = extremes(synthetic, k, n_syn)
    tol = edge_tolerance(float(r_low[0]), float(r_high[0]))
    low = np.sort(np.concatenate([r_low, s_low]))
    high = np.sort(np.concatenate([r_high, s_high]))[::-1]
    jr_low, js_low = _first_ranks(generator, pi, n_boot, len(low))
    jr_high, js_high = _first_ranks(generator, pi, n_boot, len(high))
    draws = range_scores(low[jr_low], high[jr_high], low[js_low], high[js_high], tol)
    return null_interval(draws, score, confidence)


# --- validity ----------------------------------------------------------------------------


def validity_noise(
    valid: int, checked: int, chance: float, confidence: float
) -> tuple[Interval | None, float | None]:
    """Wilson interval of the valid share, and the floor ``1 - chance`` (``chance``: the share
    of a new real sample that would be invalid against this one; :func:`range_chance`,
    :func:`category_chance`)."""
    interval = wilson(valid, checked, confidence)
    if interval is None:
        return None, None
    # With every value valid the favourable end is 1 itself, not 1 less a rounding error.
    return (interval[0], 1.0 if valid == checked else interval[1]), max(0.0, 1.0 - chance)


def range_chance(real: np.ndarray, lo: float, hi: float) -> float:
    """Share of new real values expected beyond this sample's extremes: ``1 / (n + 1)`` for
    each extreme that a single value holds (leave-one-out), none for a repeated extreme."""
    n = len(real) - int(np.count_nonzero(np.isnan(real)))
    if n == 0:
        return 0.0
    tol = edge_tolerance(lo, hi)
    with np.errstate(invalid="ignore"):
        single = int(np.count_nonzero(real <= lo + tol) == 1)
        single += int(np.count_nonzero(real >= hi - tol) == 1) if hi > lo else 0
    return single / (n + 1)


def category_chance(real_counts: np.ndarray) -> float:
    """Share of new real values expected in categories this sample never shows (Good-Turing,
    :func:`metrics.marginal_noise.unseen`)."""
    return unseen(real_counts[real_counts > 0])[0]
