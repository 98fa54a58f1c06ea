"""The Review and Sign-off pages on the demo pair (AppTest on the real app.py).

Each test has its own SQLite review database (``SYNTHLENS_DB_PATH``); a second ``Store`` on the
same file plays the colleague working in another browser.
"""

from __future__ import annotations

import io
import json

import pandas as pd

from demo.make_demo import demo_csv_bytes
from outputs.review_report import open_high
from review import Store
from tests.app.conftest import click, log_in, new_app, no_exceptions, save_policy, texts

ITEM_KEY = "synthlens.review.item"  # components.state: the item in the detail view
W = "synthlens.w."  # components.state.widget_key prefix


def open_review(name: str | None = "Ana"):
    at = new_app()
    click(at, "Load demo data")
    at.switch_page("pages/review.py").run()
    no_exceptions(at)
    if name is not None:
        at.text_input(key=W + "reviewer_name").input(name)
        click(at, "Start reviewing")
        no_exceptions(at)
    return at


def shown(at, store: Store):
    return store.item(at.session_state[ITEM_KEY])


def progress_text(at) -> str:
    return at.get("progress")[0].proto.text


def choose(at, filter_name: str, value: str):
    at.selectbox(key=W + filter_name).select(value).run()
    no_exceptions(at)
    return at


def test_name_is_asked_once_per_session(db):
    at = open_review(name=None)
    assert "Type your name once" in texts(at)
    assert not at.get("progress"), "no queue before the reviewer has a name"
    click(at, "Start reviewing")
    assert "Type your name first" in texts(at)

    at.text_input(key=W + "reviewer_name").input("Ana Lima")
    click(at, "Start reviewing")
    assert "Reviewing as **Ana Lima**" in texts(at)
    at.switch_page("pages/signoff.py").run()
    at.switch_page("pages/review.py").run()
    assert "Type your name once" not in texts(at)
    assert "Reviewing as **Ana Lima**" in texts(at)


def test_signed_in_user_reviews_under_their_own_name(db):
    at = log_in(new_app(), "Dana Ortiz", "dana@example.org")
    click(at, "Load demo data")
    at.switch_page("pages/review.py").run()
    no_exceptions(at)
    assert "Reviewing as **Dana Ortiz**" in texts(at)
    click(at, "Accept")
    assert db.items(db.runs()[0].id, status="accepted")[0].decided_by == "Dana Ortiz"


def test_a_decision_is_saved_and_the_next_open_item_appears(db):
    at = open_review()
    run = db.runs()[0]
    total = len(db.items(run.id))
    assert progress_text(at) == f"**0 of {total} reviewed**"
    first = shown(at, db)
    assert first.severity == "high" and first.status == "open"

    click(at, "Reject")
    no_exceptions(at)
    assert db.item(first.id).status == "rejected"
    assert db.item(first.id).decided_by == "Ana"
    nxt = shown(at, db)
    assert nxt.id != first.id and nxt.status == "open"
    assert f"Saved: {first.kind}" not in texts(at)  # the message uses plain words
    assert any("Here is the next open item" in s.value for s in at.success)
    assert progress_text(at) == f"**1 of {total} reviewed**"
    assert [e.action for e in db.audit(item_id=first.id)] == ["decide"]


def test_a_waiver_needs_a_reason_and_keeps_what_was_typed(db):
    at = open_review()
    item = shown(at, db)
    at.text_input(key=W + f"comment.{item.id}").input("looked at the chart")
    click(at, "Waive")
    assert "a waiver needs a reason" in "\n".join(e.value for e in at.error)
    assert db.item(item.id).status == "open"
    assert at.text_input(key=W + f"comment.{item.id}").value == "looked at the chart"

    at.text_input(key=W + f"reason.{item.id}").input("expected for this cohort")
    click(at, "Waive")
    saved = db.item(item.id)
    assert (saved.status, saved.reason) == ("waived", "expected for this cohort")
    assert [c.text for c in db.comments(item.id)] == ["looked at the chart"]


def test_a_stale_update_is_refused_with_the_fresh_state_and_the_text_kept(db):
    at = open_review()
    item = shown(at, db)
    # A colleague in another browser rejects the same item after Ana opened it.
    db.decide(item.id, "rejected", "Bo", reason="copies", expected_version=item.version)
    at.text_input(key=W + f"comment.{item.id}").input("fine by me")
    click(at, "Accept")
    no_exceptions(at)

    error = "\n".join(e.value for e in at.error).replace("\\", "")  # shown escaped
    assert "Not saved: Bo changed this item" in error and "'rejected'" in error
    assert db.item(item.id).status == "rejected"  # Bo's decision stands
    assert at.session_state[ITEM_KEY] == item.id, "the refused item stays on screen"
    assert "**Status:** rejected by Bo" in texts(at)
    assert at.text_input(key=W + f"comment.{item.id}").value == "fine by me"


def test_a_flagged_row_is_shown_beside_its_closest_real_record_and_can_be_redacted(db):
    at = open_review()
    choose(at, "filter_kind", "invalid_row")
    item = shown(at, db)
    assert item.kind == "invalid_row" and item.row is not None
    real = pd.read_csv(io.BytesIO(demo_csv_bytes()["real"]))
    closest = item.evidence["closest_real"]
    table = at.dataframe[-1].value
    assert list(table.columns[:3]) == ["Column", "Synthetic", "Closest real record"]
    ids = table.set_index("Column")
    assert ids.loc["student_id", "Closest real record"] == str(real.loc[closest, "student_id"])
    assert "named in the reason" in set(table["Flag"])  # the column the flag is about

    at.toggle(key=W + "redact").set_value(True).run()
    no_exceptions(at)
    table = at.dataframe[-1].value
    assert set(table["Closest real record"]) == {"(hidden)"}
    assert "Same" not in table.columns  # "=" beside a synthetic value would reveal it
    at.switch_page("pages/signoff.py").run()
    at.switch_page("pages/review.py").run()
    assert at.toggle(key=W + "redact").value, "redaction survives a visit to another page"


def test_filters_narrow_the_queue(db):
    at = open_review()
    choose(at, "filter_kind", "All findings")
    choose(at, "filter_severity", "medium")
    table = at.dataframe[0].value
    run = db.runs()[0].id
    expected = [i for i in db.items(run, severity="medium", status="open") if not i.row]
    assert len(table) == len(expected) > 0
    assert set(table["Severity"]) == {"medium"}
    choose(at, "filter_column", "employability_perc")
    assert all("employability_perc" in t for t in at.dataframe[0].value["Item"])


def sign_off_page(at):
    at.switch_page("pages/signoff.py").run()
    no_exceptions(at)
    return at


def sign(at, button: str, statement: str, name: str = "Dana"):
    at.text_input(key=W + "signoff_name").input(name)
    at.text_area(key=W + "signoff_statement").input(statement)
    click(at, button)
    no_exceptions(at)
    return at


def test_approval_is_refused_while_gates_fail_and_a_rejection_is_stored(db):
    at = sign_off_page(open_review())
    body = texts(at)
    assert "Approval is blocked by" in body
    assert "Privacy score: failed." in body and "Fidelity score: passed." in body
    # The blocking findings are listed in full, each with its kind (how many is the metrics'
    # business: the page must show the count the gate counts).
    high = open_high(db.items(db.runs()[0].id))
    assert len(high) >= 2 and f"{len(high)} open high-severity findings" in body
    assert "- **Exact copies of real rows**: 12 of 600 synthetic rows (2.0%" in body

    sign(at, "Approve", "Looks fine to me.")
    assert "Not approved:" in "\n".join(e.value for e in at.error)
    run = db.runs()[0].id
    assert db.sign_offs(run) == []
    assert at.text_area(key=W + "signoff_statement").value == "Looks fine to me."

    sign(at, "Reject", "Privacy too weak.")
    [signed] = db.sign_offs(run)
    assert (signed.decision, signed.name, signed.statement) == ("rejected", "Dana",
                                                                "Privacy too weak.")  # fmt: skip
    assert "REJECTED" in texts(at)


NOTHING_BLOCKS = ("**No gate blocks approval:** 6 of 7 pass; 1 is not evaluated, which the "
                  "policy allows for optional scores.")  # fmt: skip


def test_approval_under_an_edited_policy_is_stored_and_supersedes(db):
    at = open_review()
    run = db.runs()[0].id
    for item in db.items(run, severity="high", status="open"):
        if item.row is None:  # settle the open high findings, as a reviewer would
            db.decide(item.id, "accepted", "Ana", expected_version=item.version)
    sign_off_page(at)
    sign(at, "Reject", "First look: not yet.")
    assert save_policy(db) == 1  # an admin colleague relaxes the policy meanwhile
    at.run()
    no_exceptions(at)
    assert "policy version 1**, saved by Ada Admin" in texts(at)
    # 'placed' is trivially predictable: its utility is kept out, so that gate is not evaluated
    # (optional), and the headline says so instead of "all gates pass".
    assert NOTHING_BLOCKS in texts(at)

    sign(at, "Approve", "Fit for training with privacy checked by hand.")
    first, second = db.sign_offs(run)
    assert second.decision == "approved" and first.superseded_by == second.id
    assert second.policy["gates"]["privacy_min"] is None
    # Each sign-off names the stored policy version it was judged against.
    assert (first.policy_version, second.policy_version) == (0, 1)
    assert not any(g["blocking"] for g in second.gates)
    statuses = {g["name"]: "undecided" if g["undecided"] else g["passed"] for g in second.gates}
    assert statuses.pop("utility_min") is None and all(v is True for v in statuses.values())
    assert "APPROVED" in texts(at)
    history = at.dataframe[-1].value
    assert list(history["Decision"]) == ["rejected", "approved"]


def test_a_rejected_finding_blocks_approval_until_the_decision_changes(db):
    at = open_review()
    run = db.runs()[0].id
    first, *others = [i for i in db.items(run, severity="high", status="open") if i.row is None]
    db.decide(first.id, "rejected", "Ana", expected_version=first.version)
    for item in others:
        db.decide(item.id, "accepted", "Ana", expected_version=item.version)
    save_policy(db)
    sign_off_page(at)
    body = texts(at)
    assert "**Rejected findings: failed.** 1 finding was rejected by a reviewer" in body
    assert "**1 rejected finding**" in body and first.message[:40] in body
    sign(at, "Approve", "Ship it.")
    assert "Not approved:" in "\n".join(e.value for e in at.error)
    assert db.sign_offs(run) == []

    db.decide(first.id, "waived", "Ana", reason="known and harmless", expected_version=2)
    at.run()
    assert NOTHING_BLOCKS in texts(at)


def test_a_broken_policy_is_a_message_not_a_traceback(db):
    # Only an admin has the editor; what they type is checked before it is stored.
    db.grant("ada@example.org", "admin", by="ops")
    at = new_app()
    log_in(at, "Ada Admin", "ada@example.org")
    click(at, "Load demo data")
    sign_off_page(at)
    broken = "[gates]\noveral_min = 0.9\nfidelity_min = 7\n"
    at.text_area(key=W + "policy_edit").input(broken)
    click(at, "Save as version 1")
    no_exceptions(at)
    error = "\n".join(e.value for e in at.error)
    assert "Did you mean 'overall_min'?" in error
    assert "fidelity_min must be a number between 0 and 1" in error
    assert db.policy_version().version == 0, "nothing is stored"
    assert at.text_area(key=W + "policy_edit").value == broken, "the typed text is kept"
    # The stored policy stays in force: its gates are shown and Approve is still offered.
    assert "Approval is blocked by" in texts(at)
    assert [b for b in at.button if b.label == "Approve"]


def test_downloads_hold_the_review(db, downloads):
    at = open_review()
    choose(at, "filter_kind", "All flagged rows")
    rejected = []
    for _ in range(2):
        rejected.append(shown(at, db).row)
        click(at, "Reject")
    item = shown(at, db)
    at.text_input(key=W + f"comment.{item.id}").input('=HYPERLINK("http://x")')
    at.text_input(key=W + f"reason.{item.id}").input("@SUM(A1) is fine")
    click(at, "Waive")
    sign(sign_off_page(at), "Reject", "+1 for regenerating.")
    no_exceptions(at)
    stem = "student_placements_synthetic"
    assert {f"synthlens_report_{stem}.html", f"synthlens_report_{stem}.json",
            f"synthlens_decisions_{stem}.csv", f"{stem}_cleaned.csv"} <= set(downloads)  # fmt: skip

    cleaned = pd.read_csv(io.BytesIO(downloads[f"{stem}_cleaned.csv"]()))
    synthetic = pd.read_csv(io.BytesIO(demo_csv_bytes()["synthetic"]))
    pd.testing.assert_frame_equal(cleaned, synthetic.drop(index=rejected).reset_index(drop=True))

    decisions = pd.read_csv(io.BytesIO(downloads[f"synthlens_decisions_{stem}.csv"]()),
                            encoding="utf-8-sig", dtype=str, keep_default_na=False)  # fmt: skip
    waived = decisions[decisions["status"] == "waived"].iloc[0]
    assert waived["reason"] == "'@SUM(A1) is fine"
    assert waived["comments"] == 'Ana: =HYPERLINK("http://x")'
    for col in decisions.columns:
        assert not decisions[col].str.match(r"^[=+\-@\t\r]").any(), col
    assert sorted(int(r) for r in decisions[decisions["status"] == "rejected"]["row"]) == sorted(
        rejected
    )

    report = json.loads(downloads[f"synthlens_report_{stem}.json"]())
    review = report["review"]
    assert review["sign_off"]["decision"] == "rejected"
    assert review["sign_off"]["statement"] == "+1 for regenerating."
    assert {g["name"] for g in review["gates"]} >= {"overall_min", "privacy_min"}
    assert review["policy"]["gates"]["overall_min"] == 0.8
    assert sum(d["status"] == "rejected" for d in review["decisions"]) == 2

    html = downloads[f"synthlens_report_{stem}.html"]().decode("utf-8")
    assert "REJECTED" in html and "+1 for regenerating." in html
    assert "2 synthetic rows rejected" in html


def test_items_are_stored_once_per_run_not_on_every_rerun(db, monkeypatch):
    calls = []
    original = Store.add_items

    def counted(self, run_id, items):
        calls.append(len(items))
        return original(self, run_id, items)

    monkeypatch.setattr(Store, "add_items", counted)
    at = open_review()
    for _ in range(3):
        at.run()
    sign_off_page(at)
    at.switch_page("pages/review.py").run()
    no_exceptions(at)
    run = db.runs()
    assert len(run) == 1 and len(calls) == 1
    assert calls[0] == len(db.items(run[0].id))


def test_every_finding_and_flagged_row_becomes_one_item():
    from metrics import suite
    from outputs.review_items import items_for

    frames = {k: pd.read_csv(io.BytesIO(v)) for k, v in demo_csv_bytes().items()}
    a = suite.assess(frames["real"], frames["synthetic"], frames["holdout"])
    items = items_for(a, frames["synthetic"])
    flags = a.results["row_flags"].details
    assert len(items) == len(a.findings) + len(flags)
    assert len({i.key for i in items}) == len(items)
    rows = [i for i in items if i.row is not None]
    assert [i.row for i in rows] == [int(r) for r in flags["row"]]
    first = rows[0]
    assert (
        list(first.evidence["values"].values())[1:]
        == frames["synthetic"].iloc[first.row].tolist()[1:]
    )
    assert first.evidence["closest_real"] == int(flags["closest_real"].iloc[0])
    copies = [i for i in rows if "copied" in i.evidence["reasons"]]
    assert copies and all(i.kind == "copied_row" and i.severity == "high" for i in copies)


def test_an_unreachable_database_is_a_message_not_a_traceback(monkeypatch):
    monkeypatch.setenv("SYNTHLENS_DATABASE_URL", "postgresql+psycopg://ana:secret@127.0.0.1:1/x")
    at = open_review(None)  # the page says the database is unreachable before asking a name
    error = "\n".join(e.value for e in at.error)
    assert "The review database at" in error and "cannot be opened" in error
    assert "secret" not in error, "the password must not be shown"


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    from outputs.escape import csv_cell as neutralise

    for cell in ("=1+1", "+A1", "-2", "@SUM(A1)", "\t=x", " =HYPERLINK(1)", "\n=x", "\r\n+1"):
        assert neutralise(cell) == "'" + cell
    for cell in ("Ana: =x", "plain", "", 3, None):
        assert neutralise(cell) == cell
