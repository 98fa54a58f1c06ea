"""Column shapes: does each column's distribution look like the real one?

Numerical and datetime columns get the KS complement (``1 - D``, D the two-sample
Kolmogorov-Smirnov statistic), categorical and boolean columns the TV complement (``1 -`` the
total variation distance between the category frequencies). Both equal
``sdmetrics.single_column.KSComplement`` / ``TVComplement`` to within 1e-9, NaN handling
included: missing values are dropped (the ``missing_values`` metric compares them), values are
rounded to 14 decimals before the KS test, and TVComplement's 1e-6 regularisation of
categories only the synthetic data has is kept. The metric's score is the mean over columns,
as sdmetrics' "Column Shapes" property.

Findings
--------
One per column whose score is below :data:`LOW` (low), :data:`MEDIUM` (medium) or
:data:`HIGH` (high severity), provided the departure is larger than sampling noise alone
would give: the KS statistic must exceed its 0.1 % critical value
``1.95 * sqrt((n + m) / (n m))`` and the TV distance twice the distance two samples of the
real frequencies would show. The sentence says what kind of departure it is (shifted, more
spread out, more concentrated, or shaped differently) with the medians and spreads, or which
category's share differs most.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.encode import Encoded
from metrics.marginal_stats import (
    category_counts,
    ks_complement,
    ks_statistic,
    quantile_sorted,
    sorted_values,
    tv_complement,
    tv_from_counts,
)
from metrics.options import Options
from metrics.pair_stats import parallel_map
from metrics.results import Finding, MetricResult, Progress, Severity, no_progress
from metrics.schema import Kind
from metrics.schema_dates import date_text

NAME = "column_shapes"
ANALYSED_KINDS = (Kind.NUMERICAL, Kind.DATETIME, Kind.CATEGORICAL, Kind.BOOLEAN)
HIGH, MEDIUM, LOW = 0.7, 0.85, 0.92  # score thresholds of the finding severities
KS_CRITICAL = 1.95  # c(alpha) of the two-sample KS test at alpha = 0.001


def fmt_value(value: float, kind: Kind) -> str:
    """A number or a date as a person writes it."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if kind is Kind.DATETIME:
        return date_text(value)
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 10 or value == round(value):
        return f"{value:.1f}".removesuffix(".0")
    return f"{value:.3g}"


def fmt_share(share: float) -> str:
    """A share as a percentage with the precision it needs."""
    pct = 100 * share
    return f"{pct:.0f}%" if pct >= 10 or pct == 0 else f"{pct:.1f}%" if pct >= 1 else f"{pct:.2f}%"


def severity_of(
    score: float, high: float = HIGH, medium: float = MEDIUM, low: float = LOW
) -> Severity | None:
    """Severity of a score against three thresholds (None when above all of them)."""
    if not np.isfinite(score) or score >= low:
        return None
    return "high" if score < high else "medium" if score < medium else "low"


@dataclass
class _Column:
    row: dict
    finding: Finding | None


def _continuous(enc: Encoded, col: str, kind: Kind) -> _Column:
    rs = sorted_values(enc.real.numeric[col])
    ss = sorted_values(enc.synthetic.numeric[col])
    stat = ks_statistic(rs, ss)
    score = 1.0 - stat
    med_r, med_s = quantile_sorted(rs, 0.5), quantile_sorted(ss, 0.5)
    iqr_r = quantile_sorted(rs, 0.75) - quantile_sorted(rs, 0.25)
    iqr_s = quantile_sorted(ss, 0.75) - quantile_sorted(ss, 0.25)
    row = {
        "score": score,
        "statistic": stat,
        "real_median": med_r,
        "synthetic_median": med_s,
        "real_iqr": iqr_r,
        "synthetic_iqr": iqr_s,
        "n_real": len(rs),
        "n_synthetic": len(ss),
        "error": None if np.isfinite(score) else "no values on one side to compare",
    }
    finding = None
    severity = severity_of(score)
    n, m = len(rs), len(ss)
    if severity and stat > KS_CRITICAL * np.sqrt((n + m) / (n * m)):
        spread = iqr_r if iqr_r > 0 else (rs[-1] - rs[0]) or 1.0
        shift = (med_s - med_r) / spread
        ratio = iqr_s / iqr_r if iqr_r > 0 else np.inf if iqr_s > 0 else 1.0
        if abs(shift) >= 0.25:
            what = f"shifted {'higher' if shift > 0 else 'lower'}"
            facts = f"real median {fmt_value(med_r, kind)}, synthetic {fmt_value(med_s, kind)}"
        elif ratio > 1.25 or ratio < 0.8:
            what = "more spread out" if ratio > 1 else "more concentrated"
            facts = (
                f"middle half spans {_span(iqr_r, kind)} in the real data, "
                f"{_span(iqr_s, kind)} in the synthetic"
            )
        else:
            what = "shaped differently"
            facts = f"real median {fmt_value(med_r, kind)}, synthetic {fmt_value(med_s, kind)}"
        finding = Finding(
            kind="marginal",
            severity=severity,
            columns=(col,),
            metric=NAME,
            score=score,
            message=f"{col}: synthetic values are {what}: KS complement {score:.2f} ({facts}).",
        )
    return _Column(row, finding)


def _span(width: float, kind: Kind) -> str:
    if kind is Kind.DATETIME:
        return f"{width / 86_400e9:,.0f} days"
    return fmt_value(width, Kind.NUMERICAL)


def _discrete(enc: Encoded, col: str) -> _Column:
    levels = enc.categories[col]
    cr = category_counts(enc.real.codes[col], len(levels))
    cs = category_counts(enc.synthetic.codes[col], len(levels))
    nr, ns = int(cr.sum()), int(cs.sum())
    row: dict = {"n_real": nr, "n_synthetic": ns, "error": None}
    try:
        score = tv_from_counts(cr, cs)
    except ValueError as exc:
        row.update(score=np.nan, statistic=np.nan, error=str(exc))
        return _Column(row, None)
    pr, ps = cr / nr, cs / ns
    gap = int(np.argmax(np.abs(pr - ps)))
    row.update(
        score=score,
        statistic=1.0 - score,
        top_gap_category=levels[gap],
        top_gap_real=float(pr[gap]),
        top_gap_synthetic=float(ps[gap]),
    )
    # Expected TV between two samples of the real frequencies (normal approximation).
    noise = 0.5 * np.sqrt(2 / np.pi) * np.sqrt(pr * (1 - pr) * (1 / nr + 1 / ns)).sum()
    severity = severity_of(score)
    finding = None
    if severity and (1.0 - score) > 2 * noise:
        finding = Finding(
            kind="marginal",
            severity=severity,
            columns=(col,),
            metric=NAME,
            score=score,
            message=(
                f"{col}: category frequencies differ: TV complement {score:.2f} (largest gap: "
                f"'{levels[gap]}' is {fmt_share(pr[gap])} of real rows, "
                f"{fmt_share(ps[gap])} of synthetic)."
            ),
        )
    return _Column(row, finding)


_COLUMNS = [
    "column",
    "kind",
    "metric",
    "score",
    "statistic",
    "real_median",
    "synthetic_median",
    "real_iqr",
    "synthetic_iqr",
    "top_gap_category",
    "top_gap_real",
    "top_gap_synthetic",
    "n_real",
    "n_synthetic",
    "error",
]


def column_shapes_table(
    enc: Encoded, progress: Progress = no_progress
) -> tuple[pd.DataFrame, list[Finding]]:
    """Per-column shape scores (one details row per analysed column) and their findings.

    Details columns: column, kind, metric ("KSComplement"/"TVComplement"), score, statistic
    (the KS statistic or TV distance), medians and interquartile ranges (continuous columns),
    the category whose share differs most with both shares (discrete columns), the number of
    non-missing values per side, and error.
    """
    rows, findings = [], []
    columns = enc.analysed

    def one(col: str) -> tuple[str, _Column]:
        kind = enc.schema.kind_of(col)
        metric = "KSComplement" if kind in (Kind.NUMERICAL, Kind.DATETIME) else "TVComplement"
        try:
            out = _continuous(enc, col, kind) if metric == "KSComplement" else _discrete(enc, col)
        except Exception as exc:  # noqa: BLE001 - one bad column must not abort the others
            out = _Column({"score": np.nan, "error": f"{type(exc).__name__}: {exc}"}, None)
        return metric, out

    for i, (col, (metric, out)) in enumerate(zip(columns, parallel_map(one, columns), strict=True)):
        kind = enc.schema.kind_of(col)
        rows.append({"column": col, "kind": str(kind), "metric": metric, **out.row})
        if out.finding:
            findings.append(out.finding)
        progress((i + 1) / max(1, len(columns)), f"Column shapes: {col}")
    table = pd.DataFrame(rows, columns=_COLUMNS)
    return table, findings


def column_shapes_score(table: pd.DataFrame) -> float:
    """Mean of the column scores, skipping NaN (sdmetrics' "Column Shapes" property)."""
    if table.empty:
        return float("nan")
    return float(table["score"].mean())


def column_shapes(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """The ``column_shapes`` metric: KS/TV complement per column, mean as the score."""
    table, findings = column_shapes_table(enc, progress)
    score = column_shapes_score(table)
    return MetricResult(
        name=NAME,
        family="fidelity",
        score=score,
        raw=score,
        details=table,
        findings=findings,
        error=None if not table.empty else "no numerical, date, categorical or boolean columns",
    )


__all__ = [
    "category_counts",
    "column_shapes",
    "column_shapes_score",
    "column_shapes_table",
    "ks_complement",
    "ks_statistic",
    "quantile_sorted",
    "sorted_values",
    "tv_complement",
    "tv_from_counts",
]
