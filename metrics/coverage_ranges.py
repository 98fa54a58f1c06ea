"""The ``coverage`` metric's checks: how much of the real categories and ranges the synthetic
data reaches, per column, and the findings when too much is left out (see :mod:`metrics.coverage`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from metrics.encode import Encoded
from metrics.marginal import category_counts, fmt_share, fmt_value
from metrics.results import Finding, Severity
from metrics.schema import Kind

MAX_NAMED = 3  # categories named in a message
UNCOVERED_SHARES = (0.01, 0.05, 0.20)


def share_severity(value: float, limits: tuple[float, float, float]) -> Severity | None:
    """Severity of a share against (low, medium, high) limits; None below the lowest."""
    low, medium, high = limits
    if not np.isfinite(value) or value < low:
        return None
    return "high" if value >= high else "medium" if value >= medium else "low"


def finite_range(values: np.ndarray) -> tuple[float, float]:
    """Smallest and largest value, NaN ignored (inf, -inf when there is none)."""
    return float(np.fmin.reduce(values, initial=np.inf)), float(
        np.fmax.reduce(values, initial=-np.inf)
    )


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
    sev = share_severity(row["uncovered_share"], UNCOVERED_SHARES)
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
    sev = share_severity(lost, UNCOVERED_SHARES)
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
    lo_r, hi_r = finite_range(real)
    lo_s, hi_s = finite_range(syn)
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
    sev = share_severity(row["uncovered_share"], UNCOVERED_SHARES)
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
