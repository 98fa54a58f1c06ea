"""The Sign-off page under governance: who may sign, under which stored policy, and how a
signature reads (AppTest on the real app.py, demo pair, one SQLite database per test).

Logins are simulated as Streamlit reports them (``[auth]`` in the secrets and ``at.user``);
the real login against an OpenID Connect provider is tested in tests/e2e/test_oidc_login.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from review import SignOff
from review.models import AuditRow
from tests.app.conftest import (
    LENIENT_POLICY,
    click,
    log_in,
    new_app,
    no_exceptions,
    save_policy,
    texts,
)

W = "synthlens.w."  # components.state.widget_key prefix
STRICT = "forbid_unverified_sign_off = true\n" + LENIENT_POLICY


def page_text(at) -> str:
    # Emails are shown with a word joiner after "@" so that Markdown does not turn them into
    # mailto links; read them as a person does.
    return texts(at).replace("\u2060", "")


def errors(at) -> str:
    return "\n".join(e.value for e in at.error).replace("\\", "").replace("\u2060", "")


def signoff(at):
    click(at, "Load demo data")
    at.switch_page("pages/signoff.py").run()
    no_exceptions(at)
    return at


def typed(name: str = "Ana"):
    """A demo user who typed their name on the Review page (nothing vouches for it)."""
    at = new_app()
    click(at, "Load demo data")
    at.switch_page("pages/review.py").run()
    at.text_input(key=W + "reviewer_name").input(name)
    click(at, "Start reviewing")
    at.switch_page("pages/signoff.py").run()
    no_exceptions(at)
    return at


def buttons(at, *labels: str) -> list:
    found = [b for b in at.button if b.label in labels]
    assert len(found) == len(labels), [b.label for b in at.button]
    return found


def settle_high_findings(db) -> None:
    run = db.runs()[0].id
    for item in db.items(run, severity="high", status="open"):
        if item.row is None:  # a colleague accepts the open high findings
            db.decide(item.id, "accepted", "Bo", expected_version=item.version)


def test_a_typed_name_cannot_sign_under_a_policy_that_forbids_it(db):
    at = typed("Ana")
    assert not any(b.disabled for b in buttons(at, "Approve", "Reject"))
    # An admin forbids unverified sign-offs while Ana's page is open: her click is refused
    # (the gates she saw were judged under the old version), and the page then says why she
    # cannot sign under the new one.
    save_policy(db, STRICT)
    at.text_area(key=W + "signoff_statement").input("Not fit yet.")
    click(at, "Reject")
    no_exceptions(at)
    assert db.sign_offs(db.runs()[0].id) == []
    assert "Not signed: policy version 1 was saved after you opened this page" in errors(at)
    body = page_text(at)
    assert "This policy forbids sign-offs by unverified names: log in" in body
    assert "**Signing as** **Ana** · unverified: a typed name · reviewer" in body
    assert all(b.disabled for b in buttons(at, "Approve", "Reject"))
    assert at.text_area(key=W + "signoff_statement").value == "Not fit yet."


def test_a_reviewer_sees_that_only_approvers_sign_off(db, roles_file):
    roles_file('[roles]\nreviewer = ["rita@example.org"]\napprover = ["alan@example.org"]\n')
    at = signoff(log_in(new_app(), "Rita Reyes", "rita@example.org"))
    body = page_text(at)
    assert "Only approvers sign off: you are a reviewer." in body
    assert "verified by the company login · reviewer" in body
    assert all(b.disabled for b in buttons(at, "Approve", "Reject"))
    assert "Log in" not in [b.label for b in at.button], "she is logged in already"


def test_an_approver_signs_with_a_meaning_and_the_signature_says_so(db, roles_file):
    roles_file('[roles]\napprover = ["alan@example.org"]\n')
    assert save_policy(db) == 1
    at = signoff(log_in(new_app(), "Alan Turing", "alan@example.org"))
    settle_high_findings(db)
    at.run()
    assert "Your role lets you sign off below" in page_text(at)
    assert "**Judged against** **policy version 1**, saved by Ada Admin" in page_text(at)
    at.selectbox(key=W + "signoff_meaning").select("approved for testing and demos only")
    at.text_area(key=W + "signoff_statement").input("Demo data only.")
    click(at, "Approve")
    no_exceptions(at)

    [signed] = db.sign_offs(db.runs()[0].id)
    assert (signed.name, signed.signer_email, signed.verified, signed.source) == (
        "Alan Turing", "alan@example.org", True, "oidc")  # fmt: skip
    assert (signed.meaning, signed.policy_version) == ("approved for testing and demos only", 1)
    current = next(s.value for s in at.success if "APPROVED" in s.value)
    current = current.replace("\\", "").replace("\u2060", "")
    assert "Signed by Alan Turing <alan@example.org> (verified by the company login)" in current
    assert ": approved for testing and demos only; assessment version 1, policy version 1." in (
        current
    )
    assert "Comment: Demo data only." in current


def test_an_admin_saves_a_policy_version_and_the_page_shows_it(db):
    db.grant("ada@example.org", "admin", by="ops")
    at = signoff(log_in(new_app(), "Ada Admin", "ada@example.org"))
    assert "built-in default policy (version 0)" in page_text(at)
    assert "Approval is blocked by" in page_text(at)
    at.text_area(key=W + "policy_edit").input(LENIENT_POLICY)
    at.text_input(key=W + "policy_note").input("demo thresholds")
    click(at, "Save as version 1")
    no_exceptions(at)

    saved = db.policy_version()
    assert (saved.version, saved.author, saved.author_email) == (1, "Ada Admin", "ada@example.org")
    assert saved.note == "demo thresholds" and saved.author_verified is True
    body = page_text(at)
    assert "Saved policy version 1." in body
    assert "**policy version 1**, saved by Ada Admin <ada@example.org> on " in body
    assert "demo thresholds" in body
    assert "Privacy score" not in body, "the gates follow the saved policy (privacy gate off)"
    assert buttons(at, "Save as version 2")


def test_an_admin_whose_version_went_stale_is_told_and_keeps_the_text(db):
    db.grant("ada@example.org", "admin", by="ops")
    at = signoff(log_in(new_app(), "Ada Admin", "ada@example.org"))
    save_policy(db, LENIENT_POLICY, note="another admin, meanwhile")
    mine = LENIENT_POLICY.replace("overall_min = 0.5", "overall_min = 0.6")
    at.text_area(key=W + "policy_edit").input(mine)
    click(at, "Save as version 1")
    no_exceptions(at)
    assert db.policy_version().version == 1
    assert "saved policy version 1 after you opened version 0" in errors(at)
    assert at.text_area(key=W + "policy_edit").value == mine


def test_a_non_admin_sees_the_policy_but_no_editor(db):
    at = typed("Ana")  # an approver without a roles file, but never an admin
    assert "Only admins change the policy" in page_text(at)
    assert not [b for b in at.button if b.label.startswith("Save as version")]
    assert W + "policy_edit" not in [t.key for t in at.text_area]
    assert any("Read the policy in force (version 0)" in e.label for e in at.expander)


def test_the_audit_chain_line_is_intact_then_names_the_edited_row(db):
    at = typed("Ana")
    assert "Audit trail intact:" in page_text(at)
    run = db.runs()[0].id
    first = db.items(run)[0]
    db.decide(first.id, "accepted", "Bo", expected_version=first.version)
    audit = AuditRow.__tablename__
    with db.engine.begin() as conn:  # someone edits the audit trail by hand
        conn.execute(text(f"DROP TRIGGER {audit}_no_update"))
        conn.execute(text(f"UPDATE {audit} SET actor = 'Mallory'"))
    at.run()
    no_exceptions(at)
    error = errors(at)
    assert "Audit trail BROKEN" in error and "content changed" in error
    assert "python cli.py verify-audit --review-db URL" in error
    assert "tell your database admin" in error


def test_a_sign_off_from_before_signatures_says_so_instead_of_none():
    from components.signature_view import signature_sentence

    old = SignOff(id=1, run_id=1, decision="approved", name="Ana", statement="fine",
                  inputs={}, tool_version="0.1", policy={}, scores={}, gates=[], decisions=[],
                  created_at=datetime(2025, 1, 2, 3, 4, tzinfo=UTC), supersedes=None)  # fmt: skip
    words = signature_sentence(old)
    assert "recorded before signatures had meanings" in words and "None" not in words
    assert "2025-01-02 03:04 UTC" in words and "Comment: fine" in words
