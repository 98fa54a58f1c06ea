"""Sign-off policy: TOML parsing, defaults, clear errors, gate evaluation and round trips."""

from __future__ import annotations

import math
import tomllib

import pytest

from review.policy import (
    DEFAULT_POLICY_PATH,
    GATES,
    Policy,
    PolicyError,
    default_policy,
    dump_policy,
    evaluate,
    gates_pass,
    load_policy,
)

GOOD = {
    "overall": 0.9,
    "fidelity": 0.85,
    "coverage": 0.95,
    "detection": 0.6,
    "privacy": 0.7,
    "utility": 0.8,
}

# No copies, and privacy attacks that learn nothing (risks 0, membership AUC at a coin's 0.5).
CLEAN = {"exact_copy_rate": 0.0, "singling_out_risk": 0.0, "linkability_risk": 0.0,
         "inference_risk": 0.0, "membership_auc": 0.5}  # fmt: skip


def by_name(gates):
    return {g.name: g for g in gates}


def test_default_file_is_what_dump_policy_writes_and_loads_to_the_defaults():
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    assert text == dump_policy(default_policy())
    assert load_policy(DEFAULT_POLICY_PATH) == default_policy() == load_policy(None)
    assert text.count("#") >= len(GATES)  # every gate explained in the file
    assert tomllib.loads(text)["gates"]["max_open_high_findings"] == 0


def test_keys_left_out_take_defaults_and_false_turns_a_gate_off():
    policy = load_policy("[gates]\nfidelity_min = 0.9\nutility_min = false\n")
    assert policy.thresholds["fidelity_min"] == 0.9
    assert policy.thresholds["overall_min"] == default_policy().thresholds["overall_min"]
    assert policy.thresholds["utility_min"] is None
    names = [g.name for g in evaluate(policy, GOOD, 0, CLEAN)]
    assert "utility_min" not in names and "fidelity_min" in names


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n"])
def test_empty_policy_text_means_the_defaults(text):
    assert load_policy(text) == default_policy()


def test_policy_from_a_path_string_and_a_missing_file(tmp_path):
    path = tmp_path / "strict.toml"
    path.write_text("[gates]\noverall_min = 0.95\n", encoding="utf-8")
    assert load_policy(str(path)).thresholds["overall_min"] == 0.95
    assert load_policy(path).thresholds["overall_min"] == 0.95
    with pytest.raises(PolicyError, match="Cannot read the policy file .*nope.toml"):
        load_policy(str(tmp_path / "nope.toml"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[gates\n", r"not valid TOML: .*line 1"),
        ("[gates]\nfidelty_min = 0.8\n", "Unknown key 'fidelty_min' in \\[gates\\]. Did you mean 'fidelity_min'"),
        ("fidelity_min = 0.8\n", "'fidelity_min' is outside \\[gates\\]"),
        ("colour = 'red'\n", "Unknown key 'colour' in the policy"),
        ("[gates]\nprivacy_min = 1.5\n", "privacy_min must be a number between 0 and 1 \\(got 1.5\\)"),
        ("[gates]\nprivacy_min = nan\n", "privacy_min must be a number between 0 and 1"),
        ("[gates]\noverall_min = '0.8'\n", "overall_min must be a number between 0 and 1"),
        ("[gates]\nutility_min = true\n", "true has no meaning"),
        ("[gates]\nmax_open_high_findings = -1\n", "whole number of 0 or more"),
        ("[gates]\nmax_open_high_findings = 1.5\n", "whole number of 0 or more"),
        ("[gates]\nmax_exact_copy_rate = 2\n", "max_exact_copy_rate must be a number between 0 and 1"),
        ("optional_scores = ['utilty']\n", "Unknown key 'utilty' in optional_scores. Did you mean 'utility'"),
        ("optional_scores = 'utility'\n", "optional_scores must be a list"),
        ("gates = 3\n", "gates must be a table"),
        ("[gates]\noptional_scores = ['utility']\n", "must come before the \\[gates\\] line"),
    ],
)  # fmt: skip
def test_bad_policies_give_messages_a_user_can_act_on(text, message):
    with pytest.raises(PolicyError, match=message):
        load_policy(text)


def test_every_problem_is_listed_at_once():
    with pytest.raises(PolicyError) as caught:
        load_policy("[gates]\nprivacy_min = 2\nfoo = 1\nmax_open_high_findings = -3\n")
    assert str(caught.value).count("\n- ") == 3


def test_good_run_passes_every_gate_with_plain_sentences():
    gates = evaluate(default_policy(), GOOD, 0, CLEAN)
    assert [g.name for g in gates] == [g.name for g in GATES]
    assert all(g.passed is True and not g.blocking and g.status == "passed" for g in gates)
    assert gates_pass(gates)
    messages = by_name(gates)
    assert messages["fidelity_min"].message == "Fidelity score 0.85 meets the minimum of 0.80."
    assert messages["max_open_high_findings"].message == "No high-severity findings are open."
    assert messages["max_exact_copy_rate"].value == 0.0


def test_failing_gates_say_by_how_much_without_misleading_rounding():
    scores = dict(GOOD, fidelity=0.7999, detection=0.2)
    gates = by_name(evaluate(default_policy(), scores, 2, {"exact_copy_rate": 0.004}))
    assert not gates_pass(gates.values())
    assert gates["fidelity_min"].passed is False and gates["fidelity_min"].blocking
    assert gates["fidelity_min"].message == "Fidelity score 0.7999 is below the minimum of 0.8000."
    assert gates["detection_min"].message == "Detection score 0.20 is below the minimum of 0.50."
    assert gates["max_open_high_findings"].message.startswith(
        "2 high-severity findings are still open"
    )
    assert gates["max_exact_copy_rate"].message == (
        "0.40% of synthetic rows are exact copies of real rows, above the maximum of 0.00%."
    )
    assert gates["overall_min"].passed is True


def test_a_score_equal_to_the_threshold_passes_even_with_float_noise():
    policy = load_policy("[gates]\nfidelity_min = 0.3\nmax_exact_copy_rate = 0.1\n")
    noisy = 0.1 + 0.2  # 0.30000000000000004
    gates = by_name(evaluate(policy, dict(GOOD, fidelity=0.3), 0, {"exact_copy_rate": noisy - 0.2}))
    assert gates["fidelity_min"].passed and gates["max_exact_copy_rate"].passed


@pytest.mark.parametrize("missing", [None, math.nan, "n/a"])
def test_a_missing_required_score_is_not_evaluated_and_blocks(missing):
    scores = dict(GOOD, detection=missing)
    gate = by_name(evaluate(default_policy(), scores, 0, CLEAN))["detection_min"]
    assert (gate.passed, gate.blocking, gate.status) == (None, True, "not evaluated")
    assert "not computed" in gate.message and "detection_min = false" in gate.message


def test_a_missing_optional_score_is_shown_with_its_reason_and_does_not_block():
    scores = {k: v for k, v in GOOD.items() if k != "utility"}
    gates = evaluate(default_policy(), scores, 0, CLEAN,
                     reasons={"utility": "no target column chosen"})  # fmt: skip
    utility = by_name(gates)["utility_min"]
    assert (utility.passed, utility.blocking) == (None, False)
    assert "(no target column chosen)" in utility.message and "optional" in utility.message
    assert gates_pass(gates)


def test_optional_scores_can_be_required_and_missing_extras_are_reported():
    policy = load_policy("optional_scores = []\n")
    gates = by_name(evaluate(policy, {"overall": 0.9}, 0, {}))
    assert gates["utility_min"].blocking
    assert gates["max_exact_copy_rate"].passed is None and gates["max_exact_copy_rate"].blocking


def test_rejected_findings_fail_their_gate_and_a_missing_count_is_zero():
    ok = by_name(evaluate(default_policy(), GOOD, 0, CLEAN))
    assert ok["max_rejected_findings"].passed and ok["max_rejected_findings"].value == 0
    assert ok["max_rejected_findings"].message == "No findings were rejected."
    extra = {**CLEAN, "rejected_findings": 2}
    gate = by_name(evaluate(default_policy(), GOOD, 0, extra))["max_rejected_findings"]
    assert gate.passed is False and gate.blocking
    assert gate.message.startswith("2 findings were rejected by a reviewer; at most 0 may be: fix")


def test_open_high_limit_can_allow_some():
    policy = load_policy("[gates]\nmax_open_high_findings = 2\n")
    gate = by_name(evaluate(policy, GOOD, 2, CLEAN))["max_open_high_findings"]
    assert gate.passed and gate.message.endswith("at most 2 may be open at sign-off.")
    gate = by_name(evaluate(policy, GOOD, 3, CLEAN))["max_open_high_findings"]
    assert not gate.passed


@pytest.mark.parametrize(
    "policy",
    [
        default_policy(),
        Policy({**default_policy().thresholds, "privacy_min": 0.655, "utility_min": None,
                "max_open_high_findings": 3, "max_exact_copy_rate": 0.005}, ()),
        Policy({**default_policy().thresholds, "overall_min": 1}, ("utility", "detection")),
    ],
)  # fmt: skip
def test_dump_and_load_round_trip(policy):
    assert load_policy(dump_policy(policy)) == policy


def test_policy_to_dict_is_plain_data_for_reports():
    data = load_policy("[gates]\nutility_min = false\n").to_dict()
    assert data["gates"]["utility_min"] is None and data["optional_scores"] == ["utility"]
