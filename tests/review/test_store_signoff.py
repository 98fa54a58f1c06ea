"""Sign-offs: gates enforced, immutable records, supersession, and the decisions snapshot."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from storekit import finding, sha, sqlite_only

from review import InvalidInput, SignOffRefused, Store, evaluate, load_policy

SCORES = {
    "overall": 0.9,
    "fidelity": 0.88,
    "coverage": 0.95,
    "detection": 0.7,
    "privacy": 0.8,
    "utility": 0.75,
}


@pytest.fixture
def reviewed_run(store, make_run):
    run = make_run(scores=SCORES)
    high, low = store.add_items(run.id, [finding("invalid:3", row=3), finding("a|m|x", "low")])
    store.decide(high.id, "rejected", "Ana", reason="age -3", expected_version=1)
    return run


def gates_for(store: Store, run_id: int, scores=SCORES, copies: float = 0.0):
    open_high = len(store.items(run_id, severity="high", status="open"))
    # Privacy attacks that learn nothing: risks 0, membership AUC at a coin's 0.5.
    attacks = {"singling_out_risk": 0.0, "linkability_risk": 0.0, "inference_risk": 0.0,
               "membership_auc": 0.5}  # fmt: skip
    return evaluate(load_policy(None), scores, open_high, {"exact_copy_rate": copies, **attacks})


def test_sign_off_records_inputs_policy_scores_gates_and_decisions(store, reviewed_run):
    gates = gates_for(store, reviewed_run.id)
    signed = store.sign_off(reviewed_run.id, "approved", "Dana", "Fit for training.",
                            load_policy(None), SCORES, gates)  # fmt: skip

    assert store.current_sign_off(reviewed_run.id) == signed
    assert signed.inputs == {"real": sha("real.csv"), "synthetic": sha("synthetic.csv")}
    assert signed.policy["gates"]["overall_min"] == 0.8
    assert signed.scores == SCORES
    assert [g["name"] for g in signed.gates] == [g.name for g in gates]
    assert all(g["passed"] for g in signed.gates)
    snapshot = {d["key"]: (d["status"], d["reason"], d["decided_by"]) for d in signed.decisions}
    assert snapshot == {"invalid:3": ("rejected", "age -3", "Ana"), "a|m|x": ("open", None, None)}
    assert signed.created_at.tzinfo is not None
    assert [e.action for e in store.audit(run_id=reviewed_run.id)][-1] == "sign_off"


def test_approval_is_refused_while_a_gate_blocks_but_rejection_is_allowed(store, reviewed_run):
    low = dict(SCORES, fidelity=0.61)
    gates = gates_for(store, reviewed_run.id, scores=low)
    with pytest.raises(SignOffRefused, match="Fidelity score 0.61 is below the minimum of 0.80"):
        store.sign_off(reviewed_run.id, "approved", "Dana", "ok", {}, low, gates)
    assert store.sign_offs(reviewed_run.id) == []

    rejected = store.sign_off(reviewed_run.id, "rejected", "Dana", "Fidelity too low.", {}, low,
                              gates)  # fmt: skip
    assert rejected.decision == "rejected"


def test_open_high_findings_block_approval(store, make_run):
    run = make_run(scores=SCORES)
    store.add_items(run.id, [finding("invalid:3", row=3)])
    gates = gates_for(store, run.id)
    with pytest.raises(SignOffRefused, match="1 high-severity finding is still open"):
        store.sign_off(run.id, "approved", "Dana", "ok", {}, SCORES, gates)


def test_a_new_sign_off_supersedes_and_the_old_one_stays_unchanged(store, reviewed_run):
    gates = gates_for(store, reviewed_run.id)
    first = store.sign_off(reviewed_run.id, "approved", "Dana", "Fit.", {}, SCORES, gates)
    second = store.sign_off(reviewed_run.id, "rejected", "Eli", "Found a leak.", {}, SCORES, gates)
    third = store.sign_off(reviewed_run.id, "approved", "Dana", "Leak fixed.", {}, SCORES, gates)

    history = store.sign_offs(reviewed_run.id)
    assert [s.id for s in history] == [first.id, second.id, third.id]
    assert [s.superseded_by for s in history] == [second.id, third.id, None]
    assert [s.supersedes for s in history] == [None, first.id, second.id]
    assert history[0].statement == "Fit." and history[0].decision == "approved"
    assert store.current_sign_off(reviewed_run.id).id == third.id


def test_sign_offs_cannot_be_edited_through_the_api_or_the_database(store, reviewed_run):
    gates = gates_for(store, reviewed_run.id)
    signed = store.sign_off(reviewed_run.id, "approved", "Dana", "Fit.", {}, SCORES, gates)
    assert not [n for n in dir(Store) if n.startswith(("update", "edit", "delete", "remove"))]
    for statement in ("UPDATE synthlens_sign_offs SET decision = 'rejected'",
                      "DELETE FROM synthlens_sign_offs"):  # fmt: skip
        with pytest.raises(Exception, match="append-only"), store._engine.begin() as conn:
            conn.execute(text(statement))
    assert store.sign_offs(reviewed_run.id) == [signed]


def test_sign_off_refused_when_decisions_changed_since_the_page_was_read(store, reviewed_run):
    seen = store.review_state(reviewed_run.id)
    gates = gates_for(store, reviewed_run.id)
    [low] = store.items(reviewed_run.id, severity="low")
    store.decide(low.id, "accepted", "Ben", expected_version=low.version)
    assert store.review_state(reviewed_run.id) != seen
    with pytest.raises(SignOffRefused, match="decisions changed"):
        store.sign_off(reviewed_run.id, "approved", "Dana", "Fit.", {}, SCORES, gates,
                       expected_state=seen)  # fmt: skip
    fresh = store.review_state(reviewed_run.id)
    signed = store.sign_off(reviewed_run.id, "approved", "Dana", "Fit.", {}, SCORES, gates,
                            expected_state=fresh)  # fmt: skip
    assert {d["key"]: d["status"] for d in signed.decisions}["a|m|x"] == "accepted"


@sqlite_only
@pytest.mark.parametrize(
    ("decision", "name", "statement", "message"),
    [("maybe", "Dana", "x", "decision must be one of"), ("approved", " ", "x", "name is required"),
     ("rejected", "Dana", "  ", "needs a statement")],
)  # fmt: skip
def test_bad_sign_offs_are_refused(store, reviewed_run, decision, name, statement, message):
    with pytest.raises(InvalidInput, match=message):
        store.sign_off(reviewed_run.id, decision, name, statement, {}, SCORES, [])
    assert store.current_sign_off(reviewed_run.id) is None
