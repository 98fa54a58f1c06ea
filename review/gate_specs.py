"""The gates a sign-off policy can set: their keys, labels, where their values come from, and
the comment each has in the policy file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class GateSpec:
    """One gate a policy can set: where its value comes from and how it is compared."""

    name: str  # the key in [gates]
    label: str
    source: str  # key in ``scores`` ("min"), in ``extra`` ("max_rate"), or "open_high"
    family: str  # the score family whose absence makes the gate "not evaluated"
    kind: Literal["min", "max_rate", "max_count"]
    default: float | int
    help: str  # the comment above the key in the TOML file


GATES: tuple[GateSpec, ...] = (
    GateSpec("overall_min", "Overall score", "overall", "overall", "min", 0.80,
             "Overall score of the assessment (all families together)."),
    GateSpec("fidelity_min", "Fidelity score", "fidelity", "fidelity", "min", 0.80,
             "Fidelity: column distributions and pairwise relations match the real data."),
    GateSpec("coverage_min", "Coverage score", "coverage", "coverage", "min", 0.80,
             "Coverage: the real ranges and categories are covered, missing values as often\n"
             "as in the real data, no values the real data rules out."),
    GateSpec("detection_min", "Detection score", "detection", "detection", "min", 0.50,
             "Detection: a classifier cannot tell synthetic rows from real ones\n"
             "(1.0 = indistinguishable, 0.0 = trivially separated)."),
    GateSpec("privacy_min", "Privacy score", "privacy", "privacy", "min", 0.60,
             "Privacy: synthetic rows are not closer to the real rows than new real data is."),
    GateSpec("utility_min", "Utility score", "utility", "utility", "min", 0.70,
             "Utility: a model trained on synthetic data does about as well on real data as one\n"
             "trained on real data, counted above what guessing scores (0 = no better than\n"
             "guessing). Needs a target column."),
    GateSpec("max_open_high_findings", "Open high-severity findings", "open_high", "review",
             "max_count", 0,
             "Review: how many high-severity findings may still be open (not yet accepted,\n"
             "rejected or waived) at sign-off."),
    GateSpec("max_rejected_findings", "Rejected findings", "rejected_findings", "review",
             "max_count", 0,
             "Review: how many findings a reviewer may have rejected (\"must be fixed before\n"
             "the data is used\"). Rejected flagged rows do not count: they are left out of\n"
             "the cleaned dataset."),
    GateSpec("max_exact_copy_rate", "Exact copies of real rows", "exact_copy_rate", "privacy",
             "max_rate", 0.0,
             "Privacy: the largest share of synthetic rows that may be exact copies of real rows\n"
             "(0.0 = none; raise it for data with few, coarse columns where real rows repeat)."),
)  # fmt: skip
