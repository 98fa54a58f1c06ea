"""The gates a sign-off policy can set: their keys, labels, where their values come from, and
the comment each has in the policy file.

Kinds: ``min`` (a score that must reach the threshold), ``max_rate`` (a share of rows, shown as
a percentage), ``max_value`` (a number that must not exceed the threshold, shown as it is: an
attack's risk or a membership AUC) and ``max_count`` (a whole number of findings).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class GateSpec:
    """One gate a policy can set: where its value comes from and how it is compared."""

    name: str  # the key in [gates]
    label: str
    source: str  # key in ``scores`` ("min"), in ``extra`` (the others), or "open_high"
    # The family whose absence makes the gate "not evaluated", and that ``optional_scores``
    # names to let it be missing: a score family, "review", or ``ATTACKS``.
    family: str
    kind: Literal["min", "max_rate", "max_value", "max_count"]
    default: float | int
    help: str  # the comment above the key in the TOML file
    # What to do when the gate's value was not computed (completes "..., or turn it off").
    hint: str = "Compute it"
    # How to read the value, shown beside its interval (an AUC's 0.5 means nothing to most).
    reads: str = ""
    # How to narrow an interval that straddles the threshold (completes "..., or accept it").
    narrow: str = "Collect more rows"


# The privacy attacks' gates are optional as a group: ``optional_scores = ["privacy_attacks"]``
# lets a run without a control (no holdout, no rows confirmed unseen) be approved.
ATTACKS = "privacy_attacks"
_ATTACK_HINT = (
    "Upload a holdout, or confirm on the Privacy page (CLI: --unseen-share) that the generator "
    "never saw the last rows of the real file"
)
# An attack's interval narrows with more attacks, up to what the control rows allow.
_ATTACK_NARROW = "Upload more holdout rows, or run more attacks (Privacy page; CLI: --attacks)"
# What an attack's risk means, after the attack's own sentence in the policy file.
_RISK = (
    "\nRisk: how much more often the attack succeeds on training records than on real\n"
    "records the generator never saw (0 = no more often, 1 = it succeeds on every training\n"
    "record). Passes when the risk's 95% interval lies at or below this maximum, fails\n"
    "when it lies above; in between, decide_on says."
)


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
    GateSpec("max_singling_out_risk", "Singling-out risk", "singling_out_risk", ATTACKS,
             "max_value", 0.10,
             "Privacy attack, singling out: conditions written from synthetic rows (\"age 61 and\n"
             "postcode 1043 and nurse\") each pick out exactly one real person." + _RISK,
             _ATTACK_HINT, narrow=_ATTACK_NARROW),
    GateSpec("max_linkability_risk", "Linkability risk", "linkability_risk", ATTACKS,
             "max_value", 0.10,
             "Privacy attack, linkability: someone who knows some columns of a person from one\n"
             "source and the other columns from another joins them through the closest\n"
             "synthetic rows; it succeeds when both halves lead to the same person." + _RISK,
             _ATTACK_HINT, narrow=_ATTACK_NARROW),
    GateSpec("max_inference_risk", "Attribute-inference risk", "inference_risk", ATTACKS,
             "max_value", 0.10,
             "Privacy attack, attribute inference: someone who knows every column of a person\n"
             "but a secret one guesses the secret from the closest synthetic row (right: the\n"
             "same category, a number within 5%; the secret column most at risk counts)." + _RISK,
             _ATTACK_HINT, narrow=_ATTACK_NARROW),
    GateSpec("max_membership_auc", "Membership-inference AUC", "membership_auc", ATTACKS,
             "max_value", 0.60,
             "Privacy attack, membership inference: from how close a person's record lies to\n"
             "a synthetic row, someone guesses whether the person was in the training data.\n"
             "The number is the attack's ROC AUC: 0.5 = no better than a coin toss, 1.0 =\n"
             "always right. Passes when its 95% interval lies at or below this maximum, fails\n"
             "when it lies above; in between, decide_on says.",
             _ATTACK_HINT, "0.5 = no better than a coin toss", _ATTACK_NARROW),
)  # fmt: skip
