"""Pair trends: are the relations between columns kept in the synthetic data?

Every pair of analysed columns gets one score in [0, 1]:

- two numerical/datetime columns: **CorrelationSimilarity** ``1 - |r_real - r_synthetic| / 2``
  with Pearson's r (Spearman's with ``Options.correlation == "spearman"``), each on the rows
  where both values are present, as sdmetrics computes it;
- any other pair: **ContingencySimilarity** ``1 - TV`` between the real and synthetic joint
  frequencies, missing values counting as a category. Continuous columns are cut into the
  real data's ten bins (``Encoded.bins``) and the same bins are applied to the synthetic data.

Each pair also reports how strong the relation is: ``real`` and ``synthetic`` hold the two
correlations, or the two bias-corrected Cramer's V (Bergsma 2013) of the contingency tables,
measured on the levels that hold at least 1 % of the real rows (rarer levels merged; see
:func:`metrics.pair_stats.collapse_rare`), so that id-like and high-cardinality columns do
not show associations made of sampling noise.

Property score (SynthLens)
--------------------------
A weighted mean of the pair scores. A pair's strength is the larger of its real and
synthetic strengths (|r| or corrected V), so a relation the generator invents counts as much
as one it loses. Pairs weaker than :data:`NEGLIGIBLE` on both sides get weight 0: their
similarity only echoes the two marginals (already in column shapes) plus, for columns with
many levels, sampling noise that the uncorrected statistics mistake for a trend. Above it the
weight grows linearly and reaches 1 at :data:`FULL_WEIGHT`. NaN when no pair has weight.

Property score (``Options.sdmetrics_compatible``)
-------------------------------------------------
sdmetrics' QualityReport (0.32): continuous columns in mixed pairs are binned on each side's
own range, and only pairs with ``|r_real| > 0.5`` or uncorrected Cramer's V ``> 0.3`` count
(weight 1, the others 0); the score is their plain mean. ``score`` in the details is filled
for every pair, where sdmetrics leaves NaN for the pairs it does not count.

Findings
--------
A relation is lost (or invented) when the strengths differ by at least :data:`GAP_LOW` (low),
:data:`GAP_MEDIUM` (medium) or :data:`GAP_HIGH` (high severity) and by more than the pair's
``noise``, the difference sampling alone can make: ``4 * sqrt(1/n + 1/m)`` for correlations,
and for associations the corrected V that a three-standard-deviation chi-squared excess
would give on each side (:func:`metrics.pair_stats.association_noise`), combined. A column
involved in two or more such pairs gets one finding naming its partners instead of one per
pair.

Each pair is measured in :mod:`metrics.pairs_measure`; this module weighs, scores and words them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from metrics.encode import Encoded
from metrics.options import Options
from metrics.pairs_measure import Pair, contingencies, correlations
from metrics.results import (
    SEVERITY_ORDER,
    Finding,
    MetricResult,
    Progress,
    Severity,
    no_progress,
    typed_extra,
)

NAME = "pair_trends"
NEGLIGIBLE = 0.05  # strength below which a pair carries no trend to keep
FULL_WEIGHT = 0.2  # strength from which a pair counts fully
GAP_LOW, GAP_MEDIUM, GAP_HIGH = 0.15, 0.25, 0.4  # strength differences behind findings
MAX_PARTNERS_NAMED = 4
# Pairs grow with the square of the columns: 2,000 columns are 2 million pairs (minutes and a
# report of hundreds of MB). Beyond this many columns a seeded sample of columns is paired.
MAX_PAIR_COLUMNS = 120

_COLUMNS = [
    "column_a",
    "column_b",
    "metric",
    "score",
    "real",
    "synthetic",
    "weight",
    "sdmetrics_association",
    "n_real",
    "n_synthetic",
    "noise",
    "error",
]


@dataclass(frozen=True)
class PairsInfo:
    """What :func:`pair_trends` reports besides its score: the ``extra`` of its result.

    Attributes
    ----------
    mode:
        ``"synthlens"`` or ``"sdmetrics_compatible"`` (how the pairs were weighed).
    correlation:
        ``"pearson"`` or ``"spearman"``, the correlation of two numbers.
    pairs_counted:
        Pairs with a weight above 0 in the score.
    sample_note:
        What the user should know when only a sample of the columns is paired ("" otherwise).
    """

    mode: Literal["synthlens", "sdmetrics_compatible"] = "synthlens"
    correlation: str = "pearson"
    pairs_counted: int = 0
    sample_note: str = ""


def info(result: MetricResult | None) -> PairsInfo:
    """The :class:`PairsInfo` of a pair-trends result; the defaults when there is none (the
    metric was skipped, or the suite caught it failing)."""
    return typed_extra(result, PairsInfo)


def pair_columns(enc: Encoded, seed: int) -> list[str]:
    """The analysed columns that are paired, in schema order: all of them, or a seeded sample
    of :data:`MAX_PAIR_COLUMNS` on wide tables (see :func:`pair_sample_note`)."""
    cols = list(enc.analysed)
    if len(cols) <= MAX_PAIR_COLUMNS:
        return cols
    keep = np.random.default_rng(seed).choice(len(cols), MAX_PAIR_COLUMNS, replace=False)
    return [cols[i] for i in sorted(keep)]


def pair_sample_note(n_columns: int) -> str:
    """What the user should know when only a sample of the columns is paired ("" otherwise)."""
    if n_columns <= MAX_PAIR_COLUMNS:
        return ""
    n = MAX_PAIR_COLUMNS
    return (
        f"Pair trends use a seeded sample of {n} of the {n_columns:,} analysed columns "
        f"({n * (n - 1) // 2:,} pairs instead of {n_columns * (n_columns - 1) // 2:,}), so the "
        "pair score is an estimate and pairs outside the sample are not checked."
    )


def _strength(pair: Pair, value: float) -> float:
    return abs(value) if np.isfinite(value) else 0.0


def synthlens_weight(pair: Pair) -> float:
    """Weight of a pair in the SynthLens property score (see the module docstring)."""
    if not np.isfinite(pair.score):
        return 0.0
    strength = max(_strength(pair, pair.real), _strength(pair, pair.synthetic))
    if strength < NEGLIGIBLE:
        return 0.0
    return min(1.0, strength / FULL_WEIGHT)


def pair_trends_table(
    enc: Encoded, options: Options | None = None, progress: Progress = no_progress
) -> pd.DataFrame:
    """One details row per pair of analysed columns, in schema order.

    Columns: column_a, column_b, metric ("CorrelationSimilarity"/"ContingencySimilarity"),
    score, real and synthetic (correlations, or bias-corrected Cramer's V), weight (its share
    in the property score), sdmetrics_association (uncorrected Cramer's V of the real table,
    compatible mode only), n_real and n_synthetic (rows behind the statistic), noise (the
    difference between real and synthetic strength that sampling alone can make), error.
    """
    options = options or Options()
    cols = pair_columns(enc, options.seed)
    progress(0.0, "Pair trends: correlations")
    pairs = correlations(enc, options, cols)
    progress(0.4, "Pair trends: contingency tables")
    pairs.update(contingencies(enc, options, progress, cols))
    rows = []
    for a, b in itertools.combinations(cols, 2):
        pair = pairs[(a, b)]
        if not options.sdmetrics_compatible:
            pair.weight = synthlens_weight(pair)
        rows.append({c: getattr(pair, c.replace("column_", "")) for c in _COLUMNS})
    progress(1.0, "Pair trends: done")
    return pd.DataFrame(rows, columns=_COLUMNS)


def pair_trends_score(table: pd.DataFrame) -> float:
    """Weighted mean of the pair scores (weights from :func:`pair_trends_table`)."""
    if table.empty:
        return float("nan")
    ok = table["score"].notna() & (table["weight"] > 0)
    if not ok.any():
        return float("nan")
    return float(np.average(table.loc[ok, "score"], weights=table.loc[ok, "weight"]))


def _gap_severity(gap: float, noise: float) -> Severity | None:
    if not np.isfinite(gap) or gap < GAP_LOW or not gap > noise:
        return None
    return "high" if gap >= GAP_HIGH else "medium" if gap >= GAP_MEDIUM else "low"


def _how(row: pd.Series) -> str:
    r, s = row["real"], row["synthetic"]
    if row["metric"] == "CorrelationSimilarity" and r * s < 0 and min(abs(r), abs(s)) >= 0.1:
        return "reversed"
    return "weaker" if abs(s) < abs(r) else "stronger"


def pair_findings(table: pd.DataFrame) -> list[Finding]:
    """Findings for lost or invented relations, one per column when a column has several."""
    flagged = []
    for _, row in table.iterrows():
        gap = abs(row["real"] - row["synthetic"])
        sev = _gap_severity(gap, row["noise"])
        if sev:
            flagged.append((row, sev))
    findings = []
    while True:
        counts: dict[str, list] = {}
        for row, sev in flagged:
            for c in (row["column_a"], row["column_b"]):
                counts.setdefault(c, []).append((row, sev))
        if not counts:
            break
        col, hits = max(
            counts.items(),
            key=lambda kv: (len(kv[1]), sum(abs(r["real"] - r["synthetic"]) for r, _ in kv[1])),
        )
        if len(hits) < 2:
            break
        findings.append(_group_finding(col, hits))
        used = {id(r) for r, _ in hits}
        flagged = [(r, s) for r, s in flagged if id(r) not in used]
    findings.extend(_pair_finding(row, sev) for row, sev in flagged)
    return findings


def _pair_finding(row: pd.Series, severity: Severity) -> Finding:
    a, b = row["column_a"], row["column_b"]
    if row["metric"] == "CorrelationSimilarity":
        what, sim = "correlation", "correlation similarity"
    else:
        what, sim = "association (Cramér's V)", "contingency similarity"
    return Finding(
        kind="pair",
        severity=severity,
        columns=(a, b),
        metric=NAME,
        score=float(row["score"]),
        message=(
            f"{a} & {b}: their {what} is {_how(row)} in the synthetic data: "
            f"{row['real']:.2f} real vs {row['synthetic']:.2f} synthetic "
            f"({sim} {row['score']:.2f})."
        ),
    )


def _group_finding(col: str, hits: list) -> Finding:
    hits = sorted(hits, key=lambda h: -abs(h[0]["real"] - h[0]["synthetic"]))
    parts = []
    for row, _ in hits[:MAX_PARTNERS_NAMED]:
        other = row["column_b"] if row["column_a"] == col else row["column_a"]
        what = "correlation" if row["metric"] == "CorrelationSimilarity" else "association"
        parts.append(f"{other} ({what} {row['real']:.2f} real vs {row['synthetic']:.2f} synthetic)")
    more = len(hits) - MAX_PARTNERS_NAMED
    listed = ", ".join(parts) + (f", and {more} more" if more > 0 else "")
    partners = tuple(
        row["column_b"] if row["column_a"] == col else row["column_a"] for row, _ in hits
    )
    severity = min((s for _, s in hits), key=lambda s: SEVERITY_ORDER[s])
    return Finding(
        kind="pair",
        severity=severity,
        columns=(col, *partners),
        metric=NAME,
        score=float(min(row["score"] for row, _ in hits)),
        message=(
            f"{col}: its relations with {len(hits)} other columns are not kept in the "
            f"synthetic data: {listed}."
        ),
    )


def pair_trends(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """The ``pair_trends`` metric: one score per pair, a weighted mean as the score."""
    table = pair_trends_table(enc, options, progress)
    score = pair_trends_score(table)
    error = None
    if table.empty:
        error = "fewer than two numerical, date, categorical or boolean columns"
    elif not np.isfinite(score):
        error = "no pair of columns has a relation to compare"
    return MetricResult(
        name=NAME,
        family="fidelity",
        score=score,
        raw=score,
        details=table,
        findings=pair_findings(table) if not table.empty else [],
        error=error,
        extra=PairsInfo(
            mode="sdmetrics_compatible" if options.sdmetrics_compatible else "synthlens",
            correlation=options.correlation,
            pairs_counted=int((table["weight"] > 0).sum()) if not table.empty else 0,
            sample_note=pair_sample_note(len(enc.analysed)),
        ),
    )
