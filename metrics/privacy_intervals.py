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
- **Copy excess** ``exact_copy_rate - holdout_copy_rate``, and the same for one-cell near
  copies: Newcombe's hybrid score interval for a difference of two proportions (Newcombe 1998,
  method 10), built from the two Wilson intervals; clipped at 0 like the excess itself. Without
  baseline rows (none compared) the natural rate is 0 and the excess interval is the rate's.
- **Copy part** ``copy_score = max(0, 1 - COPY_WEIGHT * (exact excess + near excess))``: the
  interval of the sum of the two clipped excesses by MOVER (Zou & Donner 2008, the method
  Newcombe's interval is a case of): ``sum -/+ sqrt`` of the summed squared distances from each
  part to its own bounds.
- **Component scores**: both formulas fall as their input rises, so
  ``copy_score`` maps the summed excess bounds and
  ``dcr_score = min(1, (1 - share) / (1 - expected))`` the share bounds the other way round.
- **Privacy score** ``min(dcr_score, copy_score)``: the minimum is increasing in each part, so
  its interval is ``(min of the lows, min of the highs)``. Exact when one part decides; when
  both are close it covers at least ``2 * confidence - 1`` (Bonferroni), in practice more.
- **NNDR medians**: distribution-free intervals from order statistics (the binomial count of
  values below the median), as no rate is involved.

Floor
-----
What an independent real sample of the synthetic data's size scores against the holdout
reference: its exact and near copy rates are the natural ones (``holdout_copy_rate``,
``holdout_near_copy_rate``) and its DCR share the expected one, each up to binomial noise at the
synthetic sizes. The floor is the mean score of ``n_boot`` seeded draws of all three
(``Multinomial(n_synthetic, (holdout_copy_rate, holdout_near_copy_rate, rest))`` exact and near
copies, ``Binomial(dcr_effective_rows, dcr_expected)`` closer rows). It sits just under 1: noise
can only lower ``min(1, ...)`` on average.
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
    n_holdout: int  # rows behind the natural copy rates (PrivacyInfo.n_baseline)
    closer: float  # synthetic rows closer to the training rows, ties counting one half
    n_share: float  # effective rows of the share (clusters of a nearest record count once)
    expected: float  # share a non-memorising generator gets (NaN without a holdout)
    near: int = 0  # one-cell near copies among the synthetic rows
    holdout_near: int = 0  # among the baseline rows


def counts_of(found: PrivacyInfo) -> Counts:
    """The counts behind a privacy result's rates; the DCR share's on its effective rows."""
    n_share = found.dcr_effective_rows if found.n_share_rows else 0.0
    return Counts(
        copies=found.exact_copies,
        n_synthetic=len(found.exact_copy_of),
        holdout_copies=found.holdout_copies,
        n_holdout=found.n_baseline,
        closer=found.dcr_share * n_share if n_share else 0.0,
        n_share=n_share,
        expected=found.dcr_expected,
        near=found.near_copies,
        holdout_near=found.holdout_near_copies,
    )


@dataclass(frozen=True)
class Bounds:
    """Every interval of the privacy result (None where the value is not measured)."""

    exact_copy_rate: Interval | None
    holdout_copy_rate: Interval | None
    copy_excess: Interval | None
    near_copy_rate: Interval | None
    holdout_near_copy_rate: Interval | None
    near_copy_excess: Interval | None
    near_copy_score: Interval | None  # the copy part from near copies alone
    copy_score: Interval | None
    dcr_share: Interval | None
    dcr_score: Interval | None
    score: Interval | None


def _excess(
    k: int, n: int, k0: int, n0: int, confidence: float
) -> tuple[float, Interval | None, Interval | None, Interval | None]:
    """A rate's excess over its natural rate (unclipped), and the intervals of the rate, of the
    natural rate and of the excess (Newcombe; the rate's own without baseline rows)."""
    rate_ci = _wilson(k, n, confidence)
    rate = k / n if n else float("nan")
    if not n0:
        return rate, rate_ci, None, rate_ci
    base_ci = _wilson(k0, n0, confidence)
    return rate - k0 / n0, rate_ci, base_ci, newcombe(rate, rate_ci, k0 / n0, base_ci)


def _clip(ci: Interval | None) -> Interval | None:
    return None if ci is None else (max(0.0, ci[0]), max(0.0, ci[1]))


def mover_sum(parts: list[tuple[float, Interval]]) -> Interval:
    """MOVER interval of a sum from each part's estimate and interval (Zou & Donner 2008)."""
    total = sum(p for p, _ in parts)
    low = total - np.sqrt(sum((p - ci[0]) ** 2 for p, ci in parts))
    high = total + np.sqrt(sum((ci[1] - p) ** 2 for p, ci in parts))
    return float(low), float(high)


def _scores(excess: Interval | None, weight: float) -> Interval | None:
    """A copy score's interval from its excess's (the high excess gives the low score)."""
    if excess is None:
        return None
    return float(copy_score_of(excess[1], weight)), float(copy_score_of(excess[0], weight))


def bounds(c: Counts, weight: float, confidence: float) -> Bounds:
    """Intervals of the rates, the component scores and the score (see the module docstring)."""
    d_exact, rate_ci, hold_ci, excess = _excess(
        c.copies, c.n_synthetic, c.holdout_copies, c.n_holdout, confidence
    )
    d_near, near_ci, hold_near_ci, near_excess = _excess(
        c.near, c.n_synthetic, c.holdout_near, c.n_holdout, confidence
    )
    excess, near_excess = _clip(excess), _clip(near_excess)
    total = None
    if excess is not None and near_excess is not None:
        total = _clip(mover_sum([(max(0.0, d_exact), excess), (max(0.0, d_near), near_excess)]))
    copy = _scores(total, weight)
    share_ci = _wilson(c.closer, c.n_share, confidence) if c.n_share else None
    dcr = None
    if share_ci is not None:
        high, low = share_ci[1], share_ci[0]  # the share's high end gives the score's low end
        dcr = (float(dcr_score_of(high, c.expected)), float(dcr_score_of(low, c.expected)))
    score = copy
    if copy is not None and dcr is not None:
        score = (min(dcr[0], copy[0]), min(dcr[1], copy[1]))
    return Bounds(
        rate_ci, hold_ci, excess, near_ci, hold_near_ci, near_excess,
        _scores(near_excess, weight), copy, share_ci, dcr, score,
    )  # fmt: skip


@dataclass(frozen=True)
class Floors:
    """The floor of the score and of each component (NaN where the component is absent)."""

    score: float
    copy_score: float
    dcr_score: float
    near_copy_score: float = float("nan")


def floors(c: Counts, weight: float, gen: np.random.Generator, n_boot: int) -> Floors:
    """Mean scores of ``n_boot`` independent real samples drawn from the holdout reference."""
    natural = c.holdout_copies / c.n_holdout if c.n_holdout else 0.0
    near = c.holdout_near / c.n_holdout if c.n_holdout else 0.0
    n_syn = max(c.n_synthetic, 1)
    # Exact and near copies exclude each other: one multinomial draw of both.
    rest = max(0.0, 1.0 - natural - near)
    drawn = gen.multinomial(n_syn, [natural, near, rest], size=n_boot) / n_syn
    near_excess = np.maximum(0.0, drawn[:, 1] - near)
    copy = np.asarray(copy_score_of(np.maximum(0.0, drawn[:, 0] - natural) + near_excess, weight))
    near_floor = float(np.mean(copy_score_of(near_excess, weight)))
    if not c.n_share:
        value = float(copy.mean())
        return Floors(value, value, float("nan"), near_floor)
    n_share = max(1, int(round(c.n_share)))
    shares = gen.binomial(n_share, c.expected, size=n_boot) / n_share
    dcr = np.asarray(dcr_score_of(shares, c.expected))
    return Floors(
        float(np.minimum(dcr, copy).mean()), float(copy.mean()), float(dcr.mean()), near_floor
    )
