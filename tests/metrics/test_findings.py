"""Findings across metrics: none hides another, and they rank by distance beyond the floor."""

from __future__ import annotations

from metrics.findings import assessment_findings, merge_findings, rank_findings
from metrics.results import Finding, MetricResult


def _f(kind, severity, columns, score=0.5, beyond=None, metric="m"):
    return Finding(kind, severity, tuple(columns), f"{kind} {columns}", metric, score=score,
                   beyond=beyond)  # fmt: skip


def test_a_utility_finding_on_the_target_keeps_the_target_pair_finding():
    # Seen on SDV output: the target's correlation with its strongest predictor fell from 0.30
    # to 0.01, but the high utility finding on the target hid the pair finding.
    utility = _f("poor_utility", "high", ["income"], metric="utility")
    pair = _f("pair", "medium", ["income", "age"], metric="pair_trends")
    results = {
        "utility": MetricResult("utility", "utility", 0.2, findings=[utility]),
        "pair_trends": MetricResult("pair_trends", "fidelity", 0.8, findings=[pair]),
    }
    kinds = {f.kind for f in assessment_findings(results)}
    assert kinds == {"poor_utility", "pair"}


def test_a_broken_column_still_absorbs_its_pair_findings():
    found = [_f("marginal", "high", ["age"], 0.3), _f("pair", "medium", ["age", "city"], 0.7)]
    assert [f.kind for f in merge_findings(found)] == ["marginal"]


def test_findings_rank_by_severity_then_distance_beyond_the_floor():
    near = _f("pair", "medium", ["a", "b"], score=0.60, beyond=0.01)
    far = _f("pair", "medium", ["c", "d"], score=0.70, beyond=0.15)
    unknown = _f("pair", "medium", ["e", "f"], score=0.10)
    high = _f("marginal", "high", ["g"], score=0.9, beyond=0.3)
    assert rank_findings([near, unknown, far, high]) == [high, far, near, unknown]


def test_the_utility_targets_pair_finding_survives_a_broken_target_column():
    # The lost relation of the target with its strongest predictor is the question utility
    # asks; a high marginal finding on the target must not hide it.
    marginal = _f("marginal", "high", ["income"], 0.3, metric="column_shapes")
    pair = _f("pair", "medium", ["income", "age"], metric="pair_trends")
    results = {
        "column_shapes": MetricResult("column_shapes", "fidelity", 0.6, findings=[marginal]),
        "pair_trends": MetricResult("pair_trends", "fidelity", 0.8, findings=[pair]),
    }
    assert {f.kind for f in assessment_findings(results)} == {"marginal"}
    assert {f.kind for f in assessment_findings(results, "income")} == {"marginal", "pair"}
