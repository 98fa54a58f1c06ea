"""Where synthetic and real rows differ most, for the columns that give the synthetic data away.

Detection's permutation importances say *which* columns betray the synthetic rows; this module
says *where* in those columns. For each of the :data:`MAX_COLUMNS` most important columns
(importance above 0):

- numbers and dates are cut at :data:`MAX_BINS` quantiles of the real values (fewer on small
  data, so a bin holds about :data:`ROWS_PER_BIN` rows), plus a bin below the real minimum, one
  above the real maximum and one for missing values; categories count each real level, one bin
  for levels the real data never has, and one for missing values;
- each bin's share of synthetic rows is compared with its share of real rows (whole files), with
  a two-proportion z-test at a Bonferroni-corrected level (the bins of the explained columns are
  many tests at once), so an honest sample rarely gets a range named;
- adjacent numeric bins that differ the same way beyond noise are merged into one range ("age 60
  to 70"); ranges are ranked by the gap between the two shares, and the :data:`MAX_RANGES` widest
  gaps of at least :data:`MIN_GAP` are named, both ways: more synthetic rows than real ones, and
  ranges the synthetic data lacks;
- how sure the classifier is there: the mean out-of-fold probability of being synthetic of the
  sampled rows (real and synthetic) that fall in the range. No model is refitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from metrics.detection_bins import Bins, cut, differs, profile, rest, run_label, runs
from metrics.encode import Encoded
from metrics.marginal_words import fmt_share

MAX_COLUMNS = 3  # most important columns explained
MAX_RANGES = 2  # ranges or categories named per column
MIN_GAP = 0.01  # a range is named only when the shares differ by a percentage point or more


@dataclass(frozen=True)
class DiffRange:
    """One range of values (or one category) where the two sides differ.

    Attributes
    ----------
    label:
        The range in words: ``age 60 to 70``, ``region = 'North'``, ``income missing``.
    share_real, share_synthetic:
        Share of the real / synthetic file's rows in the range (missing values count in the
        denominator).
    mean_proba:
        Mean out-of-fold probability of being synthetic of the sampled rows in the range; None
        when no sampled row falls there.
    text:
        The range in a sentence, with both shares and the classifier's probability.
    first, last:
        The bars of the column's profile the range spans (inclusive), for the chart.
    low, high:
        The range's lowest and highest value (numbers and dates as encoded, -inf / inf for an
        open end); None for a category or for missing values.
    """

    label: str
    share_real: float
    share_synthetic: float
    mean_proba: float | None
    text: str
    first: int
    last: int
    low: float | None = None
    high: float | None = None

    @property
    def more_synthetic(self) -> bool:
        """The synthetic data has more rows here than the real data."""
        return self.share_synthetic > self.share_real


@dataclass(frozen=True)
class ColumnExplanation:
    """Where one important column differs: its ranges and its whole profile (for a chart).

    Attributes
    ----------
    column, kind:
        The column and its kind's value (``numerical``, ``datetime``, ``categorical``...).
    importance:
        Mean AUC drop when the column is shuffled.
    ranges:
        At most :data:`MAX_RANGES` ranges, widest gap first; empty when no range differs beyond
        noise (the column then gives rows away through its relations with others).
    text:
        The column's explanation in words (the ranges' sentences, or why there are none).
    bars:
        Labels of the profile's bars: the value bins in order, or the categories.
    real, synthetic:
        Share of each side's rows per bar.
    """

    column: str
    kind: str
    importance: float
    ranges: tuple[DiffRange, ...]
    text: str
    bars: tuple[str, ...]
    real: tuple[float, ...]
    synthetic: tuple[float, ...]


@dataclass
class _Sampled:
    """The rows the classifier scored: positions in each file and their probabilities."""

    real_rows: np.ndarray
    synthetic_rows: np.ndarray
    real_proba: np.ndarray
    synthetic_proba: np.ndarray


def explain(
    enc: Encoded,
    importances: dict[str, float],
    rows: tuple[np.ndarray, np.ndarray],
    proba: tuple[np.ndarray, np.ndarray],
    confidence: float,
) -> list[ColumnExplanation]:
    """Explain the most important columns of a detection run.

    Parameters
    ----------
    enc:
        The encoded pair the classifier was trained on.
    importances:
        Column -> mean AUC drop when shuffled (``DetectionInfo.importances``).
    rows:
        Positions of the sampled real rows and of the sampled synthetic rows in their files.
    proba:
        Out-of-fold probability of being synthetic of those rows, in the same order.
    confidence:
        Level of the tests that decide whether a bin differs beyond noise (Bonferroni-corrected
        over the bins of the explained columns).

    Returns
    -------
    list[ColumnExplanation]
        One entry per explained column, most important first (at most :data:`MAX_COLUMNS`,
        only columns with an importance above 0).
    """
    ranked = sorted((c for c in importances if importances[c] > 0), key=lambda c: -importances[c])
    sampled = _Sampled(rows[0], rows[1], proba[0], proba[1])
    out = []
    for col in ranked[:MAX_COLUMNS]:
        bins = cut(enc, col)
        out.append(_column(enc, col, importances[col], bins, sampled, confidence))
    return out


# long: counts, tests, ranges and the chart profile of one column share all their arrays
def _column(
    enc: Encoded,
    col: str,
    importance: float,
    bins: Bins,
    sampled: _Sampled,
    confidence: float,
) -> ColumnExplanation:
    n_bins = len(bins.names)
    real_n = np.bincount(bins.real, minlength=n_bins).astype(float)
    syn_n = np.bincount(bins.synthetic, minlength=n_bins).astype(float)
    real_share = real_n / max(enc.real.n_rows, 1)
    syn_share = syn_n / max(enc.synthetic.n_rows, 1)
    # Probabilities of the sampled rows, summed per bin (both sides: the rows that fall there).
    picked = np.r_[bins.real[sampled.real_rows], bins.synthetic[sampled.synthetic_rows]]
    weights = np.r_[sampled.real_proba, sampled.synthetic_proba]
    proba_sum = np.bincount(picked, weights=weights, minlength=n_bins)
    proba_n = np.bincount(picked, minlength=n_bins).astype(float)

    tests = n_bins * MAX_COLUMNS  # every bin of every explained column is a test
    sign = differs(real_n, syn_n, enc.real.n_rows, enc.synthetic.n_rows, tests, confidence)
    ranges = []
    for a, b in runs(sign, bins.ordered, n_bins):
        r, s = float(real_share[a : b + 1].sum()), float(syn_share[a : b + 1].sum())
        if abs(s - r) < MIN_GAP:
            continue
        count = proba_n[a : b + 1].sum()
        mean = float(proba_sum[a : b + 1].sum() / count) if count else None
        label = run_label(col, bins, a, b, enc.schema.kind_of(col))
        ranges.append((abs(s - r), a, b, label, r, s, mean))
    ranges.sort(key=lambda t: (-t[0], t[1]))

    keep = profile(real_share, syn_share, bins, [(t[1], t[2]) for t in ranges[:MAX_RANGES]])
    position = {b: i for i, b in enumerate(keep)}

    def bound(values: np.ndarray, b: int) -> float | None:
        return float(values[b]) if bins.ordered and not np.isnan(values[b]) else None

    named = tuple(
        DiffRange(
            label=label,
            share_real=r,
            share_synthetic=s,
            mean_proba=mean,
            text=range_sentence(label, r, s, mean),
            first=position.get(a, -1),
            last=position.get(b, -1),
            low=bound(bins.low, a),
            high=bound(bins.high, b),
        )
        for _, a, b, label, r, s, mean in ranges[:MAX_RANGES]
    )
    names = [bins.names[b] if b >= 0 else f"other levels ({-b})" for b in keep]
    real_bars = [float(real_share[b]) if b >= 0 else rest(real_share, keep) for b in keep]
    syn_bars = [float(syn_share[b]) if b >= 0 else rest(syn_share, keep) for b in keep]
    return ColumnExplanation(
        column=col,
        kind=enc.schema.kind_of(col).value,
        importance=float(importance),
        ranges=named,
        text=column_sentence(col, named),
        bars=tuple(names),
        real=tuple(real_bars),
        synthetic=tuple(syn_bars),
    )


def range_sentence(label: str, real: float, synthetic: float, mean_proba: float | None) -> str:
    """``age 60 to 70: 21% of synthetic rows vs 4.0% of real rows (the classifier gives these
    rows a 0.83 chance of being synthetic)``, or for a range the synthetic data lacks ``...: 15%
    of real rows vs 1.0% of synthetic rows, missing in the synthetic data (...)``."""
    sure = "" if mean_proba is None else (
        f" (the classifier gives these rows a {mean_proba:.2f} chance of being synthetic)"
    )  # fmt: skip
    if synthetic > real:
        return f"{label}: {fmt_share(synthetic)} of synthetic rows vs {fmt_share(real)} of real rows{sure}"
    lack = "missing in" if synthetic < real / 4 else "too rare in"
    return (
        f"{label}: {fmt_share(real)} of real rows vs {fmt_share(synthetic)} of synthetic rows, "
        f"{lack} the synthetic data{sure}"
    )


def column_sentence(col: str, ranges: tuple[DiffRange, ...]) -> str:
    """One column's explanation: its ranges' sentences, or why none is named."""
    if ranges:
        return "; ".join(r.text for r in ranges) + "."
    return (
        f"No range of {col} holds a share of synthetic rows that differs from its share of real "
        "rows beyond chance: what the classifier reads in it, if anything, lies in its relations "
        "with other columns."
    )


def lead_sentences(explanation: list[ColumnExplanation], n: int = 2) -> str:
    """The first range of the first ``n`` explained columns that have one, as the detection
    finding quotes them ("" when no column has a range)."""
    texts = [c.ranges[0].text for c in explanation if c.ranges][:n]
    return f"They differ most in {'; and in '.join(texts)}." if texts else ""


def explanation_json(explanation: list[ColumnExplanation]) -> list[dict[str, Any]]:
    """``detection.explanation`` of the JSON report: ``[{column, importance, ranges: [{label,
    share_real, share_synthetic, mean_proba, text}]}]``."""
    return [
        {
            "column": c.column,
            "importance": c.importance,
            "ranges": [
                {
                    "label": r.label,
                    "share_real": r.share_real,
                    "share_synthetic": r.share_synthetic,
                    "mean_proba": r.mean_proba,
                    "text": r.text,
                }
                for r in c.ranges
            ],
        }
        for c in explanation
    ]
