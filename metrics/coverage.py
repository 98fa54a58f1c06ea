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

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from metrics.coverage_ranges import MAX_NAMED, coverage_table, finite_range, share_severity
from metrics.encode import MISSING, Encoded, Side
from metrics.marginal import category_counts, fmt_share, fmt_value
from metrics.options import Options
from metrics.results import Finding, MetricResult, Progress, typed_extra
from metrics.schema import Kind
from metrics.summary import summary_statistics

MAX_ROWS = 50  # synthetic rows quoted in a validity finding
MISSING_GAPS = (0.02, 0.10, 0.25)
INVALID_SHARES = (0.001, 0.01, 0.05)

_ALL_KINDS = (Kind.NUMERICAL, Kind.DATETIME, Kind.CATEGORICAL, Kind.BOOLEAN, Kind.ID, Kind.TEXT)


def missing_count(side: Side, col: str, kind: Kind) -> int:
    """Missing values of one column on one side (unreadable values are not missing)."""
    if kind in (Kind.NUMERICAL, Kind.DATETIME):
        return int(np.isnan(side.numeric[col]).sum()) - side.unparsed.get(col, 0)
    if kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
        return int((side.codes[col] == MISSING).sum())
    return int(sum(v is None for v in side.strings[col]))


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
        try:
            pr, ps = (
                missing_count(enc.real, col, kind) / nr,
                missing_count(enc.synthetic, col, kind) / ns,
            )
        except Exception as exc:  # noqa: BLE001 - one bad column must not abort the others
            row["error"] = f"{type(exc).__name__}: {exc}"
            rows.append(row)
            continue
        row.update(real=pr, synthetic=ps, score=1.0 - abs(pr - ps))
        rows.append(row)
        pooled = (pr * nr + ps * ns) / (nr + ns)
        noise = 3 * np.sqrt(pooled * (1 - pooled) * (1 / nr + 1 / ns))
        sev = share_severity(abs(pr - ps), MISSING_GAPS)
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
    lo, hi = finite_range(real)
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
                sev = share_severity(invalid / checked, INVALID_SHARES)
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


def missing_values(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """The ``missing_values`` metric."""
    return _result("missing_values", *missing_values_table(enc))


@dataclass(frozen=True)
class CoverageInfo:
    """What the ``coverage`` metric reports besides its score: the ``extra`` of its result.

    Attributes
    ----------
    summary:
        The summary statistics side by side (:func:`summary_statistics`), for the Columns page
        and the JSON report; empty when not computed.
    """

    summary: pd.DataFrame = field(default_factory=pd.DataFrame)


def info(result: MetricResult | None) -> CoverageInfo:
    """The :class:`CoverageInfo` of a coverage result; an empty one when there is none (the
    metric was skipped, or the suite caught it failing)."""
    return typed_extra(result, CoverageInfo)


def coverage(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """The ``coverage`` metric; ``extra`` is a :class:`CoverageInfo` holding the summary
    statistics side by side (read it with :func:`info`)."""
    res = _result("coverage", *coverage_table(enc))
    res.extra = CoverageInfo(summary=summary_statistics(enc))
    return res


def validity(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """The ``validity`` metric."""
    return _result("validity", *validity_table(enc))


__all__ = [
    "CoverageInfo",
    "coverage",
    "coverage_table",
    "info",
    "missing_count",
    "missing_values",
    "missing_values_table",
    "summary_statistics",
    "validity",
    "validity_table",
]
