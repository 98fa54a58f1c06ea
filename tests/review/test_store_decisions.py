"""Decisions: optimistic concurrency, the audit trail, durability and concurrent writers."""

from __future__ import annotations

import threading
import time
from datetime import UTC

import pytest
from sqlalchemy import text
from storekit import finding, sqlite_only

from review import InvalidInput, StaleUpdate, Store
from review.models import AuditRow

KILL_SCRIPT = """
import sys, time
from review import Store
store = Store(sys.argv[1])
item = store.item(int(sys.argv[2]))
store.decide(item.id, "rejected", "Ana", reason="impossible age", expected_version=item.version)
print("saved", flush=True)
time.sleep(120)
"""

WRITER_SCRIPT = """
import sys
from review import Store
store = Store(sys.argv[1])
for item_id in map(int, sys.argv[3:]):
    item = store.item(item_id)
    store.decide(item_id, "accepted", sys.argv[2], expected_version=item.version)
print("done", flush=True)
"""


@pytest.fixture
def one_item(store, make_run):
    run = make_run()
    [item] = store.add_items(run.id, [finding("marginal|ks|age")])
    return item


def test_decide_bumps_the_version_and_records_who_and_when(store, one_item):
    saved = store.decide(one_item.id, "accepted", "  Ana ", expected_version=1)
    assert (saved.status, saved.version, saved.decided_by) == ("accepted", 2, "Ana")
    assert saved.decided_at.tzinfo == UTC
    assert store.item(one_item.id) == saved
    # Repeating the same decision changes nothing and adds no audit entry.
    assert store.decide(one_item.id, "accepted", "Ana", expected_version=2) == saved
    assert len(store.audit(item_id=one_item.id)) == 1


def test_stale_update_is_refused_with_who_and_when_and_the_fresh_state(store, one_item):
    ana = store.decide(one_item.id, "rejected", "Ana", expected_version=1)

    with pytest.raises(StaleUpdate) as caught:
        store.decide(one_item.id, "accepted", "Ben", expected_version=1)

    err = caught.value
    assert err.current == ana
    assert (err.expected_version, err.attempted) == (1, "accepted")
    message = str(err)
    assert "Not saved" in message and "Ana" in message and "'rejected'" in message
    assert ana.changed_at.strftime("%Y-%m-%d %H:%M:%S UTC") in message
    assert store.item(one_item.id).status == "rejected"
    assert [e.actor for e in store.audit(item_id=one_item.id)] == ["Ana"]


def test_undo_to_open_names_its_author_in_a_later_stale_message(store, one_item):
    store.decide(one_item.id, "accepted", "Ana", expected_version=1)
    reopened = store.decide(one_item.id, "open", "Cleo", expected_version=2)
    assert (reopened.status, reopened.decided_by, reopened.changed_by) == ("open", None, "Cleo")
    with pytest.raises(StaleUpdate, match="Cleo changed this item"):
        store.decide(one_item.id, "rejected", "Ben", expected_version=2)


def test_two_reviewers_at_once_exactly_one_wins(store, one_item):
    """Eight threads decide the same item from the same version at the same moment."""
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def reviewer(n: int) -> None:
        barrier.wait()
        try:
            store.decide(one_item.id, "accepted", f"R{n}", expected_version=1)
            outcomes.append("saved")
        except StaleUpdate:
            outcomes.append("stale")

    threads = [threading.Thread(target=reviewer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["saved"] + ["stale"] * 7
    final = store.item(one_item.id)
    assert final.version == 2
    assert [e.actor for e in store.audit(item_id=one_item.id)] == [final.decided_by]


def test_a_decision_queued_behind_another_writer_is_refused_not_applied(store, one_item):
    """Another writer holds the item while our decision starts, then commits a change."""
    outcome: dict[str, object] = {}

    def ours() -> None:
        try:
            outcome["saved"] = store.decide(one_item.id, "accepted", "Ben", expected_version=1)
        except StaleUpdate as exc:
            outcome["stale"] = exc

    lock = " FOR UPDATE" if store.backend == "postgresql" else ""
    with store._write_engine.connect() as conn:  # on SQLite: BEGIN IMMEDIATE holds the lock
        tx = conn.begin()
        conn.execute(
            text(f"SELECT id FROM synthlens_items WHERE id = :i{lock}"), {"i": one_item.id}
        )
        thread = threading.Thread(target=ours)
        thread.start()
        time.sleep(0.4)  # let our decision reach the lock and wait there
        conn.execute(
            text("UPDATE synthlens_items SET status = 'rejected', version = 2, "
                 "changed_by = 'Ana' WHERE id = :i"),
            {"i": one_item.id},
        )  # fmt: skip
        tx.commit()
    thread.join(timeout=60)
    assert "saved" not in outcome
    assert outcome["stale"].current.changed_by == "Ana"  # type: ignore[attr-defined]
    assert store.item(one_item.id).status == "rejected"


@sqlite_only
@pytest.mark.parametrize(
    ("status", "reason", "reviewer", "message"),
    [
        ("waived", None, "Ana", "waiver needs a reason"),
        ("waived", "   ", "Ana", "waiver needs a reason"),
        ("deleted", None, "Ana", "unknown status 'deleted'"),
        ("accepted", None, "  ", "reviewer name is required"),
        ("accepted", None, "x" * 201, "longer than 200"),
    ],
)
def test_bad_decisions_are_refused_and_nothing_changes(store, one_item, status, reason,
                                                       reviewer, message):  # fmt: skip
    with pytest.raises(InvalidInput, match=message):
        store.decide(one_item.id, status, reviewer, reason=reason, expected_version=1)
    assert store.item(one_item.id) == one_item
    assert store.audit(item_id=one_item.id) == []


def test_audit_trail_records_every_change_and_is_append_only(store, one_item):
    item_id = one_item.id
    store.decide(item_id, "waived", "Ana", reason="rounding in source", expected_version=1)
    first = store.audit(item_id=item_id)
    store.comment(item_id, "Ben", "I checked the source system too")
    store.decide(item_id, "rejected", "Ben", comment="no, it is a real defect", expected_version=2)
    store.decide(item_id, "open", "Ana", expected_version=3)

    trail = store.audit(item_id=item_id)
    assert trail[: len(first)] == first  # earlier entries never change
    assert [(e.action, e.actor) for e in trail] == [
        ("decide", "Ana"), ("comment", "Ben"), ("decide", "Ben"), ("decide", "Ana"),
    ]  # fmt: skip
    assert trail[0].before == {"status": "open", "reason": None, "version": 1}
    assert trail[0].after == {"status": "waived", "reason": "rounding in source", "version": 2}
    assert trail[1].after == {"comment": "I checked the source system too"}
    assert trail[2].before["status"] == "waived"
    assert trail[2].after == {"status": "rejected", "reason": None, "version": 3,
                              "comment": "no, it is a real defect"}  # fmt: skip
    assert trail[3].after["status"] == "open"
    assert all(e.at.tzinfo == UTC for e in trail)
    assert [e.at for e in trail] == sorted(e.at for e in trail)
    assert [c.text for c in store.comments(item_id)] == [
        "I checked the source system too", "no, it is a real defect",
    ]  # fmt: skip
    assert store.audit(run_id=one_item.run_id) == trail
    assert store.item(item_id).version == 4  # comments do not bump the version


@pytest.mark.parametrize(
    "statement",
    ["UPDATE synthlens_audit SET actor = 'Mallory'", "DELETE FROM synthlens_audit",
     "UPDATE synthlens_comments SET text = 'edited'"],
)  # fmt: skip
def test_database_refuses_to_edit_or_delete_audit_rows(store, one_item, statement):
    store.decide(one_item.id, "accepted", "Ana", comment="fine", expected_version=1)
    before = store.audit(item_id=one_item.id)
    with pytest.raises(Exception, match="append-only"), store._engine.begin() as conn:
        conn.execute(text(statement))
    assert store.audit(item_id=one_item.id) == before


def test_orm_refuses_to_flush_a_changed_audit_row(store, one_item):
    store.decide(one_item.id, "accepted", "Ana", expected_version=1)
    with pytest.raises(PermissionError, match="append-only"), store._write() as session:
        row = session.get(AuditRow, store.audit(item_id=one_item.id)[0].id)
        row.actor = "Mallory"
    assert store.audit(item_id=one_item.id)[0].actor == "Ana"


def test_decision_survives_a_killed_server(db_url, store, one_item, spawn):
    """The UI says "saved" only after decide() returns; kill -9 right then loses nothing."""
    proc = spawn(KILL_SCRIPT, db_url, str(one_item.id))
    line = proc.stdout.readline().strip()
    assert line == "saved", proc.stderr.read()
    proc.kill()  # SIGKILL: no clean-up, no atexit
    proc.wait(timeout=10)

    with Store(db_url) as reopened:
        item = reopened.item(one_item.id)
        assert (item.status, item.reason, item.decided_by) == ("rejected", "impossible age", "Ana")
        assert [e.action for e in reopened.audit(item_id=item.id)] == ["decide"]


def test_threads_sharing_one_store_write_without_lock_errors(store, make_run):
    run = make_run()
    items = store.add_items(run.id, [finding(f"marginal|ks|c{n}") for n in range(40)])
    errors: list[BaseException] = []

    def work(chunk: list) -> None:
        try:
            for item in chunk:
                store.decide(item.id, "accepted", threading.current_thread().name,
                             expected_version=item.version)  # fmt: skip
                store.comment(item.id, "bot", "looked")
        except BaseException as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(items[n::4],)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert store.progress(run.id) == (40, 40)
    assert len(store.audit(run_id=run.id)) == 80


def test_two_processes_write_the_same_sqlite_file_without_lock_errors(tmp_path, spawn):
    url = f"sqlite+pysqlite:///{tmp_path / 'shared.db'}"
    with Store(url) as store:
        from storekit import sha

        run = store.get_or_create_run({"real": sha("r"), "synthetic": sha("s")}, {}, "1", {}, {})
        items = store.add_items(run.id, [finding(f"marginal|ks|c{n}") for n in range(60)])
        ids = [str(i.id) for i in items]
        procs = [spawn(WRITER_SCRIPT, url, name, *ids[n::2]) for n, name in enumerate("AB")]
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0 and out.strip() == "done", err
        assert store.progress(run.id) == (60, 60)
        assert {i.decided_by for i in store.items(run.id)} == {"A", "B"}
        assert len(store.audit(run_id=run.id)) == 60
