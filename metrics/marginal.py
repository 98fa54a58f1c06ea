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

import math
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.encode import Encoded
from metrics.pair_stats import parallel_map
from metrics.registry import Options, register
from metrics.results import Finding, MetricResult, Progress, Severity, no_progress
from metrics.schema import Kind
from metrics.schema_dates import date_text

NAME = "column_shapes"
ANALYSED_KINDS = (Kind.NUMERICAL, Kind.DATETIME, Kind.CATEGORICAL, Kind.BOOLEAN)
MAX_DECIMALS = sys.float_info.dig - 1  # sdmetrics rounds to this many decimals before KS
TV_REGULARISATION = 1e-6  # sdmetrics' pseudo-count for categories the real data lacks
HIGH, MEDIUM, LOW = 0.7, 0.85, 0.92  # score thresholds of the finding severities
KS_CRITICAL = 1.95  # c(alpha) of the two-sample KS test at alpha = 0.001
_EDGES = 2048  # evaluation edges per side and round in ks_statistic's bounding passes
_SCIPY_EXACT_N = 10_000  # ks_2samp's 'auto' mode snaps D to a multiple of 1/lcm up to this size


def sorted_values(values: np.ndarray) -> np.ndarray:
    """Non-missing values sorted and rounded as sdmetrics' KSComplement rounds them."""
    out = np.sort(values)
    n_valid = len(out) - int(np.isnan(out).sum())  # NaN sorts last
    out = out[:n_valid]
    return np.round(out, MAX_DECIMALS, out=out)


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(lo[i], hi[i])`` over i, vectorised."""
    lengths = np.maximum(hi - lo, 0)
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
    return np.arange(total, dtype=np.int64) + starts


def _diffs(rs: np.ndarray, ss: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``F_real(x) - F_synthetic(x)`` at ``points``, computed exactly as scipy does."""
    cr = np.searchsorted(rs, points, side="right")
    cs = np.searchsorted(ss, points, side="right")
    return cr / len(rs) - cs / len(ss)


def ks_statistic(rs: np.ndarray, ss: np.ndarray) -> float:
    """Two-sample KS statistic of two sorted samples, equal to ``scipy.stats.ks_2samp``'s.

    scipy evaluates ``F_real - F_synthetic`` at every one of the n + m points, two binary
    searches per point. Here it is evaluated at a few thousand quantile edges first; between
    two edges it can move only by the share of points in between, which bounds it, and only
    the intervals whose bound beats the best value found so far are looked into, with finer
    edges, until few points are left to evaluate one by one. The bounds use the same
    (monotone) float operations as the values, so the result is scipy's to the last bit.
    """
    nr, ns = len(rs), len(ss)
    if nr == 0 or ns == 0:
        return float("nan")
    if nr + ns <= 4 * _EDGES:
        d = _diffs(rs, ss, np.concatenate([rs, ss]))
        return _as_scipy(max(np.clip(-d.min(), 0, 1), d.max()), nr, ns)
    if nr == ns and np.array_equal(rs, ss):
        return 0.0  # every interval would need a look; the answer is known
    take_r = np.linspace(0, nr - 1, _EDGES).astype(np.int64)
    take_s = np.linspace(0, ns - 1, _EDGES).astype(np.int64)
    edges = np.unique(np.concatenate([rs[take_r], ss[take_s]]))  # includes both extremes
    counts = _counts(rs, ss, edges)
    at_edges = counts[1] / nr - counts[3] / ns
    best_max, best_min = at_edges.max(), at_edges.min()
    # candidate[k]: the points strictly between edges k and k+1 may still hold the maximum.
    candidate = np.ones(len(edges), dtype=bool)
    candidate[-1] = False
    while True:
        r_left, r_right, s_left, s_right = counts
        lo, hi = np.arange(len(edges) - 1), np.arange(1, len(edges))
        upper = r_left[hi] / nr - s_right[lo] / ns
        lower = r_right[lo] / nr - s_left[hi] / ns
        candidate[:-1] &= (upper > best_max) | (lower < best_min)
        open_ = np.flatnonzero(candidate)
        inside_r = _ranges(r_right[open_], r_left[open_ + 1])
        inside_s = _ranges(s_right[open_], s_left[open_ + 1])
        left = len(inside_r) + len(inside_s)
        if left <= 4 * _EDGES:
            break
        # Finer edges inside the open intervals only.
        step = max(2, left // _EDGES)
        new = np.unique(np.concatenate([rs[inside_r[::step]], ss[inside_s[::step]]]))
        new_counts = _counts(rs, ss, new)
        at_new = new_counts[1] / nr - new_counts[3] / ns
        best_max, best_min = max(best_max, at_new.max()), min(best_min, at_new.min())
        owner = np.concatenate([np.arange(len(edges)), np.searchsorted(edges, new) - 1])
        order = np.argsort(np.concatenate([edges, new]), kind="stable")
        edges = np.concatenate([edges, new])[order]
        counts = np.concatenate([counts, new_counts], axis=1)[:, order]
        candidate = candidate[owner[order]]
        candidate[-1] = False
    if left:
        d = _diffs(rs, ss, np.concatenate([rs[inside_r], ss[inside_s]]))
        best_max, best_min = max(best_max, d.max()), min(best_min, d.min())
    return _as_scipy(max(np.clip(-best_min, 0, 1), best_max), nr, ns)


def _counts(rs: np.ndarray, ss: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Points of each sample below / at or below each edge: rows r_left, r_right, s_left, s_right."""
    return np.stack(
        [
            np.searchsorted(rs, edges, side="left"),
            np.searchsorted(rs, edges, side="right"),
            np.searchsorted(ss, edges, side="left"),
            np.searchsorted(ss, edges, side="right"),
        ]
    )


def _as_scipy(d: float, n1: int, n2: int) -> float:
    """D as ks_2samp returns it: on small samples its exact mode rounds D to k / lcm(n1, n2)."""
    if max(n1, n2) <= _SCIPY_EXACT_N:
        lcm = (n1 // math.gcd(n1, n2)) * n2
        d = int(np.round(d * lcm)) * 1.0 / lcm
    return float(d)


def ks_complement(real: np.ndarray, synthetic: np.ndarray) -> float:
    """``sdmetrics.single_column.KSComplement`` of two float arrays (NaN = missing).

    Returns NaN when a side has no values.
    """
    return 1.0 - ks_statistic(sorted_values(real), sorted_values(synthetic))


def category_counts(codes: np.ndarray, n_levels: int) -> np.ndarray:
    """Count of each category code (missing codes left out)."""
    return np.bincount(codes.astype(np.int64) + 1, minlength=n_levels + 1)[1:]


def tv_from_counts(real_counts: np.ndarray, synthetic_counts: np.ndarray) -> float:
    """``sdmetrics.single_column.TVComplement`` from aligned category counts.

    Raises ``ValueError`` when a side has no values, as sdmetrics does.
    """
    nr, ns = real_counts.sum(), synthetic_counts.sum()
    if nr == 0 or ns == 0:
        raise ValueError("TVComplement needs at least one non-missing value on each side")
    # sdmetrics adds 1e-6 to the real count of every category only the synthetic data has,
    # which also enlarges the real total.
    reg = np.where((real_counts == 0) & (synthetic_counts > 0), TV_REGULARISATION, 0.0)
    f_exp = (real_counts + reg) / (nr + reg.sum())
    f_obs = synthetic_counts / ns
    return float(np.clip(1.0 - 0.5 * np.abs(f_obs - f_exp).sum(), 0.0, 1.0))


def tv_complement(real_codes: np.ndarray, synthetic_codes: np.ndarray, n_levels: int) -> float:
    """``sdmetrics.single_column.TVComplement`` of two code arrays sharing ``n_levels`` levels.

    Raises ``ValueError`` when a side has no values.
    """
    return tv_from_counts(
        category_counts(real_codes, n_levels), category_counts(synthetic_codes, n_levels)
    )


def quantile_sorted(values: np.ndarray, q: float) -> float:
    """``np.quantile(values, q)`` (linear) of an already sorted array, in O(1)."""
    if len(values) == 0:
        return float("nan")
    pos = q * (len(values) - 1)
    lo = int(np.floor(pos))
    hi = min(lo + 1, len(values) - 1)
    return float(values[lo] + (values[hi] - values[lo]) * (pos - lo))


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


@register(
    NAME,
    family="fidelity",
    goal="Does each column's distribution match the real one? 1 = same distribution.",
    kinds=ANALYSED_KINDS,
    result="columns",
    weight=2.0,
)
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
    "column_shapes",
    "column_shapes_score",
    "column_shapes_table",
    "ks_complement",
    "ks_statistic",
    "sorted_values",
    "tv_complement",
    "tv_from_counts",
]
