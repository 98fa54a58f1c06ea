"""Intervals and noise floors: the shared pieces every metric uses to put error bars on a score.

Every score carries an interval (95% by default, ``Options.confidence``) and a noise floor: what
an independent real sample of the same size would score against the real data. A finding rises
only when a score sits below its floor by more than its uncertainty (:func:`beyond_floor`), with
a severity from that distance (:func:`severity_beyond`).

All randomness is seeded from ``Options.seed`` and a salt naming what is resampled
(:func:`rng`), so the same inputs and seed give the same intervals, whatever order columns are
computed in and however many threads compute them.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable

import numpy as np
from scipy import stats

from metrics.results import Severity

# Distances beyond the floor (in score units, after the uncertainty) that make a finding
# high, medium or low severity. Scores live in [0, 1], so 0.2 is a fifth of the scale.
BEYOND_HIGH, BEYOND_MEDIUM = 0.20, 0.08


def rng(seed: int, *salt: object) -> np.random.Generator:
    """A generator seeded by the run's seed and a salt (a metric name, a column...).

    Stable across processes (a hash of the salt's text, not Python's salted ``hash``).
    """
    digest = hashlib.sha256("\x1f".join(map(str, salt)).encode()).digest()
    return np.random.default_rng([seed, int.from_bytes(digest[:8], "little")])


@functools.lru_cache(maxsize=16)
def z_value(confidence: float) -> float:
    """The two-sided normal quantile of a confidence level (1.96 for 0.95)."""
    return float(stats.norm.ppf(0.5 + confidence / 2))


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[float, float] | None:
    """The central ``confidence`` share of finite samples, or None when there are none."""
    values = np.asarray(samples, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    tail = 50 * (1 - confidence)
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def wilson(k: float, n: float, confidence: float) -> tuple[float, float] | None:
    """Wilson score interval of a rate ``k / n`` (None when ``n`` is 0)."""
    if not n or n <= 0:
        return None
    z = z_value(confidence)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # Exact ends at 0 and at n successes (the formula leaves rounding dust there).
    low = 0.0 if k <= 0 else max(0.0, centre - half)
    high = 1.0 if k >= n else min(1.0, centre + half)
    return float(low), float(high)


def resampled_counts(generator: np.random.Generator, counts: np.ndarray, n_boot: int) -> np.ndarray:
    """``n_boot`` bootstrap copies of a count vector (multinomial with the observed shares).

    A bootstrap of rows is a multinomial re-weighting of the counts of their codes, so it never
    touches the rows themselves: shape ``(n_boot, len(counts))``.
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros((n_boot, counts.size), dtype=np.int64)
    return generator.multinomial(total, counts / total, size=n_boot)


def null_counts(
    generator: np.random.Generator, shares: np.ndarray, n: int, n_boot: int
) -> np.ndarray:
    """``n_boot`` count vectors of an independent sample of ``n`` rows from ``shares``."""
    shares = np.asarray(shares, dtype=float)
    if n <= 0 or shares.sum() <= 0:
        return np.zeros((n_boot, shares.size), dtype=np.int64)
    return generator.multinomial(n, shares / shares.sum(), size=n_boot)


def mean_bounds(
    intervals: Iterable[tuple[float, float] | None],
) -> tuple[float, float] | None:
    """Interval of a mean of scores from their own intervals: the mean of the lows and of the
    highs. Exact when the scores move together and wider than needed otherwise, so a family
    interval never claims more certainty than its parts have. None if any part has none."""
    parts = list(intervals)
    if not parts or any(p is None for p in parts):
        return None
    lows, highs = zip(*parts, strict=True)  # type: ignore[misc]
    return float(np.mean(lows)), float(np.mean(highs))


def mean_floor(floors: Iterable[float | None]) -> float | None:
    """The floor of a mean of scores: the mean of their floors (None if any is missing)."""
    values = list(floors)
    if not values or any(v is None or not np.isfinite(v) for v in values):
        return None
    return float(np.mean(values))  # type: ignore[arg-type]


def beyond_floor(interval: tuple[float, float] | None, floor: float | None) -> float | None:
    """How far a score sits below its floor beyond its uncertainty: ``floor - high``.

    Positive when even the favourable end of the interval is below what an independent real
    sample scores; None when either is unknown.
    """
    if interval is None or floor is None or not np.isfinite(floor):
        return None
    return float(floor - interval[1])


def severity_beyond(distance: float | None) -> Severity | None:
    """Severity of a score's distance beyond its floor (None when it is not beyond it)."""
    if distance is None or not np.isfinite(distance) or distance <= 0:
        return None
    if distance >= BEYOND_HIGH:
        return "high"
    return "medium" if distance >= BEYOND_MEDIUM else "low"


def interval_words(
    value: float,
    interval: tuple[float, float] | None,
    floor: float | None,
    digits: int = 2,
    confidence: float = 0.95,
) -> str:
    """``0.93 (95% interval 0.90-0.95); an independent real sample scores about 0.97``."""
    if value is None or not np.isfinite(value):
        return "not computed"
    text = f"{value:.{digits}f}"
    if interval is not None:
        text += f" ({confidence:.0%} interval {interval[0]:.{digits}f}-{interval[1]:.{digits}f})"
    if floor is not None and np.isfinite(floor):
        text += f"; an independent real sample scores about {floor:.{digits}f}"
    return text


def tail_level(scores: np.ndarray, share: float, rows: int = 20) -> float:
    """The score a share ``share`` of new rows like ``scores`` reach: the empirical quantile when
    enough rows lie beyond it, else an exponential tail fitted to the ``rows`` highest
    scores (the largest of 90 scores is crossed by one new row in 91, twice the 0.5% wanted)."""
    n = len(scores)
    k = min(rows, n // 5)
    if n * share >= k or k < 2:
        return float(np.quantile(scores, 1.0 - share))
    top = np.sort(np.partition(scores, n - k - 1)[n - k - 1 :])
    scale = float(np.mean(top[1:] - top[0]))
    return float(top[0] + scale * np.log(k / (n * share)))
