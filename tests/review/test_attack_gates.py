"""The privacy attacks' gates (issue 14, item 9): ``max_singling_out_risk``,
``max_linkability_risk``, ``max_inference_risk`` and ``max_membership_auc``.

On real data: thirds of scikit-learn's breast-cancer table (569 rows) as training rows, as an
"honest" synthetic set (real rows the generator never saw) and as the holdout; the leaky set
replaces a fifth of the honest rows with rows copied from the training rows.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from metrics import suite
from metrics.catalogue import CATALOGUE
from metrics.encode import encode
from metrics.options import Options
from metrics.schema import infer
from review.gating import evaluate_assessment, gate_dict
from review.policy import evaluate, gates_pass, load_policy

ATTACK_GATES = ("max_singling_out_risk", "max_linkability_risk", "max_inference_risk",
                "max_membership_auc")  # fmt: skip
# Only the attack gates, at their defaults (0.10 for each risk, 0.60 for the AUC).
ONLY_ATTACKS = "[gates]\n" + "".join(
    f"{name} = false\n"
    for name in ("overall_min", "fidelity_min", "coverage_min", "detection_min", "privacy_min",
                 "utility_min", "max_open_high_findings", "max_rejected_findings",
                 "max_exact_copy_rate")
)  # fmt: skip
# Only what the gates read is computed (the privacy metric needs the attacks; it stays on).
SKIP = frozenset(e.name for e in CATALOGUE if e.name not in ("privacy_attacks", "privacy"))


def thirds() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    df = load_breast_cancer(as_frame=True).frame.sample(frac=1, random_state=0)
    k = len(df) // 3
    real, honest, holdout = (df.iloc[i * k:(i + 1) * k].reset_index(drop=True)
                             for i in range(3))  # fmt: skip
    return real, honest, holdout


def leaky(real: pd.DataFrame, honest: pd.DataFrame) -> pd.DataFrame:
    """The honest set with its first fifth replaced by training rows, copied verbatim."""
    n = len(honest) // 5
    return pd.concat([real.iloc[:n], honest.iloc[n:]], ignore_index=True)


def assess(real, synthetic, holdout):
    return suite.run(encode(real, synthetic, infer(real, synthetic), holdout), Options(skip=SKIP))


@pytest.fixture(scope="module")
def runs() -> dict:
    real, honest, holdout = thirds()
    return {
        "honest": assess(real, honest, holdout),
        "leaky": assess(real, leaky(real, honest), holdout),
        "no holdout": assess(real, honest, None),
    }


def attack_gates(policy_text: str, assessment) -> dict:
    gates = evaluate_assessment(load_policy(policy_text), assessment)
    return {g.name: g for g in gates if g.name in ATTACK_GATES}


def test_the_default_policy_has_the_attack_gates_and_an_older_policy_still_loads():
    assert {n: load_policy(None).thresholds[n] for n in ATTACK_GATES} == {
        "max_singling_out_risk": 0.10, "max_linkability_risk": 0.10,
        "max_inference_risk": 0.10, "max_membership_auc": 0.60,
    }  # fmt: skip
    # A policy saved before the attack gates existed: it loads, they take their defaults.
    older = load_policy('optional_scores = ["utility"]\n[gates]\nmax_exact_copy_rate = 0.0\n')
    assert older.thresholds["max_membership_auc"] == 0.60


def test_an_honest_pair_passes_the_attack_gates(runs):
    # A few hundred rows give intervals about 0.1-0.3 wide: under the default maxima some are
    # undecided, but none fails (nothing above the thresholds to hold against the data) ...
    default = attack_gates(ONLY_ATTACKS, runs["honest"])
    assert set(default) == set(ATTACK_GATES)
    assert {g.status for g in default.values()} <= {"passed", "undecided"}
    assert default["max_membership_auc"].status == "passed"
    assert "0.5 = no better than a coin toss" in default["max_membership_auc"].message
    # ... and maxima that a table this small can support all pass.
    sized = ONLY_ATTACKS + "max_singling_out_risk = 0.4\nmax_linkability_risk = 0.4\n" \
                           "max_inference_risk = 0.4\n"  # fmt: skip
    gates = attack_gates(sized, runs["honest"])
    assert all(g.status == "passed" and not g.blocking for g in gates.values()), gates
    risk = gates["max_singling_out_risk"]
    low, high = risk.interval
    assert risk.message.startswith(f"Singling-out risk {risk.value:.2f} (95% interval ")
    assert risk.message.endswith(" is at most 0.40.") and high <= 0.4 and low >= 0.0


def test_a_pair_with_a_fifth_of_its_rows_copied_fails_the_attack_gates(runs):
    honest = attack_gates(ONLY_ATTACKS, runs["honest"])
    gates = attack_gates(ONLY_ATTACKS, runs["leaky"])
    # Copied rows raise every attack's result above the honest one's.
    assert all(gates[n].value > honest[n].value for n in ATTACK_GATES)
    # Singling out is clear of the threshold; none of the others passes either.
    single = gates["max_singling_out_risk"]
    assert single.status == "failed" and single.interval[0] > 0.10
    assert single.message.endswith("is above the maximum of 0.10.")
    assert {g.status for g in gates.values()} <= {"failed", "undecided"}
    assert not gates_pass(list(gates.values()))
    # Deciding on the high end, every attack gate fails.
    strict = attack_gates('decide_on = "bound"\n' + ONLY_ATTACKS, runs["leaky"])
    assert all(g.status == "failed" for g in strict.values()), strict


def test_without_a_holdout_the_attack_gates_are_not_evaluated_and_say_why(runs):
    gates = attack_gates(ONLY_ATTACKS, runs["no holdout"])
    assert all(g.status == "not evaluated" and g.passed is None for g in gates.values())
    assert all(g.blocking for g in gates.values())  # required unless the policy says so
    message = gates["max_singling_out_risk"].message
    assert message.startswith("Singling-out risk was not computed (no privacy attack was run: "
                              "no holdout was uploaded), so this gate was not evaluated")  # fmt: skip
    assert "Upload a holdout" in message and "max_singling_out_risk = false" in message
    optional = attack_gates('optional_scores = ["utility", "privacy_attacks"]\n' + ONLY_ATTACKS,
                            runs["no holdout"])  # fmt: skip
    assert all(g.status == "not evaluated" and not g.blocking for g in optional.values())
    assert "the policy lists privacy_attacks as optional" in optional["max_inference_risk"].message


def test_a_missing_attacks_result_is_not_evaluated_never_passed():
    a = SimpleNamespace(scores={}, findings=[], results={}, options=SimpleNamespace())
    gates = attack_gates(ONLY_ATTACKS, a)
    assert all(g.status == "not evaluated" for g in gates.values())
    assert "(the privacy attacks were not run)" in gates["max_linkability_risk"].message


def test_an_attack_gate_decides_with_the_interval_like_the_other_gates():
    policy = load_policy(ONLY_ATTACKS)

    def gate(value, interval, policy=policy, name="max_linkability_risk"):
        source = name.removeprefix("max_")
        extra = {source: value}
        found = evaluate(policy, {}, 0, extra, intervals={source: interval})
        return {g.name: g for g in found}[name]

    assert gate(0.04, (0.0, 0.10)).status == "passed"  # the upper bound at the threshold
    assert gate(0.15, (0.11, 0.19)).status == "failed"  # the lower bound above it
    straddle = gate(0.04, (0.0, 0.12))
    assert (straddle.status, straddle.blocking) == ("undecided", True)
    assert "run more attacks" in straddle.message
    bound = gate(0.04, (0.0, 0.12), load_policy('decide_on = "bound"\n' + ONLY_ATTACKS))
    assert bound.status == "failed" and "its high end 0.12 is above the maximum of 0.10" in (
        bound.message
    )
    # A maximum risk of 0 is held to the interval too: sampled attacks cannot prove it.
    zero = load_policy('decide_on = "bound"\n' + ONLY_ATTACKS + "max_linkability_risk = 0\n")
    assert gate(0.0, (0.0, 0.02), zero).status == "failed"
    auc = gate(0.52, (0.47, 0.58), name="max_membership_auc")
    assert auc.message == ("Membership-inference AUC 0.52 (95% interval 0.47-0.58; 0.5 = no "
                           "better than a coin toss) is at most 0.60.")  # fmt: skip


def test_attack_gates_are_numbers_in_reports_not_percentages(runs):
    gates = evaluate_assessment(load_policy(ONLY_ATTACKS), runs["leaky"])
    data = {g.name: gate_dict(g) for g in gates}
    assert data["max_membership_auc"]["kind"] == "max_value"
    assert data["max_membership_auc"]["threshold"] == 0.6
    assert len(data["max_singling_out_risk"]["interval"]) == 2
    shown = data["max_singling_out_risk"]["message"].replace("95% interval", "")
    assert not re.search(r"\d%", shown), shown  # a risk of 0.20, not "20.00%"
