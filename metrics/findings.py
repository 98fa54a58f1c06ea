"""Findings across metrics: merged by root cause, ranked by severity, one per problem.

The suite gathers every metric's findings through :func:`assessment_findings`; the sdmetrics
parity helpers and the tests use :func:`merge_findings` on fidelity findings alone.
"""

from __future__ import annotations

from collections.abc import Mapping

from metrics.results import SEVERITY_ORDER, Finding, MetricResult

# Row-flag findings that restate another metric's finding about the same rows:
# kind -> (metric, kind) of the finding that already says it.
RESTATED = {"copied_rows": ("privacy", "exact_copies")}
# Findings about a column's own values: when one is high-severity, the column is broken and its
# pairs' findings are consequences of it. A finding of another kind on the same column (the
# utility target's, a row flag's) says something else and never hides a pair finding.
COLUMN_ROOTS = frozenset(
    {"marginal", "missing_category", "scarce_category", "range_not_covered", "missing_values",
     "invalid_values"}
)  # fmt: skip


def rank_findings(findings: list[Finding]) -> list[Finding]:
    """Findings sorted by severity (high first), then by how far their score sits below its
    noise floor beyond its uncertainty (farthest first), then by score (lowest first)."""

    def key(f: Finding) -> tuple[int, float, float]:
        beyond = f.beyond if f.beyond is not None else float("-inf")
        return (SEVERITY_ORDER.get(f.severity, 9), -beyond, f.score if f.score is not None else 1.0)

    return sorted(findings, key=key)


def merge_findings(findings: list[Finding], keep: frozenset[str] = frozenset()) -> list[Finding]:
    """One finding per broken column, worst first.

    A pair finding is dropped when the column it is about already has a high-severity
    finding of its own values (:data:`COLUMN_ROOTS`: marginal, missing category, range,
    missing values, validity): the column's finding says what is wrong, and its pairs are only
    consequences, still listed with their scores in the pair trends details. A pair finding
    on a column in ``keep`` (the utility target: what predicts it is the question) is never
    dropped. For a
    column-grouped pair finding "the column it is about" is its first column; for a single
    pair it is either column. Findings are then ranked (:func:`rank_findings`).
    """
    broken = {
        f.columns[0]
        for f in findings
        if f.kind in COLUMN_ROOTS and f.severity == "high" and f.columns
    }
    kept = []
    for f in findings:
        if f.kind == "pair":
            about = f.columns[:1] if len(f.columns) > 2 else f.columns
            if any(c in broken for c in about) and not keep & set(f.columns):
                continue
        kept.append(f)
    return rank_findings(kept)


def assessment_findings(
    results: Mapping[str, MetricResult], target: str | None = None
) -> list[Finding]:
    """Every metric's findings, one per problem, most serious first: merged by column (the
    pair findings of the utility ``target`` always kept), and a row-flag finding that only
    restates another metric's finding left out."""
    found = [f for res in results.values() for f in res.findings]
    stated = {(f.metric, f.kind) for f in found}
    # The target the utility models predicted (the default one when none was chosen).
    target = target or getattr(getattr(results.get("utility"), "extra", None), "target", None)
    keep = frozenset([target]) if target else frozenset()
    return merge_findings([f for f in found if RESTATED.get(f.kind) not in stated], keep)
