"""Governance through the store: who may decide and sign, what a signature records, waivers
that expire, assignment, and a hash chain that every write path extends (issue 15).

Each test runs on SQLite and on a real PostgreSQL (the ``db_url`` fixture).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from storekit import finding, sha, unguard

from review import InvalidInput, SignOffRefused, Store, evaluate, load_policy
from review.chain_export import audit_export
from review.models import AuditRow, SignOffRow
from review.records import NotAllowed, utcnow
from review.roles import Identity, read_roles, role_of
from review.signature import REJECTED_MEANING, due_state

SCORES = {"overall": 0.9, "fidelity": 0.88, "coverage": 0.95, "detection": 0.7,
          "privacy": 0.8, "utility": 0.75}  # fmt: skip
# Privacy attacks that learn nothing: risks 0, membership AUC at a coin's 0.5.
ATTACKS = {"exact_copy_rate": 0.0, "singling_out_risk": 0.0, "linkability_risk": 0.0,
           "inference_risk": 0.0, "membership_auc": 0.5}  # fmt: skip

ADA = Identity("Ada Lovelace", "ada@example.org", verified=True, source="oidc")
BEN = Identity("Ben Okafor", "ben@example.org", verified=True, source="oidc")
ADMIN = Identity("Root Admin", "root@example.org", verified=True, source="oidc")


def policy_with(**rules: object):
    lines = [
        f"{k} = {str(v).lower() if isinstance(v, bool) else repr(v)}" for k, v in rules.items()
    ]
    return load_policy("\n".join(lines) + "\n")


def gates_for(store: Store, run_id: int, policy=None):
    open_high = len(store.items(run_id, severity="high", status="open"))
    return evaluate(policy or load_policy(None), SCORES, open_high, ATTACKS)


def new_run(store: Store, seed: int = 0, real: str = "real.csv"):
    inputs = {"real": sha(real), "synthetic": sha("synthetic.csv")}
    names = {"real": real, "synthetic": "synthetic.csv"}
    return store.get_or_create_run(inputs, names, "0.1.0", {"seed": seed}, SCORES)


def sign(store: Store, run_id: int, who, policy, decision: str = "approved", **kw):
    gates = gates_for(store, run_id, policy)
    return store.sign_off(run_id, decision, who, "Checked.", policy, SCORES, gates, **kw)


@pytest.fixture
def decided(store: Store):
    """A run whose one high item Ada accepted."""
    run = new_run(store)
    [item] = store.add_items(run.id, [finding("invalid:3", row=3)])
    store.decide(item.id, "accepted", ADA, expected_version=1)
    return run


# ------------------------------------------------------------------------- who may sign


def test_unverified_sign_off_is_refused_when_the_policy_forbids_it(store, decided):
    strict = policy_with(forbid_unverified_sign_off=True)
    with pytest.raises(SignOffRefused, match="unverified names"):
        sign(store, decided.id, "Dana", strict)
    # Even a typed name that claims the approver role is refused: the name proves nothing.
    with pytest.raises(SignOffRefused, match="unverified names"):
        sign(store, decided.id, "Dana", strict, role="approver")
    assert store.sign_offs(decided.id) == []
    signed = sign(store, decided.id, BEN, strict)
    assert (signed.name, signed.verified, signed.source) == ("Ben Okafor", True, "oidc")


def test_a_typed_name_may_sign_when_the_policy_allows_it_and_is_marked_unverified(store, decided):
    signed = sign(store, decided.id, "Dana", policy_with(forbid_unverified_sign_off=False))
    assert (signed.verified, signed.source, signed.signer_email) == (False, "typed", None)


def test_a_reviewer_cannot_sign_off_an_approver_can(store, decided):
    policy = load_policy(None)
    with pytest.raises(SignOffRefused, match="Only approvers sign off: you are a reviewer"):
        sign(store, decided.id, BEN, policy, role="reviewer")
    with pytest.raises(SignOffRefused, match="Only approvers sign off"):
        sign(store, decided.id, BEN, policy, decision="rejected", role="viewer")
    assert store.sign_offs(decided.id) == []
    assert sign(store, decided.id, BEN, policy, role="approver").decision == "approved"


def test_separation_of_duties_needs_a_second_person_on_the_high_items(store):
    run = new_run(store)
    one, two = store.add_items(run.id, [finding("invalid:1", row=1), finding("invalid:2", row=2)])
    store.decide(one.id, "accepted", ADA, expected_version=1)
    two = store.decide(two.id, "accepted", ADA, expected_version=1)
    separated = policy_with(separation_of_duties=True)
    with pytest.raises(SignOffRefused, match="Separation of duties"):
        sign(store, run.id, ADA, separated)
    # Ada under a typed name is still Ada: the name alone matches.
    with pytest.raises(SignOffRefused, match="Separation of duties"):
        sign(store, run.id, "Ada Lovelace", separated)
    # Without the rule the same approver may sign her own review.
    assert sign(store, run.id, ADA, load_policy(None)).decision == "approved"
    store.decide(two.id, "waived", BEN, reason="known artefact", expected_version=two.version)
    signed = sign(store, run.id, ADA, separated)
    assert signed.name == "Ada Lovelace" and signed.decision == "approved"


# -------------------------------------------------------------------- what a signature says


def test_a_signature_records_meaning_signer_versions_and_policy_version(store):
    first = new_run(store, seed=0)
    store.add_items(first.id, [finding("a|m|x", "low")])
    meanings = ["approved for training model X", "approved for demos only"]
    saved = store.save_policy(
        'sign_off_meanings = ["approved for training model X", "approved for demos only"]\n',
        ADMIN, "admin", "model X meanings", expected_version=0,
    )  # fmt: skip
    policy, version = store.current_policy()
    assert version == saved.version == 1 and list(policy.sign_off.meanings) == meanings

    second = new_run(store, seed=1)  # the same files assessed again: assessment version 2
    assert second.id != first.id
    signed = sign(store, second.id, ADA, policy, meaning=meanings[1], policy_version=version)
    assert signed.meaning == "approved for demos only"
    assert (signed.name, signed.signer_email, signed.verified, signed.source) == (
        "Ada Lovelace", "ada@example.org", True, "oidc")  # fmt: skip
    assert (signed.assessment_version, signed.policy_version) == (2, 1)
    assert signed.statement == "Checked."
    assert sign(store, first.id, ADA, policy, policy_version=1).assessment_version == 1

    with pytest.raises(SignOffRefused, match="Choose what this sign-off means"):
        sign(store, second.id, ADA, policy, meaning="approved for everything")
    rejected = sign(store, second.id, ADA, policy, decision="rejected")
    assert rejected.meaning == REJECTED_MEANING
    [entry] = [e for e in store.audit(run_id=second.id) if e.after["sign_off"] == signed.id]
    assert entry.after["meaning"] == "approved for demos only"
    assert entry.after["policy_version"] == 1


# ------------------------------------------------------------------- roles and the policy


def test_a_viewer_can_neither_decide_nor_comment(store):
    run = new_run(store)
    [item] = store.add_items(run.id, [finding("a|m|x")])
    for role in ("viewer", None):
        with pytest.raises(NotAllowed, match="Only reviewers decide"):
            store.decide(item.id, "accepted", ADA, expected_version=1, role=role)
        with pytest.raises(NotAllowed, match="Only reviewers comment"):
            store.comment(item.id, ADA, "looks fine to me", role=role)
    assert store.item(item.id).status == "open" and store.audit(item_id=item.id) == []
    assert store.comments(item.id) == []


def test_only_admins_save_the_policy_in_numbered_versions(store):
    assert store.policy_version().version == 0  # the built-in policy until someone saves one
    with pytest.raises(NotAllowed, match="Only admins change the policy"):
        store.save_policy("separation_of_duties = true\n", ADA, "approver", expected_version=0)
    first = store.save_policy("separation_of_duties = true\n", ADMIN, "admin", expected_version=0)
    second = store.save_policy("forbid_unverified_sign_off = true\n", ADMIN, "admin",
                               "verified only", expected_version=1)  # fmt: skip
    assert (first.version, second.version) == (1, 2)
    assert (second.author, second.author_email, second.author_verified) == (
        "Root Admin", "root@example.org", True)  # fmt: skip
    # An admin editing version 1 while version 2 was saved is told, and nothing is saved.
    with pytest.raises(InvalidInput, match="saved policy version 2"):
        store.save_policy(
            "[gates]\nmax_open_high_findings = 3\n", ADMIN, "admin", expected_version=1
        )
    with pytest.raises(InvalidInput):
        store.save_policy("no_such_key = 1\n", ADMIN, "admin", expected_version=2)
    assert [v.version for v in store.policy_versions()] == [2, 1, 0]
    policy, version = store.current_policy()
    assert version == 2 and policy.sign_off.forbid_unverified


def test_a_grant_raises_a_persons_role(store):
    roles = read_roles('default = "viewer"\n[roles]\nadmin = ["root@example.org"]\n')
    assert role_of(ADA, roles, store.grants()) == "viewer"
    with pytest.raises(NotAllowed, match="Only admins grant"):
        store.grant("ada@example.org", "approver", by="Ben", by_role="approver")
    store.grant("ADA@example.org", "approver", by="Root Admin")
    assert store.grants() == {"ada@example.org": "approver"}
    assert role_of(ADA, roles, store.grants()) == "approver"
    # A typed name claiming Ada's email is capped: a grant does not verify anyone.
    assert role_of(Identity.typed("Ada", "ada@example.org"), roles, store.grants()) == "reviewer"


# ------------------------------------------------------------------------ time and people


def test_an_expired_waiver_reopens_its_item_and_blocks_approval(store):
    run = new_run(store)
    [item] = store.add_items(run.id, [finding("invalid:3", row=3)])
    ends = utcnow() + timedelta(days=30)
    waived = store.decide(item.id, "waived", BEN, reason="vendor fix due", expected_version=1,
                          expires_at=ends)  # fmt: skip
    assert waived.status == "waived" and waived.expires_at == ends
    assert store.reopen_expired(run.id, now=ends - timedelta(seconds=1)) == 0
    assert sign(store, run.id, ADA, load_policy(None)).decision == "approved"

    assert store.reopen_expired(run.id, now=ends) == 1
    reopened = store.item(item.id)
    assert (reopened.status, reopened.version) == ("open", waived.version + 1)
    last = store.audit(item_id=item.id)[-1]
    assert (last.action, last.actor, last.actor_source) == ("waiver_expired", "synthlens", "system")
    assert last.before["status"] == "waived" and last.after["status"] == "open"
    assert store.reopen_expired(run.id, now=ends + timedelta(days=1)) == 0  # once only

    with pytest.raises(SignOffRefused, match="high-severity finding is still open"):
        sign(store, run.id, ADA, load_policy(None))
    with pytest.raises(InvalidInput, match="must be in the future"):
        store.decide(item.id, "waived", BEN, reason="again", expected_version=reopened.version,
                     expires_at=utcnow() - timedelta(minutes=1))  # fmt: skip


def test_assignment_with_a_due_date_becomes_overdue(store):
    run = new_run(store)
    [item] = store.add_items(run.id, [finding("a|m|x")])
    due = utcnow() + timedelta(days=2)
    with pytest.raises(NotAllowed, match="Only approvers and admins assign"):
        store.assign(item.id, "ben@example.org", due, by=BEN, role="reviewer", expected_version=1)
    given = store.assign(item.id, "ben@example.org", due, by=ADA, role="approver",
                         expected_version=1)  # fmt: skip
    assert (given.assigned_to, given.due_at, given.version) == ("ben@example.org", due, 2)
    assert [i.id for i in store.assigned_to(run.id, BEN)] == [item.id]
    assert store.assigned_to(run.id, ADA) == []
    assert due_state(given.due_at, due - timedelta(hours=1)) == "on_time"
    assert due_state(given.due_at, due + timedelta(minutes=1)) == "overdue"
    entry = store.audit(item_id=item.id)[-1]
    assert (entry.action, entry.actor_email, entry.actor_verified) == (
        "assign", "ada@example.org", True)  # fmt: skip


def test_audit_rows_say_who_acted_and_whether_it_was_verified(store):
    run = new_run(store)
    [item] = store.add_items(run.id, [finding("a|m|x")])
    item = store.decide(item.id, "accepted", ADA, expected_version=1)
    store.comment(item.id, "Dana", "looks fine to me")
    proxy = Identity("Cy", "cy@example.org", verified=True, source="proxy")
    store.decide(item.id, "rejected", proxy, reason="bad", expected_version=item.version)
    rows = [(e.action, e.actor, e.actor_email, e.actor_verified, e.actor_source)
            for e in store.audit(item_id=item.id)]  # fmt: skip
    assert rows == [
        ("decide", "Ada Lovelace", "ada@example.org", True, "oidc"),
        ("comment", "Dana", None, False, "typed"),
        ("decide", "Cy", "cy@example.org", True, "proxy"),
    ]


# ----------------------------------------------------------------------- tamper evidence


def _unguard(store: Store) -> None:
    unguard(store.engine)


def verify_audit(url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """What an auditor runs, ``python cli.py verify-audit --review-db URL``: exit code, output."""
    import cli

    capsys.readouterr()
    code = cli.main(["verify-audit", "--review-db", url])
    out = capsys.readouterr()
    return code, out.out + out.err


def _covered_rows(store: Store) -> int:
    with store.engine.connect() as conn:
        audit = conn.execute(select(func.count()).select_from(AuditRow)).scalar_one()
        signed = conn.execute(select(func.count()).select_from(SignOffRow)).scalar_one()
    return int(audit) + int(signed)


@pytest.fixture
def busy(store: Store) -> Iterator[tuple[Store, int]]:
    """Every write path once: decisions, a comment, a sign-off, carry-over (bulk insert),
    an assignment, an expired waiver and a rejection; yields the carried-over audit row id."""
    first = new_run(store, seed=0)
    keys = [finding("invalid:1", row=1), finding("invalid:2", row=2), finding("a|m|x", "low")]
    one, two, low = store.add_items(first.id, keys)
    store.decide(one.id, "accepted", ADA, expected_version=1)
    store.decide(two.id, "rejected", "Dana", reason="negative age", expected_version=1)
    store.comment(low.id, BEN, "checked by hand")
    sign(store, first.id, ADA, load_policy(None), decision="rejected")

    second = new_run(store, seed=1)  # carries the three decisions... two of them: low is open
    carried = store.add_items(second.id, keys)
    assert [i.status for i in carried] == ["accepted", "rejected", "open"]
    ends = utcnow() + timedelta(days=1)
    waived = store.decide(carried[2].id, "waived", BEN, reason="fine", expected_version=1,
                          expires_at=ends)  # fmt: skip
    store.assign(carried[2].id, "ben@example.org", None, by=ADA, role="approver",
                 expected_version=waived.version)  # fmt: skip
    assert store.reopen_expired(second.id, now=ends + timedelta(seconds=1)) == 1
    sign(store, second.id, BEN, load_policy(None), decision="rejected")
    [carry_row] = [e.id for e in store.audit(item_id=carried[0].id) if e.action == "carry_over"]
    yield store, carry_row


def test_every_write_path_extends_the_chain(busy, capsys):
    store, _ = busy
    actions = {e.action for r in store.runs() for e in store.audit(run_id=r.id)}
    assert actions >= {"decide", "comment", "carry_over", "assign", "waiver_expired", "sign_off"}
    state = store.chain_state()
    assert state.intact, state.summary()
    assert state.rows_checked == _covered_rows(store) == state.head_seq
    assert state.predating == 0
    code, said = verify_audit(store.url, capsys)
    assert code == 0, said
    assert f"audit chain intact: {state.rows_checked} rows" in said


@pytest.mark.parametrize("which", ["carry_over", "sign_off"])
def test_a_row_edited_by_hand_is_named(busy, which, capsys):
    store, carry_row = busy
    _unguard(store)
    with store.engine.begin() as conn:
        if which == "carry_over":  # a row written by the bulk insert
            table, row_id = AuditRow.__tablename__, carry_row
            conn.execute(text(f"UPDATE {table} SET actor = 'Mallory' WHERE id = :i"),
                         {"i": row_id})  # fmt: skip
        else:
            table = SignOffRow.__tablename__
            row_id = conn.execute(text(f"SELECT min(id) FROM {table}")).scalar_one()
            conn.execute(text(f"UPDATE {table} SET decision = 'approved' WHERE id = :i"),
                         {"i": row_id})  # fmt: skip
    state = store.chain_state()
    assert not state.intact
    assert (state.table, state.row_id, state.reason) == (table, row_id, "content changed")
    assert f"{table} id {row_id}" in state.summary()
    code, said = verify_audit(store.url, capsys)
    assert code == 1, said
    assert f"BROKEN at {table} id {row_id}: content changed" in said


def test_the_audit_csv_keeps_typed_formulas_inert_and_the_hashes_checkable(store):
    run = new_run(store)
    [item] = store.add_items(run.id, [finding("a|m|x")])
    store.decide(item.id, "accepted", '=HYPERLINK("http://evil")', expected_version=1)
    csv_text, _ = audit_export(store.engine)
    [row] = [r for r in csv.DictReader(io.StringIO(csv_text)) if r["action"] == "decide"]
    assert row["actor"] == '\'=HYPERLINK("http://evil")'  # a spreadsheet shows it as text
    # The hashed content is exactly what was stored, so an auditor can recompute the hash.
    assert hashlib.sha256(row["content"].encode()).hexdigest() == row["content_hash"]
    assert '"actor":"=HYPERLINK' in row["content"]
