"""DeLong's interval on a ROC AUC, in O(n log n) through midranks (Sun & Xu 2014).

The AUC is the Mann-Whitney statistic: the share of (positive, negative) pairs in which the
positive scores higher, ties counting one half. DeLong, DeLong & Clarke-Pearson (1988) give its
variance from the structural components of each side:

- ``V10[i]``: the share of negatives that positive ``i`` beats (its own AUC);
- ``V01[j]``: the share of positives that beat negative ``j``;

``var(AUC) = var(V10) / m + var(V01) / n`` for ``m`` positives and ``n`` negatives. Sun & Xu
(2014) read both components off three midrank vectors (over all scores, over the positives and
over the negatives), so the whole interval costs three sorts instead of an ``m x n`` comparison.

The interval is the normal one, ``AUC +/- z * se``, clipped to [0, 1]. Applied to the
out-of-fold scores of a cross-validated classifier it treats those scores as fixed: it covers
the sampling of the rows that were scored, not the variation from training the folds' models
again on other rows (which only widens a real interval).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from metrics.uncertainty import z_value


def delong(y: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """``(AUC, variance)`` of scores for 0/1 labels (1 = positive); NaNs when a class has
    fewer than two rows (no variance can be estimated)."""
    labels = np.asarray(y) != 0
    values = np.asarray(scores, dtype=float)
    pos, neg = values[labels], values[~labels]
    m, n = len(pos), len(neg)
    if m < 2 or n < 2:
        return float("nan"), float("nan")
    everything = rankdata(np.r_[pos, neg])
    v10 = (everything[:m] - rankdata(pos)) / n
    v01 = 1.0 - (everything[m:] - rankdata(neg)) / m
    auc = float(v10.mean())
    return auc, float(v10.var(ddof=1) / m + v01.var(ddof=1) / n)


def auc_interval(
    y: np.ndarray, scores: np.ndarray, confidence: float
) -> tuple[float, float] | None:
    """DeLong's ``confidence`` interval of the ROC AUC, clipped to [0, 1]; None when it cannot
    be estimated (fewer than two rows in a class)."""
    auc, variance = delong(y, scores)
    if not (np.isfinite(auc) and np.isfinite(variance)):
        return None
    half = z_value(confidence) * float(np.sqrt(max(variance, 0.0)))
    return float(max(0.0, auc - half)), float(min(1.0, auc + half))


def detection_score(auc: float) -> float:
    """``1 - max(0, (AUC - 0.5) * 2)``: 1 = indistinguishable, 0 = perfectly separable."""
    if not np.isfinite(auc):
        return float("nan")
    return float(1.0 - max(0.0, (auc - 0.5) * 2.0))


def score_interval(interval: tuple[float, float] | None) -> tuple[float, float] | None:
    """The detection score's interval from the AUC's: the score falls as the AUC rises, so the
    AUC's high bound gives the score's low one (both clipped by the formula's ``max``)."""
    if interval is None:
        return None
    return detection_score(interval[1]), detection_score(interval[0])
