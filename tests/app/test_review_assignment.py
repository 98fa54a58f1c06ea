"""Issue 15 on the Review page: waivers that end, assignment with due dates, "Assigned to me",
roles that keep viewers from deciding, and who-was-verified in an item's history.

Each test has its own SQLite review database; ``db`` is a second connection to it (a colleague,
or SynthLens's clock moving on). Roles come from a roles file named by ``SYNTHLENS_ROLES_FILE``.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from review import Store
from review.models import ItemRow
from tests.app.conftest import click, new_app, no_exceptions, texts
from tests.app.test_review_pages import ITEM_KEY, W, open_review, shown

AUTH = {"client_id": "synthlens", "redirect_uri": "http://x/oauth2callback"}


def roles_file(tmp_path, monkeypatch, text: str) -> None:
    path = tmp_path / "roles.toml"
    path.write_text(text)
    monkeypatch.setenv("SYNTHLENS_ROLES_FILE", str(path))


def logged_in(name: str, email: str):
    """The Review page for a user the (simulated) company login vouches for."""
    at = new_app()
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "name": name, "email": email}
    click(at, "Load demo data")
    at.switch_page("pages/review.py").run()
    no_exceptions(at)
    return at


def open_item(at, item_id: int):
    at.session_state[ITEM_KEY] = item_id
    at.run()
    no_exceptions(at)
    return at


def labelled(widgets, label: str):
    """The widget with this label (the assignment popover's keys change with its defaults)."""
    found = [w for w in widgets if w.label == label]
    assert found, f"no widget labelled {label!r}"
    return found[0]


def history(at) -> str:
    return "\n".join(str(c.value) for c in at.caption)


def test_a_waiver_that_ends_reopens_its_item_and_the_page_says_so(db: Store):
    at = open_review("Ana")
    item = shown(at, db)
    end = datetime.now(UTC).date() + timedelta(days=30)
    at.text_input(key=W + f"reason.{item.id}").input("expected this quarter")
    at.date_input(key=W + f"waiver_end.{item.id}").set_value(end)
    click(at, "Waive")
    no_exceptions(at)
    saved = db.item(item.id)
    # The chosen day is the last day the waiver holds: it ends at that day's end, in UTC.
    assert saved.status == "waived"
    assert saved.expires_at is not None
    assert saved.expires_at.replace(tzinfo=UTC) == datetime(
        end.year, end.month, end.day, 23, 59, 59, tzinfo=UTC
    )
    open_item(at, item.id)
    assert f"waived until {end:%Y-%m-%d} (UTC)" in texts(at)

    # Time moves on: the waiver's end is now in the past (written as the clock would see it).
    with Session(db.engine) as session, session.begin():
        session.execute(
            update(ItemRow)
            .where(ItemRow.id == item.id)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    at.run()
    no_exceptions(at)
    assert db.item(item.id).status == "open"
    warnings = "\n".join(str(w.value) for w in at.warning)
    assert "1 waiver(s) expired" in warnings and "block approval" in warnings
    assert "open again: the waiver expired" in texts(at)
    assert "synthlens · waiver expired: waived → open" in history(at)
    assert [e.action for e in db.audit(item_id=item.id)] == ["decide", "waiver_expired"]


def test_reopen_expired_is_what_reopens_a_waiver_once_its_day_is_over(db: Store):
    at = open_review("Ana")
    item = shown(at, db)
    end = datetime.now(UTC).date() + timedelta(days=2)
    at.text_input(key=W + f"reason.{item.id}").input("known issue")
    at.date_input(key=W + f"waiver_end.{item.id}").set_value(end)
    click(at, "Waive")
    run = db.runs()[0].id
    assert db.reopen_expired(run, now=datetime(end.year, end.month, end.day, 12, tzinfo=UTC)) == 0
    later = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
    assert db.reopen_expired(run, now=later) == 1
    open_item(at, item.id)
    assert db.item(item.id).status == "open"
    assert "waiver expired" in history(at)


def test_an_approver_assigns_an_item_and_the_assignee_finds_it(db: Store, tmp_path, monkeypatch):
    roles_file(tmp_path, monkeypatch, 'default = "reviewer"\n[roles]\napprover = ["ada@x.org"]\n')
    ada = logged_in("Ada Lovelace", "ada@x.org")
    assert "Reviewing as **Ada Lovelace** · approver" in texts(ada)
    item = shown(ada, db)
    due = date(2020, 1, 31)  # long past: the assignment is overdue at once
    labelled(ada.text_input, "Assign to (email or name)").input("Bo Chen")
    labelled(ada.date_input, "Due by (end of day, UTC; optional)").set_value(due)
    click(ada, "Save assignment")
    no_exceptions(ada)
    saved = db.item(item.id)
    assert saved.assigned_to == "Bo Chen" and saved.due_at is not None
    assert saved.due_at.date() == due
    assert "Assigned to Bo Chen, due 2020-01-31 (overdue)" in texts(ada)
    # Reopening the popover offers the assignment as it now is, to change it.
    assert labelled(ada.text_input, "Assign to (email or name)").value == "Bo Chen"
    assert labelled(ada.date_input, "Due by (end of day, UTC; optional)").value == due
    # The approver's own decision is recorded as verified by the login.
    click(ada, "Accept")
    open_item(ada, item.id)
    assert "Ada Lovelace (verified) · decide: open → accepted" in history(ada)
    assert "Ada Lovelace (verified) · assigned: to Bo Chen, due 2020-01-31" in history(ada)
    db.decide(item.id, "open", "Ada", expected_version=db.item(item.id).version)

    # Bo types his name in another browser (case does not matter) and finds his item.
    bo = open_review("bo chen")
    assert "1 assigned to you (1 overdue)" in texts(bo)
    assert "Save assignment" not in [b.label for b in bo.button], "reviewers do not assign"
    bo.toggle(key=W + "filter_mine").set_value(True).run()
    no_exceptions(bo)
    queue = bo.dataframe[0].value
    assert list(queue["Assigned to"]) == ["Bo Chen"]
    assert list(queue["Due"]) == ["overdue"]
    assert shown(bo, db).id == item.id
    click(bo, "Accept")
    open_item(bo, item.id)
    assert "bo chen (unverified) · decide: open → accepted" in history(bo)


def test_a_viewer_sees_the_queue_but_cannot_decide_and_is_told_why(
    db: Store, tmp_path, monkeypatch
):
    roles_file(tmp_path, monkeypatch, 'default = "viewer"\n[roles]\nadmin = ["ada@x.org"]\n')
    at = open_review("Vic")
    assert at.get("progress"), "a viewer sees the queue"
    labels = [b.label for b in at.button]
    assert "Accept" not in labels and "Waive" not in labels and "Assign" not in labels
    assert any(
        "Only reviewers decide; you are a viewer. Ask an admin for the reviewer role." in i.value
        for i in at.info
    )


def test_a_decision_made_after_the_role_was_taken_away_is_refused(db: Store, tmp_path, monkeypatch):
    # Vic opened the page as a reviewer; an admin then makes everyone unlisted a viewer.
    roles_file(tmp_path, monkeypatch, 'default = "reviewer"\n')
    at = open_review("Vic")
    item = shown(at, db)
    path = tmp_path / "roles.toml"
    path.write_text('default = "viewer"\n')
    stamp = path.stat().st_mtime + 5  # the roles file is re-read when it changes
    os.utime(path, (stamp, stamp))
    click(at, "Accept")
    no_exceptions(at)
    assert db.item(item.id).status == "open"
    errors = "\n".join(str(e.value) for e in at.error).replace("\\", "")  # as shown
    assert "Only reviewers decide; you are a viewer. Ask an admin for the reviewer role." in errors
