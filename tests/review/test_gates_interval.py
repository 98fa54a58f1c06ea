"""Gates decide with the interval (issue 12, item 4): undecided when the interval straddles the
threshold, decide_on = "bound" compares the unfavourable end, allow_undecided lets an undecided
gate through, and the gates carry the status and the interval into reports and sign-offs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

from review import SignOffRefused, Store
from review.deciding import decide
from review.gating import evaluate_assessment, gate_dict
from review.policy import Policy, PolicyError, default_policy, dump_policy, evaluate, load_policy

SCORES = {"overall": 0.9, "fidelity": 0.81, "coverage": 0.95, "detection": 0.6,
          "privacy": 0.7, "utility": 0.8}  # fmt: skip
# No copies, and privacy attacks that learn nothing (risks 0, membership AUC at a coin's 0.5).
NO_COPIES = {"exact_copy_rate": 0.0, "singling_out_risk": 0.0, "linkability_risk": 0.0,
             "inference_risk": 0.0, "membership_auc": 0.5}  # fmt: skip
NO_COPIES_INFO = SimpleNamespace(exact_copy_rate=0.0)  # a privacy result's extra, no interval


def gate(policy: Policy, name: str, scores=SCORES, extra=NO_COPIES, intervals=None):
    return {g.name: g for g in evaluate(policy, scores, 0, extra, intervals=intervals)}[name]


# --- the rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        ((0.78, 0.84), None),  # straddles 0.80: undecided whatever the estimate
        ((0.80, 0.84), True),  # touches the threshold from above: the estimate decides
        ((0.82, 0.90), True),
        ((0.70, 0.79), False),
    ],
)
def test_estimate_mode_is_undecided_exactly_when_the_threshold_is_inside_the_interval(
    interval, expected
):
    value = 0.81 if expected is not False else 0.75
    outcome = decide("min", value, interval, 0.80, "estimate")
    assert outcome.passed is expected and outcome.undecided == (expected is None)


def test_an_estimate_below_the_threshold_with_an_interval_reaching_above_is_undecided_too():
    # 0.79 and 0.81 are not told apart: a straddle is never reported as failed either.
    g = gate(default_policy(), "fidelity_min", dict(SCORES, fidelity=0.79), NO_COPIES,
             {"fidelity": (0.76, 0.82)})  # fmt: skip
    assert (g.status, g.passed, g.blocking) == ("undecided", None, True)


def test_an_estimate_outside_its_own_interval_cannot_decide_alone():
    # A skewed bootstrap: interval above the threshold, estimate below it.
    assert decide("min", 0.79, (0.805, 0.86), 0.80).undecided
    assert decide("min", 0.79, (0.805, 0.86), 0.80, "bound").passed is False


def test_bound_mode_never_leaves_a_gate_undecided():
    assert decide("min", 0.81, (0.78, 0.84), 0.80, "bound").passed is False
    assert decide("min", 0.85, (0.81, 0.88), 0.80, "bound").passed is True
    assert decide("max_rate", 0.001, (0.0003, 0.003), 0.002, "bound").passed is False
    assert decide("max_rate", 0.001, (0.0003, 0.0015), 0.002, "bound").passed is True


@pytest.mark.parametrize("mode", ["estimate", "bound"])
def test_no_copies_pass_a_zero_maximum_although_the_rate_interval_reaches_above_zero(mode):
    # A Wilson interval of 0 copies in 1,600 rows is about [0, 0.0024]: it can never clear a
    # maximum of 0, yet "no exact copy" is what the rows show.
    policy = load_policy(f'decide_on = "{mode}"\n')
    g = gate(policy, "max_exact_copy_rate", intervals={"exact_copy_rate": (0.0, 0.0024)})
    assert g.status == "passed" and not g.blocking
    assert "checked on the rows themselves" in g.message
    one_copy = gate(policy, "max_exact_copy_rate", extra={"exact_copy_rate": 1 / 1600},
                    intervals={"exact_copy_rate": (0.0001, 0.0035)})  # fmt: skip
    assert one_copy.status == "failed"


# --- gates, words, blocking ------------------------------------------------------------------


def test_an_undecided_gate_says_so_and_blocks_approval():
    g = gate(default_policy(), "fidelity_min", intervals={"fidelity": (0.78, 0.84)})
    assert (g.status, g.passed, g.blocking, g.interval) == ("undecided", None, True, (0.78, 0.84))
    assert g.message == (
        "Fidelity score 0.81 (95% interval 0.78-0.84) straddles the threshold 0.80: undecided. "
        "Collect more rows, or set allow_undecided = true in the policy to accept it."
    )


def test_allow_undecided_lets_an_undecided_gate_through_and_says_the_policy_accepts_it():
    g = gate(load_policy("allow_undecided = true\n"), "fidelity_min",
             intervals={"fidelity": (0.78, 0.84)})  # fmt: skip
    assert (g.status, g.blocking) == ("undecided", False)
    assert g.message.endswith(
        "straddles the threshold 0.80: undecided. The policy accepts undecided gates "
        "(allow_undecided = true)."
    )


def test_decide_on_bound_fails_a_gate_the_estimate_passes_and_names_the_bound():
    intervals = {"fidelity": (0.78, 0.84)}
    scores = dict(SCORES, fidelity=0.83)
    narrow = {"fidelity": (0.805, 0.84)}
    estimate = gate(default_policy(), "fidelity_min", scores, NO_COPIES, narrow)
    bound = gate(load_policy('decide_on = "bound"\n'), "fidelity_min", scores, NO_COPIES,
                 intervals)  # fmt: skip
    assert estimate.status == "passed"
    assert (bound.status, bound.blocking) == ("failed", True)
    assert bound.message == (
        "Fidelity score 0.83 (95% interval 0.78-0.84): its low end 0.78 is below the minimum "
        'of 0.80, and the policy decides on the low end (decide_on = "bound").'
    )
    # The copy gate's unfavourable end is the high one.
    copies = gate(load_policy('decide_on = "bound"\n[gates]\nmax_exact_copy_rate = 0.002\n'),
                  "max_exact_copy_rate", extra={"exact_copy_rate": 0.001},
                  intervals={"exact_copy_rate": (0.0003, 0.003)})  # fmt: skip
    assert copies.status == "failed" and "its high end 0.30% is above the maximum" in copies.message


def test_an_interval_bound_near_the_threshold_is_printed_with_the_digits_that_show_it():
    g = gate(default_policy(), "fidelity_min", intervals={"fidelity": (0.7999, 0.84)})
    assert g.status == "undecided"
    assert "(95% interval 0.7999-0.8400) straddles the threshold 0.8000" in g.message


def test_a_gate_without_an_interval_decides_on_its_estimate_as_before():
    g = gate(load_policy('decide_on = "bound"\n'), "detection_min")
    assert (g.status, g.interval) == ("passed", None)
    assert g.message == (
        "Detection score 0.60 meets the minimum of 0.50. It has no interval, so its estimate "
        "decides."
    )
    broken = gate(default_policy(), "fidelity_min", intervals={"fidelity": (float("nan"), 0.9)})
    assert (broken.status, broken.interval) == ("passed", None)


def test_gate_dict_carries_the_status_undecided_and_the_interval_as_a_list():
    g = gate(default_policy(), "fidelity_min", intervals={"fidelity": (0.78, 0.84)})
    data = json.loads(json.dumps(gate_dict(g)))
    assert data["status"] == "undecided" and data["interval"] == [0.78, 0.84]
    assert data["passed"] is None and data["blocking"] is True
    assert gate_dict(gate(default_policy(), "detection_min"))["interval"] is None


# --- the policy file -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('decide_on = "lower"\n', r"decide_on must be \"estimate\" or \"bound\" \(got 'lower'\)"),
        ("decide_on = 1\n", r"decide_on must be \"estimate\" or \"bound\" \(got 1\)"),
        ('allow_undecided = "yes"\n', r"allow_undecided must be true or false \(got 'yes'\)"),
        ("allow_undecided = 1\n", "allow_undecided must be true or false"),
        ('decide_one = "bound"\n', "Unknown key 'decide_one' in the policy. Did you mean 'decide_on'"),
        ('[gates]\ndecide_on = "bound"\n', "decide_on must come before the \\[gates\\] line"),
        ("[gates]\nallow_undecided = true\n", "allow_undecided must come before the \\[gates\\]"),
    ],
)  # fmt: skip
def test_bad_decision_settings_give_messages_a_user_can_act_on(text, message):
    with pytest.raises(PolicyError, match=message):
        load_policy(text)


@pytest.mark.parametrize(
    "policy",
    [
        Policy(decide_on="bound"),
        Policy(allow_undecided=True),
        Policy({**default_policy().thresholds, "fidelity_min": 0.85}, (), "bound", True),
    ],
)
def test_decision_settings_round_trip_through_dump_policy(policy):
    text = dump_policy(policy)
    assert load_policy(text) == policy
    assert f'decide_on = "{policy.decide_on}"' in text
    assert f"allow_undecided = {str(policy.allow_undecided).lower()}" in text


def test_the_defaults_decide_on_the_estimate_and_do_not_allow_undecided_gates():
    policy = load_policy(None)
    assert (policy.decide_on, policy.allow_undecided) == ("estimate", False)
    assert policy.to_dict()["decide_on"] == "estimate"
    assert policy.to_dict()["allow_undecided"] is False


# --- from an assessment ----------------------------------------------------------------------


@dataclass
class _Result:
    family: str
    score: float | None = None
    error: str | None = None
    excluded: str | None = None
    extra: object = None


@dataclass
class _Assessment:
    scores: dict
    results: dict
    intervals: dict = field(default_factory=dict)
    findings: list = field(default_factory=list)
    options: object = field(default_factory=lambda: SimpleNamespace(target="y", confidence=0.9))


def test_an_assessment_gives_the_family_intervals_and_the_copy_rate_interval():
    privacy = SimpleNamespace(exact_copy_rate=0.001, exact_copy_rate_interval=(0.0003, 0.003))
    a = _Assessment(
        scores=dict(SCORES),
        results={"privacy": _Result("privacy", 0.7, extra=privacy)},
        intervals={"fidelity": (0.78, 0.84), "overall": (0.85, 0.95)},
    )
    policy = load_policy("[gates]\nmax_exact_copy_rate = 0.002\n")
    gates = {g.name: g for g in evaluate_assessment(policy, a)}
    assert gates["fidelity_min"].status == "undecided"
    assert "(90% interval 0.78-0.84)" in gates["fidelity_min"].message  # the run's confidence
    assert gates["overall_min"].interval == (0.85, 0.95)
    assert gates["max_exact_copy_rate"].status == "undecided"
    assert gates["max_exact_copy_rate"].interval == (0.0003, 0.003)


def test_a_privacy_result_without_a_copy_interval_decides_on_the_rate():
    privacy = SimpleNamespace(exact_copy_rate=0.0)  # an older result: no interval attribute
    a = _Assessment(dict(SCORES), {"privacy": _Result("privacy", 0.7, extra=privacy)})
    g = {g.name: g for g in evaluate_assessment(default_policy(), a)}["max_exact_copy_rate"]
    assert (g.status, g.interval) == ("passed", None)


def test_a_utility_score_its_metric_excluded_is_not_evaluated_with_the_reason():
    why = "'y' is not measurable: models trained on real rows do no better than chance"
    scores = {k: v for k, v in SCORES.items() if k != "utility"}  # excluded: not in its family
    a = _Assessment(scores, {"utility": _Result("utility", 1.0, excluded=why),
                             "privacy": _Result("privacy", 0.7, extra=NO_COPIES_INFO)},
                    intervals={"utility": (0.4, 1.0)})  # fmt: skip
    g = {g.name: g for g in evaluate_assessment(default_policy(), a)}["utility_min"]
    assert (g.status, g.blocking) == ("not evaluated", False)
    assert g.message.startswith(f"Utility score is kept out ({why}), so this gate was not ")
    required = {g.name: g for g in evaluate_assessment(load_policy("optional_scores = []"), a)}
    assert required["utility_min"].blocking and "kept out" in required["utility_min"].message


# --- sign-off --------------------------------------------------------------------------------


def test_the_store_refuses_approval_while_a_gate_is_undecided_unless_the_policy_allows_it(
    tmp_path,
):
    store = Store(f"sqlite+pysqlite:///{tmp_path / 'review.db'}")
    try:
        run = store.get_or_create_run(
            {"real": "a" * 64, "synthetic": "b" * 64}, {"real": "r.csv", "synthetic": "s.csv"},
            "test", {}, SCORES,
        )  # fmt: skip
        intervals = {"fidelity": (0.78, 0.84)}
        strict = default_policy()
        gates = evaluate(strict, SCORES, 0, NO_COPIES, intervals=intervals)
        with pytest.raises(SignOffRefused, match="straddles the threshold 0.80: undecided"):
            store.sign_off(run.id, "approved", "Ana", "ok", strict, SCORES, gates)
        lenient = load_policy("allow_undecided = true\n")
        gates = evaluate(lenient, SCORES, 0, NO_COPIES, intervals=intervals)
        signed = store.sign_off(run.id, "approved", "Ana", "ok", lenient, SCORES, gates)
        stored = {g["name"]: g for g in signed.gates}["fidelity_min"]
        assert stored["undecided"] is True and list(stored["interval"]) == [0.78, 0.84]
        assert signed.policy["allow_undecided"] is True
    finally:
        store.close()
