"""Intervals and the noise floor of the privacy score.

Intervals (``Options.confidence``, 95% by default)
-------------------------------------------------
- **Rates and shares**: Wilson score intervals (:func:`metrics.uncertainty.wilson`): the exact
  copy rate over every synthetic row, the holdout copy rate over the holdout rows compared, the
  DCR share (a tie counts one half, as in the share itself) over its *effective* number of rows:
  synthetic rows that share one nearest real record get the same answer, so they count as one
  cluster (Kish's ``n^2 / sum c^2``, :func:`metrics.privacy_rows.effective_rows`). Without that,
  on 2,000 rows of a plain mixed table the share's 95% interval held the expected share of an
  independent sample 90% of the time; with it, 95%.
- **Copy excess** ``exact_copy_rate - holdout_copy_rate``: Newcombe's hybrid score interval for a
  difference of two proportions (Newcombe 1998, method 10), built from the two Wilson
  intervals; clipped at 0 like the excess itself. Without a holdout the natural rate is 0 and
  the excess interval is the copy rate's.
- **Component scores**: both formulas fall as their input rises, so
  ``copy_score = max(0, 1 - COPY_WEIGHT * excess)`` maps the excess bounds and
  ``dcr_score = min(1, (1 - share) / (1 - expected))`` the share bounds the other way round.
- **Privacy score** ``min(dcr_score, copy_score)``: the minimum is increasing in each part, so
  its interval is ``(min of the lows, min of the highs)``. Exact when one part decides; when
  both are close it covers at least ``2 * confidence - 1`` (Bonferroni), in practice more.
- **NNDR medians**: distribution-free intervals from order statistics (the binomial count of
  values below the median), as no rate is involved.

Floor
-----
What an independent real sample of the synthetic data's size scores against the holdout
reference: its copy rate is that of the holdout rows (``holdout_copy_rate``, the natural rate)
and its DCR share the expected one, each up to binomial noise at the synthetic sizes. The floor
is the mean score of ``n_boot`` seeded draws of both (``Binomial(n_synthetic,
holdout_copy_rate)`` copies, ``Binomial(dcr_effective_rows, dcr_expected)`` closer rows). It
sits just under 1: noise can only lower ``min(1, ...)`` on average.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metrics.privacy_info import PrivacyInfo
from metrics.uncertainty import wilson, z_value

Interval = tuple[float, float]


def _wilson(k: float, n: float, confidence: float) -> Interval | None:
    """:func:`wilson`, with the bound at 0 copies (or all) exactly 0 (or 1), not 1e-19."""
    ci = wilson(k, n, confidence)
    if ci is None:
        return None
    return (0.0 if k <= 0 else ci[0]), (1.0 if k >= n else ci[1])


def copy_score_of(excess: float | np.ndarray, weight: float) -> float | np.ndarray:
    """``max(0, 1 - weight * max(0, excess))``."""
    return np.maximum(0.0, 1.0 - weight * np.maximum(0.0, excess))


def dcr_score_of(share: float | np.ndarray, expected: float) -> float | np.ndarray:
    """``min(1, (1 - share) / (1 - expected))``."""
    return np.minimum(1.0, (1.0 - share) / (1.0 - expected))


def newcombe(p1: float, ci1: Interval | None, p2: float, ci2: Interval | None) -> Interval | None:
    """Newcombe's hybrid score interval of ``p1 - p2`` from the two Wilson intervals."""
    if ci1 is None or ci2 is None:
        return None
    d = p1 - p2
    low = d - np.sqrt((p1 - ci1[0]) ** 2 + (ci2[1] - p2) ** 2)
    high = d + np.sqrt((ci1[1] - p1) ** 2 + (p2 - ci2[0]) ** 2)
    return float(low), float(high)


def median_interval(values: np.ndarray, confidence: float) -> Interval | None:
    """Distribution-free interval of the median of the finite values (order statistics)."""
    finite = np.sort(values[np.isfinite(values)])
    n = len(finite)
    if n == 0:
        return None
    half = z_value(confidence) * np.sqrt(n) / 2
    low = int(np.clip(np.floor(n / 2 - half), 0, n - 1))
    high = int(np.clip(np.ceil(n / 2 + half), 0, n - 1))
    return float(finite[low]), float(finite[high])


@dataclass(frozen=True)
class Counts:
    """The counts behind the privacy rates (``n_holdout``/``n_share`` 0 without a holdout)."""

    copies: int
    n_synthetic: int
    holdout_copies: int
    n_holdout: int
    closer: float  # synthetic rows closer to the training rows, ties counting one half
    n_share: float  # effective rows of the share (clusters of a nearest record count once)
    expected: float  # share a non-memorising generator gets (NaN without a holdout)


def counts_of(found: PrivacyInfo) -> Counts:
    """The counts behind a privacy result's rates; the DCR share's on its effective rows."""
    n_share = found.dcr_effective_rows if found.n_share_rows else 0.0
    return Counts(
        copies=found.exact_copies,
        n_synthetic=len(found.exact_copy_of),
        holdout_copies=found.holdout_copies,
        n_holdout=found.n_holdout or 0,
        closer=found.dcr_share * n_share if n_share else 0.0,
        n_share=n_share,
        expected=found.dcr_expected,
    )


@dataclass(frozen=True)
class Bounds:
    """Every interval of the privacy result (None where the value is not measured)."""

    exact_copy_rate: Interval | None
    holdout_copy_rate: Interval | None
    copy_excess: Interval | None
    copy_score: Interval | None
    dcr_share: Interval | None
    dcr_score: Interval | None
    score: Interval | None


def bounds(c: Counts, weight: float, confidence: float) -> Bounds:
    """Intervals of the rates, the component scores and the score (see the module docstring)."""
    rate_ci = _wilson(c.copies, c.n_synthetic, confidence)
    rate = c.copies / c.n_synthetic if c.n_synthetic else float("nan")
    if c.n_holdout:
        hold_ci = _wilson(c.holdout_copies, c.n_holdout, confidence)
        excess = newcombe(rate, rate_ci, c.holdout_copies / c.n_holdout, hold_ci)
    else:
        hold_ci, excess = None, rate_ci
    copy = None
    if excess is not None:
        copy = (float(copy_score_of(excess[1], weight)), float(copy_score_of(excess[0], weight)))
        excess = (max(0.0, excess[0]), max(0.0, excess[1]))
    share_ci = _wilson(c.closer, c.n_share, confidence) if c.n_share else None
    dcr = None
    if share_ci is not None:
        high, low = share_ci[1], share_ci[0]  # the share's high end gives the score's low end
        dcr = (float(dcr_score_of(high, c.expected)), float(dcr_score_of(low, c.expected)))
    score = copy
    if copy is not None and dcr is not None:
        score = (min(dcr[0], copy[0]), min(dcr[1], copy[1]))
    return Bounds(rate_ci, hold_ci, excess, copy, share_ci, dcr, score)


@dataclass(frozen=True)
class Floors:
    """The floor of the score and of each component (NaN where the component is absent)."""

    score: float
    copy_score: float
    dcr_score: float


def floors(c: Counts, weight: float, gen: np.random.Generator, n_boot: int) -> Floors:
    """Mean scores of ``n_boot`` independent real samples drawn from the holdout reference."""
    natural = c.holdout_copies / c.n_holdout if c.n_holdout else 0.0
    n_syn = max(c.n_synthetic, 1)
    copies = gen.binomial(n_syn, natural, size=n_boot) / n_syn
    copy = np.asarray(copy_score_of(copies - natural, weight))
    if not c.n_share:
        value = float(copy.mean())
        return Floors(value, value, float("nan"))
    n_share = max(1, int(round(c.n_share)))
    shares = gen.binomial(n_share, c.expected, size=n_boot) / n_share
    dcr = np.asarray(dcr_score_of(shares, c.expected))
    return Floors(float(np.minimum(dcr, copy).mean()), float(copy.mean()), float(dcr.mean()))
