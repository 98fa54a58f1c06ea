"""Intervals and noise floors of column shapes, from counts alone.

A bootstrap of a column's rows is a multinomial re-weighting of its value counts
(:func:`metrics.uncertainty.resampled_counts`), so no row is touched:

- categories: the count of each category on each side; a replicate's TV distance is half the
  sum of the absolute share differences;
- numbers and dates: the count of each side's values in the cells of a grid of the real
  values (every distinct real value when there are at most :data:`GRID` of them, else
  :data:`GRID` real quantiles). A replicate's KS distance is the largest gap between the two
  cumulative sums. Between two grid points the real CDF moves by at most one cell's real
  share, so the grid distance is within that share (about 1 / GRID) of the exact one; the
  observed score itself is always the exact one.

The noise floor is the mean score of an independent sample of the synthetic size drawn from
the real frequencies (:func:`metrics.uncertainty.null_counts`) against a bootstrap of the
real sample: what a perfect generator scores at these sizes.

Why this interval
-----------------
A distance is biased upwards by sampling noise (it cannot go below 0), and the bootstrap
adds the same noise a second time: the replicates centre well above the observed
distance (about 1.4 times it when both sides come from one distribution), and spread
wider than the distance itself does. The interval therefore takes only the replicates'
deviations from their own mean and reflects them around the observed distance (the basic
bootstrap interval without its bias correction, which over-corrects here):
``distance - (q_high - mean)`` to ``distance + (mean - q_low)``.

Simulated with the synthetic side an independent sample of the real distribution (a
perfect generator; normal and 5-category columns, 300 to 3,000 rows a side, 1,000 to 2,000
seeded draws each), the 95% interval held the floor 97.5-98.0% of the time for KS and
96.7-97.4% for TV, and lay wholly below it (a finding) 0.5-0.9% of the time. With a real
difference it held the true expected score 88-94% (KS) and 95% (TV) of the time. Other
constructions, same draws: the plain percentile interval lay wholly below the floor 6-8% of
the time for KS (noise alarms); the basic interval held it only 61-74% of the time; the
percentile interval re-centred on the observed distance held it 98-99.3% of the time (above
99% with 3,000 real rows against 300). ``tests/metrics/test_marginal_noise.py`` checks 200
draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from metrics.uncertainty import beyond_floor, null_counts, resampled_counts

GRID = 512  # grid points of a numerical column's bootstrap (cost is linear in it)
MAX_CELLS = 4096  # categories bootstrapped one by one; rarer ones are pooled (see _cap)
MAX_UNSEEN = 2048  # unseen categories a floor's population holds (see population_shares)

Statistic = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Noise:
    """A column score's interval (``low``, ``high``), noise floor and distance beyond it."""

    low: float
    high: float
    floor: float

    @property
    def interval(self) -> tuple[float, float]:
        return (self.low, self.high)

    @property
    def beyond(self) -> float:
        """``floor - high``: positive when even the favourable end is below the floor."""
        distance = beyond_floor(self.interval, self.floor)
        return float("nan") if distance is None else distance


def real_grid(real_sorted: np.ndarray, size: int = GRID) -> np.ndarray:
    """Grid of a numerical column's bootstrap: every distinct real value when there are at
    most ``size``, else ``size`` real quantiles (always including the minimum and maximum)."""
    n = len(real_sorted)
    if n == 0:
        return real_sorted
    quantiles = np.unique(real_sorted[np.linspace(0, n - 1, size).round().astype(np.int64)])
    if len(quantiles) == size:
        return quantiles  # at least ``size`` distinct values: no need to find them all
    starts = np.flatnonzero(np.diff(real_sorted)) + 1
    if len(starts) < size:
        return real_sorted[np.concatenate([[0], starts])]
    return quantiles


def grid_counts(values_sorted: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Count of sorted values in each grid cell: cell k holds (grid[k-1], grid[k]], the first
    cell everything at or below grid[0] and the last one (index ``len(grid)``) what lies above
    the grid's end. Binary searches of the grid points only, so cheap on a million values."""
    cum = np.searchsorted(values_sorted, grid, side="right")
    return np.diff(cum, prepend=0, append=len(values_sorted))


def ks_distances(real: np.ndarray, synthetic: np.ndarray) -> np.ndarray:
    """KS distance of each row of two count matrices on the same grid (one replicate a row)."""
    fr = np.cumsum(real, axis=1) / np.maximum(real.sum(axis=1, keepdims=True), 1)
    fs = np.cumsum(synthetic, axis=1) / np.maximum(synthetic.sum(axis=1, keepdims=True), 1)
    return np.abs(fr - fs).max(axis=1)


def tv_distances(real: np.ndarray, synthetic: np.ndarray) -> np.ndarray:
    """Total variation distance of each row of two count matrices of the same categories."""
    pr = real / np.maximum(real.sum(axis=1, keepdims=True), 1)
    ps = synthetic / np.maximum(synthetic.sum(axis=1, keepdims=True), 1)
    return 0.5 * np.abs(pr - ps).sum(axis=1)


def _cap(real: np.ndarray, synthetic: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most :data:`MAX_CELLS` categories: the largest ones (by both sides' counts) kept,
    the rest pooled into one cell. Keeps the bootstrap's cost bounded on columns of tens of
    thousands of levels; pooling can only make the replicates' distances smaller, so on such
    columns the floor is a little optimistic (higher) and the interval a little narrow."""
    if len(real) <= MAX_CELLS:
        return real, synthetic
    size = real / max(real.sum(), 1) + synthetic / max(synthetic.sum(), 1)
    keep = np.sort(np.argsort(-size, kind="stable")[: MAX_CELLS - 1])
    rest = np.ones(len(real), dtype=bool)
    rest[keep] = False
    return (
        np.append(real[keep], real[rest].sum()),
        np.append(synthetic[keep], synthetic[rest].sum()),
    )


def unseen(real_counts: np.ndarray) -> tuple[float, int]:
    """Share of the real population in categories the real sample never shows, and how many
    such categories there are: Good-Turing's sample coverage (Chao and Jost, 2012) and
    Chao1's count of the undetected, from the categories seen once and twice.

    On a long tail (2,000 product codes, 3,000 rows) two samples of the same population share
    few of their rare categories, and a floor drawn from the real frequencies alone, which
    only hold categories the real sample has, puts the synthetic draw's tail on the real
    sample's categories: its TV distance comes out about a fifth too small and a perfect
    generator would get a finding. (0.0, 0) when no category is seen exactly once.
    """
    n = float(real_counts.sum())
    f1, f2 = int(np.count_nonzero(real_counts == 1)), int(np.count_nonzero(real_counts == 2))
    if f1 == 0 or n < 2:
        return 0.0, 0
    mass = f1 / n * ((n - 1) * f1 / ((n - 1) * f1 + 2 * f2))
    count = (n - 1) / n * (f1 * f1 / (2 * f2) if f2 else f1 * (f1 - 1) / 2)
    return float(mass), max(1, math.ceil(count))


def population_shares(real_counts: np.ndarray, mass: float, count: int) -> np.ndarray:
    """The real frequencies with ``mass`` taken evenly off the seen categories and spread over
    ``count`` unseen ones, appended (at most :data:`MAX_UNSEEN` of them). Taking the mass
    evenly, rather than mostly from the rarest seen categories, leaves them a little too
    heavy: simulated on Zipf tails of 200 and 2,000 categories at 300 to 3,000 rows a side,
    the floor's distance came out 0-12% above the truth (never below), so the floor errs
    towards fewer findings."""
    shares = real_counts / max(real_counts.sum(), 1)
    if mass <= 0:
        return shares
    count = min(count, MAX_UNSEEN)
    return np.concatenate([shares * (1 - mass), np.full(count, mass / count)])


def column_noise(
    generator: np.random.Generator,
    real_counts: np.ndarray,
    synthetic_counts: np.ndarray,
    statistic: Statistic,
    distance: float,
    n_boot: int,
    confidence: float,
    tail: bool = False,
) -> Noise | None:
    """Interval and noise floor of a column score ``1 - distance`` from the two sides' counts.

    Parameters
    ----------
    generator:
        Seeded generator for this column (``uncertainty.rng(seed, "column_shapes", column)``).
    real_counts, synthetic_counts:
        Counts of each side on the same cells (categories, or a grid from :func:`real_grid`).
    statistic:
        :func:`ks_distances` or :func:`tv_distances`.
    distance:
        The observed (exact) distance; the score is ``1 - distance``.
    n_boot, confidence:
        Replicates drawn, and the interval's level.
    tail:
        Categories: the floor's samples also reach categories the real sample missed
        (:func:`unseen`). Not for numbers: KS sees cumulative shares, little moved by those.

    Returns
    -------
    Noise or None
        None when a side has no values or the distance is not finite.

    The interval's construction and its simulated coverage: see the module docstring.
    """
    n, m = int(real_counts.sum()), int(synthetic_counts.sum())
    if n == 0 or m == 0 or not np.isfinite(distance):
        return None
    mass, count = unseen(real_counts) if tail else (0.0, 0)
    real_counts, synthetic_counts = _cap(real_counts, synthetic_counts)
    real_boot = resampled_counts(generator, real_counts, n_boot)
    synthetic_boot = resampled_counts(generator, synthetic_counts, n_boot)
    replicates = statistic(real_boot, synthetic_boot)
    if mass > 0:
        shares = population_shares(real_counts, mass, count)
        real_null = null_counts(generator, shares, n, n_boot)
        synthetic_null = null_counts(generator, shares, m, n_boot)
    else:
        # The real replicates serve the floor as they are: each is an independent draw from
        # the real frequencies, paired with an independent synthetic-size draw from them.
        real_null = real_boot
        synthetic_null = null_counts(generator, real_counts, m, n_boot)
    floor = 1.0 - float(statistic(real_null, synthetic_null).mean())
    half = 50 * (1 - confidence)
    q_low, q_high = np.percentile(replicates, [half, 100 - half])
    middle = replicates.mean()
    d_low, d_high = distance - (q_high - middle), distance + (middle - q_low)
    low = float(np.clip(1.0 - d_high, 0.0, 1.0))
    high = float(np.clip(1.0 - d_low, 0.0, 1.0))
    return Noise(low=low, high=high, floor=floor)
