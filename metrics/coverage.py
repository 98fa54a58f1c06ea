"""Missing values, coverage and validity, per column; summary statistics side by side.

Three registered metrics (family ``"coverage"``, one details row per column):

``missing_values``
    Share of missing values per column on each side; column score ``1 - |real - synthetic|``
    (sdmetrics' MissingValueSimilarity). Every column of the schema counts, id and text too.
``coverage``
    Categorical/boolean: share of the real categories that the synthetic data produces
    (sdmetrics' CategoryCoverage). Numerical/datetime: share of the real range covered,
    ``1 - (max(0, min_s - min_r) + max(0, max_r - max_s)) / (max_r - min_r)`` clipped at 0
    (sdmetrics' RangeCoverage; NaN for a constant real column). Details also give the share
    of real rows whose category is never generated or whose value lies outside the
    synthetic range, which is what the findings use.
``validity``
    Share of the non-missing synthetic values that are valid: readable as the column's kind
    and inside the real range, or among the real categories (sdmetrics' BoundaryAdherence /
    CategoryAdherence, with unreadable values counted invalid).

Each metric's score is the mean of its column scores.

Findings and their severities (low / medium / high)
---------------------------------------------------
- ``missing_values``: missing shares differ by 2 / 10 / 25 points, and by more than three
  standard errors of the difference.
- ``missing_category`` and ``range_not_covered``: the real rows whose category is never
  generated, or whose value lies outside the synthetic range, make up 1 % / 5 % / 20 % of
  the real rows, and more than a sample of the synthetic size drawn from the real data
  would miss by chance (categories: twice the expected missed share; ranges: five times
  ``2 / (m + 1)``, the mass m draws leave beyond their extremes, plus three binomial
  standard errors).
- ``invalid_values``: 0.1 % / 1 % / 5 % of the synthetic values are invalid, and more than
  three times the share that new draws from the real distribution would show by chance
  (for categories the Good-Turing estimate of the unseen mass, ``(real singletons + 1) /
  (real rows + 1)``;
  for ranges ``2 / (n + 1)``, the chance of falling beyond the sample's extremes). The
  finding lists (up to :data:`MAX_ROWS`) the synthetic rows holding them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from metrics.encode import MISSING, Encoded, Side
from metrics.marginal import ANALYSED_KINDS, category_counts, fmt_share, fmt_value
from metrics.registry import Options, register
from metrics.results import Finding, MetricResult, Progress, Severity
from metrics.schema import Kind
from metrics.summary import summary_statistics

MAX_ROWS = 50  # synthetic rows quoted in a validity finding
MAX_NAMED = 3  # categories named in a message
MISSING_GAPS = (0.02, 0.10, 0.25)
UNCOVERED_SHARES = (0.01, 0.05, 0.20)
INVALID_SHARES = (0.001, 0.01, 0.05)

_ALL_KINDS = (Kind.NUMERICAL, Kind.DATETIME, Kind.CATEGORICAL, Kind.BOOLEAN, Kind.ID, Kind.TEXT)


def _severity(value: float, limits: tuple[float, float, float]) -> Severity | None:
    low, medium, high = limits
    if not np.isfinite(value) or value < low:
        return None
    return "high" if value >= high else "medium" if value >= medium else "low"


def missing_count(side: Side, col: str, kind: Kind) -> int:
    """Missing values of one column on one side (unreadable values are not missing)."""
    if kind in (Kind.NUMERICAL, Kind.DATETIME):
        return int(np.isnan(side.numeric[col]).sum()) - side.unparsed.get(col, 0)
    if kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
        return int((side.codes[col] == MISSING).sum())
    return int(sum(v is None for v in side.strings[col]))


def _finite_range(values: np.ndarray) -> tuple[float, float]:
    return float(np.fmin.reduce(values, initial=np.inf)), float(
        np.fmax.reduce(values, initial=-np.inf)
    )


def _mean_score(table: pd.DataFrame) -> float:
    return (
        float(table["score"].mean())
        if not table.empty and table["score"].notna().any()
        else float("nan")
    )


def missing_values_table(enc: Encoded) -> tuple[pd.DataFrame, list[Finding]]:
    """Missing shares per column (details: column, kind, real, synthetic, score, error)."""
    rows, findings = [], []
    nr, ns = enc.real.n_rows, enc.synthetic.n_rows
    for spec in enc.schema.columns:
        col, kind = spec.name, spec.kind
        row: dict[str, Any] = {
            "column": col,
            "kind": str(kind),
            "real": np.nan,
            "synthetic": np.nan,
            "score": np.nan,
            "error": None,
        }
        if nr == 0 or ns == 0:
            row["error"] = "no rows on one side"
            rows.append(row)
            continue
        pr, ps = (
            missing_count(enc.real, col, kind) / nr,
            missing_count(enc.synthetic, col, kind) / ns,
        )
        row.update(real=pr, synthetic=ps, score=1.0 - abs(pr - ps))
        rows.append(row)
        pooled = (pr * nr + ps * ns) / (nr + ns)
        noise = 3 * np.sqrt(pooled * (1 - pooled) * (1 / nr + 1 / ns))
        sev = _severity(abs(pr - ps), MISSING_GAPS)
        if sev and abs(pr - ps) > noise:
            findings.append(
                Finding(
                    kind="missing_values",
                    severity=sev,
                    columns=(col,),
                    metric="missing_values",
                    score=row["score"],
                    message=(
                        f"{col}: {fmt_share(pr)} of values are missing in the real data, "
                        f"{fmt_share(ps)} in the synthetic."
                    ),
                )
            )
    return pd.DataFrame(
        rows, columns=["column", "kind", "real", "synthetic", "score", "error"]
    ), findings


_COVERAGE_COLUMNS = [
    "column",
    "kind",
    "score",
    "real_categories",
    "covered_categories",
    "uncovered_share",
    "real_min",
    "real_max",
    "synthetic_min",
    "synthetic_max",
    "error",
]


def _category_coverage(enc: Encoded, col: str) -> tuple[dict, Finding | None]:
    levels, n_real = enc.categories[col], enc.n_real_levels[col]
    cr = category_counts(enc.real.codes[col], len(levels))[:n_real]
    cs = category_counts(enc.synthetic.codes[col], len(levels))[:n_real]
    row: dict[str, Any] = {"real_categories": n_real, "covered_categories": int((cs > 0).sum())}
    if n_real == 0:
        row.update(score=np.nan, error="no categories in the real data")
        return row, None
    share = cr / cr.sum()
    missed = cs == 0
    row.update(score=row["covered_categories"] / n_real, uncovered_share=float(share[missed].sum()))
    # What a sample of the synthetic size would miss by chance alone.
    chance = float((share * (1 - share) ** int(cs.sum())).sum()) if cs.sum() else 1.0
    sev = _severity(row["uncovered_share"], UNCOVERED_SHARES)
    if not sev or row["uncovered_share"] <= 2 * chance:
        return row, _scarce_categories(col, levels, share, cs)
    order = np.flatnonzero(missed)[np.argsort(-cr[missed], kind="stable")]
    named = ", ".join(f"'{levels[i]}'" for i in order[:MAX_NAMED])
    count = int(missed.sum())
    what = (
        f"{count:,} of {n_real:,} real categories never appear"
        if count > 1
        else f"the real category {named} never appears"
    )
    example = f", e.g. {named}" if count > 1 else ""
    return row, Finding(
        kind="missing_category",
        severity=sev,
        columns=(col,),
        metric="coverage",
        score=row["score"],
        message=(
            f"{col}: {what} in the synthetic data ({fmt_share(row['uncovered_share'])} "
            f"of real rows){example}."
        ),
    )


SCARCE_RATIO = 0.25  # a category generated at under a quarter of its real share is scarce
SCARCE_MIN_EXPECTED = 10  # synthetic rows the real share predicts, so chance cannot explain it


def _scarce_categories(
    col: str, levels: list[str], share: np.ndarray, syn_counts: np.ndarray
) -> Finding | None:
    """A finding for real categories the synthetic data generates far too rarely (but not
    never: that is ``missing_category``), e.g. 0.5 % of synthetic rows against 5.6 % of real."""
    n_syn = int(syn_counts.sum())
    if n_syn == 0:
        return None
    expected = share * n_syn
    scarce = (
        (syn_counts > 0)
        & (expected >= SCARCE_MIN_EXPECTED)
        & (syn_counts < SCARCE_RATIO * expected)
    )
    lost = float((share[scarce] - syn_counts[scarce] / n_syn).sum())
    sev = _severity(lost, UNCOVERED_SHARES)
    if not scarce.any() or not sev:
        return None
    order = np.flatnonzero(scarce)[np.argsort(-share[scarce], kind="stable")]
    parts = [f"'{levels[i]}' {fmt_share(syn_counts[i] / n_syn)} of synthetic rows against "
             f"{fmt_share(share[i])} of real rows" for i in order[:MAX_NAMED]]  # fmt: skip
    return Finding(
        kind="scarce_category",
        severity=sev,
        columns=(col,),
        metric="coverage",
        score=float(1 - lost),
        message=f"{col}: categories generated far too rarely: {'; '.join(parts)}.",
    )


def _range_coverage(enc: Encoded, col: str, kind: Kind) -> tuple[dict, Finding | None]:
    real, syn = enc.real.numeric[col], enc.synthetic.numeric[col]
    lo_r, hi_r = _finite_range(real)
    lo_s, hi_s = _finite_range(syn)
    row: dict[str, Any] = {
        "real_min": lo_r,
        "real_max": hi_r,
        "synthetic_min": lo_s,
        "synthetic_max": hi_s,
    }
    if not np.isfinite(lo_r) or not np.isfinite(lo_s):
        row.update(score=np.nan, error="no values on one side")
        return row, None
    n_real = int((~np.isnan(real)).sum())
    outside = int(((real < lo_s) | (real > hi_s)).sum())
    row["uncovered_share"] = outside / n_real
    if lo_r == hi_r:
        row.update(score=np.nan, error="the real column is constant: it has no range to cover")
    else:
        gap = max((lo_s - lo_r) / (hi_r - lo_r), 0) + max((hi_r - hi_s) / (hi_r - lo_r), 0)
        row["score"] = max(1 - gap, 0.0)
    sev = _severity(row["uncovered_share"], UNCOVERED_SHARES)
    # m synthetic draws leave about 2 / (m + 1) of the distribution beyond their extremes.
    n_syn = int((~np.isnan(syn)).sum())
    chance = 2 / (n_syn + 1)
    if not sev or row["uncovered_share"] <= 5 * chance + 3 * np.sqrt(chance / n_real):
        return row, None
    return row, Finding(
        kind="range_not_covered",
        severity=sev,
        columns=(col,),
        metric="coverage",
        score=row.get("score"),
        message=(
            f"{col}: {fmt_share(row['uncovered_share'])} of real values lie outside the "
            f"synthetic range (real {fmt_value(lo_r, kind)} to {fmt_value(hi_r, kind)}, "
            f"synthetic {fmt_value(lo_s, kind)} to {fmt_value(hi_s, kind)})."
        ),
    )


def coverage_table(enc: Encoded) -> tuple[pd.DataFrame, list[Finding]]:
    """Coverage of the real categories and ranges, per analysed column, and its findings."""
    rows, findings = [], []
    for col in enc.analysed:
        kind = enc.schema.kind_of(col)
        try:
            if kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
                row, finding = _category_coverage(enc, col)
            else:
                row, finding = _range_coverage(enc, col, kind)
        except Exception as exc:  # noqa: BLE001 - one bad column must not abort the others
            row, finding = {"score": np.nan, "error": f"{type(exc).__name__}: {exc}"}, None
        rows.append({"column": col, "kind": str(kind), "error": None, **row})
        if finding:
            findings.append(finding)
    return pd.DataFrame(rows, columns=_COVERAGE_COLUMNS), findings


_VALIDITY_COLUMNS = ["column", "kind", "score", "invalid", "unreadable", "checked", "error"]


def _invalid_rows(enc: Encoded, col: str, kind: Kind) -> tuple[np.ndarray, int, str, float]:
    """Invalid synthetic values: positions, how many were unreadable, what is wrong, and the
    share that fresh draws from the real distribution would show by chance."""
    syn = enc.synthetic
    if kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
        codes = syn.codes[col]
        bad = np.flatnonzero(codes >= enc.n_real_levels[col])
        seen = pd.unique(codes[bad])[:MAX_NAMED]
        named = ", ".join(f"'{enc.categories[col][c]}'" for c in seen)
        real_counts = category_counts(enc.real.codes[col], enc.n_real_levels[col])
        chance = ((real_counts == 1).sum() + 1) / (real_counts.sum() + 1)
        return bad, 0, f"are categories the real data never has, e.g. {named}", chance
    real, values = enc.real.numeric[col], syn.numeric[col]
    lo, hi = _finite_range(real)
    chance = 2 / (int((~np.isnan(real)).sum()) + 1)
    unreadable = syn.unparsed.get(col, 0)
    with np.errstate(invalid="ignore"):
        outside = (values < lo) | (values > hi)
    bad = np.flatnonzero(outside)
    what = f"lie outside the real range {fmt_value(lo, kind)} to {fmt_value(hi, kind)}" + (
        f" (from {fmt_value(float(values[bad].min()), kind)} to "
        f"{fmt_value(float(values[bad].max()), kind)})"
        if len(bad)
        else ""
    )
    if unreadable:
        word = "dates" if kind is Kind.DATETIME else "numbers"
        what += f"; {unreadable:,} could not be read as {word}"
        # Unreadable values are NaN in ``numeric``, so never among the values outside.
        bad = np.union1d(bad, syn.unparsed_rows.get(col, np.empty(0, dtype=np.intp)))
    return bad, unreadable, what, chance


def validity_table(enc: Encoded) -> tuple[pd.DataFrame, list[Finding]]:
    """Share of valid synthetic values per analysed column, and its findings."""
    rows, findings = [], []
    ns = enc.synthetic.n_rows
    for col in enc.analysed:
        kind = enc.schema.kind_of(col)
        row: dict[str, Any] = {"column": col, "kind": str(kind), "score": np.nan, "error": None}
        try:
            bad, unreadable, what, chance = _invalid_rows(enc, col, kind)
            checked = ns - missing_count(enc.synthetic, col, kind)
            invalid = max(len(bad), unreadable)  # ``bad`` lists unreadable rows when known
            row.update(invalid=invalid, unreadable=unreadable, checked=checked)
            if checked == 0:
                row["error"] = "no synthetic values to check"
            else:
                row["score"] = 1.0 - invalid / checked
                sev = _severity(invalid / checked, INVALID_SHARES)
                # Three times the chance share, plus three binomial standard errors of it.
                floor = 3 * chance + 3 * np.sqrt(max(chance, 1 / enc.real.n_rows) / checked)
                if sev and (invalid / checked > floor or unreadable):
                    findings.append(
                        Finding(
                            kind="invalid_values",
                            severity=sev,
                            columns=(col,),
                            metric="validity",
                            score=row["score"],
                            rows=tuple(int(i) for i in bad[:MAX_ROWS]),
                            message=(
                                f"{col}: {invalid:,} synthetic values "
                                f"({fmt_share(invalid / checked)}) {what}."
                            ),
                        )
                    )
        except Exception as exc:  # noqa: BLE001 - one bad column must not abort the others
            row["error"] = f"{type(exc).__name__}: {exc}"
        rows.append(row)
    return pd.DataFrame(rows, columns=_VALIDITY_COLUMNS), findings


def _result(name: str, table: pd.DataFrame, findings: list[Finding]) -> MetricResult:
    score = _mean_score(table)
    return MetricResult(
        name=name,
        family="coverage",
        score=score,
        raw=score,
        details=table,
        findings=findings,
        error=None if np.isfinite(score) else "no column could be scored",
    )


@register(
    "missing_values",
    family="coverage",
    kinds=_ALL_KINDS,
    result="columns",
    goal="Does each column have as many missing values as in the real data? 1 = same share.",
)
def missing_values(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """The ``missing_values`` metric."""
    return _result("missing_values", *missing_values_table(enc))


@register(
    "coverage",
    family="coverage",
    kinds=ANALYSED_KINDS,
    result="columns",
    goal="Does the synthetic data cover every real category and the whole real range? "
    "1 = all of it.",
)
def coverage(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """The ``coverage`` metric; ``extra["summary"]`` holds the summary statistics side by side
    (:func:`summary_statistics`) for the Columns page and the JSON report."""
    res = _result("coverage", *coverage_table(enc))
    res.extra["summary"] = summary_statistics(enc)
    return res


@register(
    "validity",
    family="coverage",
    kinds=ANALYSED_KINDS,
    result="columns",
    goal="Are synthetic values readable, inside the real range and among the real "
    "categories? 1 = all are.",
)
def validity(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """The ``validity`` metric."""
    return _result("validity", *validity_table(enc))


__all__ = [
    "coverage",
    "coverage_table",
    "missing_count",
    "missing_values",
    "missing_values_table",
    "summary_statistics",
    "validity",
    "validity_table",
]
