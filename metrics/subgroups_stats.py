"""How far a subgroup's score sits below the whole table's, beyond noise, and the false
discovery control over all the tests.

Every test asks "is this subgroup's score no worse than the whole table's?". A subgroup's
score is measured on fewer rows, so sampling alone pulls it below the whole table's (a
distance between two samples cannot go below 0): each test compares the gap
``whole_table_score - score`` with the noise a subgroup of its size makes when the synthetic
data inside it is exactly as good as in the whole table.

- KS complement (numbers, dates): ``D_level <= D_whole + noise``, the noise the two-sample
  Kolmogorov distribution at the level's effective size ``n m / (n + m)``
  (``scipy.stats.kstwobign``); mean ``0.87 / sqrt(n_e)``.
- TV complement and contingency similarity: the noise is drawn, seeded: both sides' counts
  from the pooled frequencies (Poisson counts, a multinomial bootstrap's cheap twin) of the level at the level's sizes
  (:func:`tv_noise`); its mean and standard deviation give a normal tail.
- Correlation similarity ``1 - |r_real - r_synthetic| / 2``: each correlation's standard error
  from Fisher's z with the level's sizes, ``(1 - r^2) / sqrt(n - 3)`` (delta method); the
  difference's absolute value is a folded normal around the whole table's difference.

``margin`` is the one-sided ``(1 + confidence) / 2`` quantile of that noise (in score units):
the interval's high end is ``score + margin`` and ``beyond = whole_table_score - high`` (gap
minus margin), positive when the gap is larger than noise explains. ``excess`` is the gap
minus the noise's mean, the size of the effect; a discovery needs ``excess >= MIN_GAP`` as
well, so a million-row table does not raise trivia. P-values are one-sided; Benjamini-Hochberg
(:func:`benjamini_hochberg`) controls the false discoveries over every test run.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.stats import rankdata

FDR = 0.05  # Benjamini-Hochberg level
MIN_GAP = 0.05  # smallest gap (score units, beyond the noise's mean) worth a finding
KS_MEAN = float(np.sqrt(np.pi / 2) * np.log(2))  # mean of the Kolmogorov distribution
MIN_DRAWS = 50
SPEARMAN = 1.06  # Fieller, Hartley & Pearson (1957): var(atanh(rho_s)) ~ 1.06/(n-3)


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values): a test is a discovery at level ``q``
    when its q-value is at most ``q``. NaN p-values stay NaN and do not count as tests."""
    p = np.asarray(p_values, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    if m == 0:
        return q
    order = ok[np.argsort(p[ok], kind="stable")]
    ranked = p[order] * m / np.arange(1, m + 1)
    q[order] = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    return q


def ks_margin(n: int, m: int, confidence: float) -> tuple[float, float]:
    """Mean and ``(1 + confidence) / 2`` quantile of the KS noise at sizes n and m."""
    root = np.sqrt(n * m / (n + m))
    return KS_MEAN / root, float(stats.kstwobign.isf((1 - confidence) / 2)) / root


def ks_p_values(gap: np.ndarray, n: np.ndarray, m: np.ndarray) -> np.ndarray:
    """One-sided p-values of KS gaps (``D_level - D_whole``) at sizes n and m."""
    root = np.sqrt(n * m / (n + m))
    return stats.kstwobign.sf(np.maximum(gap, 0.0) * root)


def tv_noise(
    gen: np.random.Generator, cr: np.ndarray, cs: np.ndarray, draws: int
) -> tuple[float, float]:
    """Mean and standard deviation of the TV distance between two samples of the level's
    sizes drawn from its pooled frequencies (a level as good as its pooled self)."""
    pooled = (cr + cs).astype(float)
    keep = pooled > 0
    n, m = int(cr.sum()), int(cs.sum())
    if keep.sum() < 2 or n == 0 or m == 0:
        return 0.0, 0.0
    p = pooled[keep] / pooled.sum()
    # Poisson counts (the Poisson bootstrap): one vectorised draw, ten times cheaper than a
    # multinomial over hundreds of cells; its totals vary a little, which errs wide.
    a = gen.poisson(n * p, size=(draws, len(p)))
    b = gen.poisson(m * p, size=(draws, len(p)))
    a = a / np.maximum(a.sum(axis=1, keepdims=True), 1)
    b = b / np.maximum(b.sum(axis=1, keepdims=True), 1)
    tv = 0.5 * np.abs(a - b).sum(axis=1)
    return float(tv.mean()), float(tv.std(ddof=1))


def tv_judge(
    gap: np.ndarray, mean: np.ndarray, sd: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Margins and one-sided p-values of TV gaps against a noise of this mean and standard
    deviation, taken as a gamma distribution: a TV distance of few categories is a folded
    normal whose tail a normal with its mean and sd makes far too light (p-values 100 times
    too small on two categories); the gamma's tail is a little heavier than the folded
    normal's and tends to the normal for many categories."""
    with np.errstate(divide="ignore", invalid="ignore"):
        shape = np.where(sd > 0, (mean / sd) ** 2, np.nan)
        scale = np.where(mean > 0, sd**2 / mean, np.nan)
        p = np.where(sd > 0, stats.gamma.sf(gap, shape, scale=scale), (gap <= 0) * 1.0)
        margin = np.where(sd > 0, stats.gamma.isf((1 - confidence) / 2, shape, scale=scale), 0.0)
    return margin, p


def correlation_judge(
    r_real: np.ndarray, r_syn: np.ndarray, whole: np.ndarray, n: np.ndarray, m: np.ndarray,
    confidence: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Noise mean, margin (score units) and one-sided p-values of correlation gaps.

    ``|r_real - r_synthetic|`` against the whole table's difference ``whole``: a folded normal
    with each side's Spearman standard error ``(1 - r^2) sqrt(1.06 / (n - 3))`` (Fisher's z,
    delta method). The score is ``1 - |difference| / 2``, hence the halves.
    """
    se = np.hypot((1 - np.minimum(r_real**2, 0.999)) * np.sqrt(SPEARMAN / (n - 3)),
                  (1 - np.minimum(r_syn**2, 0.999)) * np.sqrt(SPEARMAN / (m - 3)))  # fmt: skip
    delta = np.abs(r_real - r_syn)
    p = np.minimum(1.0, stats.norm.sf((delta - whole) / se) + stats.norm.sf((delta + whole) / se))
    z = float(stats.norm.isf((1 - confidence) / 2))
    upper = np.maximum(whole + z * se, float(stats.norm.isf((1 - confidence) / 4)) * se)
    t = whole / se
    folded = se * np.sqrt(2 / np.pi) * np.exp(-0.5 * t**2) + whole * (1 - 2 * stats.norm.sf(t))
    return (folded - whole) / 2, (upper - whole) / 2, p


def ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks of the non-missing values (NaN stays NaN): Spearman's correlation is
    Pearson's on these. Ranks resist the outliers that swing a Pearson correlation of a few
    dozen rows (a heavy-tailed column's 30-row subgroup)."""
    out = np.full(len(values), np.nan)
    ok = ~np.isnan(values)
    out[ok] = rankdata(values[ok])
    return out
