"""The audit hash chain: intact chains verify, and edits, deletions and bypasses are named."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session
from storekit import finding, make_pre_chain, sha, unguard

from review import Store, db
from review.chain import (
    GENESIS,
    ChainError,
    adopt_existing,
    append_links,
    canonical,
    content_text,
    verify,
)
from review.chain_export import audit_export
from review.models import AuditRow, Base, SignOffRow

AUDIT = AuditRow.__tablename__


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    # Importing review.chain registered its tables, so the store's upgrade creates them.
    opened = db.make_engine(db_url)
    db.upgrade(opened)
    yield opened
    opened.dispose()


def _writer(engine: Engine) -> Engine:
    return engine.execution_options(**{db.WRITE_OPTION: True})


def _old_rows(db_url: str) -> int:
    """Rows written before the chain existed: a decision and a sign-off, then the chain
    tables made again, empty (as ``adopt_existing`` finds an older database)."""
    with Store(db_url) as store:
        run = store.get_or_create_run({"real": sha("r"), "synthetic": sha("s")}, {}, "1", {}, {})
        [item] = store.add_items(run.id, [finding("a|m|x")])
        store.decide(item.id, "waived", "Ana", reason="known", expected_version=1)
        store.sign_off(run.id, "rejected", "Bo", "not yet", {}, {}, [])
    make_pre_chain(db_url, columns=False)
    engine = db.make_engine(db_url)
    with engine.begin() as conn:
        Base.metadata.create_all(conn)  # the chain tables and the newer tables, empty
    engine.dispose()
    return run.id


def _chained_audit(engine: Engine, run_id: int, actor: str, score: float = 0.25) -> int:
    with Session(_writer(engine)) as session, session.begin():
        row = AuditRow(run_id=run_id, item_id=None, action="note", actor=actor,
                       at=datetime.now(UTC), before=None, after={"score": score, "$k": [1, 2]})  # fmt: skip
        session.add(row)
        append_links(session, [row])
        return row.id


_unguard = unguard


def test_write_option_is_the_one_review_db_uses():
    from review import chain

    assert chain._WRITE_OPTION == db.WRITE_OPTION


def test_canonical_form_is_unambiguous():
    east = timezone(timedelta(hours=2))
    assert canonical({"b": 1.0, "a": datetime(2024, 1, 1, 2, tzinfo=east)}) == (
        '{"a":"2024-01-01T00:00:00.000000Z","b":{"$float":"1.0"}}'
    )
    # A stored mapping cannot pass for a float, nor an int for a float.
    assert canonical({"$float": "1.0"}) != canonical(1.0)
    assert canonical(1) != canonical(1.0)


def test_existing_rows_are_adopted_then_new_rows_chain_after_them(db_url, engine):
    run_id = _old_rows(db_url)
    state = verify(engine)  # rows but no links yet: nothing vouches for them
    assert not state.intact and state.reason == "link missing"
    adopted = adopt_existing(engine)
    assert adopted == 3  # the decision, the sign-off and its audit row
    assert adopt_existing(engine) == 0  # idempotent
    _chained_audit(engine, run_id, "Cy")
    state = verify(engine)
    assert state.intact, state.summary()
    assert (state.rows_checked, state.predating) == (4, 3)
    with engine.connect() as conn:
        head = conn.execute(text("SELECT seq, link_hash FROM synthlens_chain_head")).one()
        flags = conn.execute(text("SELECT predates_chain FROM synthlens_chain ORDER BY seq"))
        assert [bool(f) for f in flags.scalars()] == [True, True, True, False]
    assert tuple(head) == (4, state.head_hash) and state.head_hash != GENESIS


def test_an_edited_audit_row_is_found_at_that_row(db_url, engine):
    run_id = _old_rows(db_url)
    adopt_existing(engine)
    first = _chained_audit(engine, run_id, "Cy")
    _chained_audit(engine, run_id, "Di")
    _unguard(engine)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE {AUDIT} SET actor = 'Mallory' WHERE id = :i"), {"i": first})
    state = verify(engine)
    assert not state.intact
    assert (state.table, state.row_id, state.reason) == (AUDIT, first, "content changed")
    assert state.rows_checked == 3  # the adopted rows before it still verify
    assert "BROKEN" in state.summary() and str(first) in state.summary()


def test_a_deleted_row_is_found(db_url, engine):
    run_id = _old_rows(db_url)
    adopt_existing(engine)
    gone = _chained_audit(engine, run_id, "Cy")
    _chained_audit(engine, run_id, "Di")
    _unguard(engine)
    with engine.begin() as conn:
        conn.execute(text(f"DELETE FROM {AUDIT} WHERE id = :i"), {"i": gone})
    state = verify(engine)
    assert (state.table, state.row_id, state.reason) == (AUDIT, gone, "row missing")


def test_a_deleted_row_and_its_link_are_found(db_url, engine):
    run_id = _old_rows(db_url)
    adopt_existing(engine)
    gone = _chained_audit(engine, run_id, "Cy")
    after = _chained_audit(engine, run_id, "Di")
    _unguard(engine)
    with engine.begin() as conn:
        conn.execute(text(f"DELETE FROM {AUDIT} WHERE id = :i"), {"i": gone})
        conn.execute(text("DELETE FROM synthlens_chain WHERE row_id = :i AND table_name = :t"),
                     {"i": gone, "t": AUDIT})  # fmt: skip
    state = verify(engine)
    assert (state.row_id, state.reason) == (after, "link missing")


def test_a_rehashed_link_or_reordered_links_are_found(db_url, engine):
    run_id = _old_rows(db_url)
    adopt_existing(engine)
    edited = _chained_audit(engine, run_id, "Cy")
    _unguard(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE synthlens_chain SET content_hash = :h WHERE row_id = :i "
                          "AND table_name = :t"), {"h": "f" * 64, "i": edited, "t": AUDIT})  # fmt: skip
    assert verify(engine).reason == "link changed"
    with engine.begin() as conn:
        conn.execute(text("UPDATE synthlens_chain SET prev_hash = :h WHERE seq = 2"),
                     {"h": "e" * 64})  # fmt: skip
    assert (verify(engine).rows_checked, verify(engine).reason) == (1, "order")


def test_a_row_written_around_the_chain_is_not_adopted_later(db_url, engine):
    run_id = _old_rows(db_url)
    adopt_existing(engine)
    _chained_audit(engine, run_id, "Cy")
    with engine.begin() as conn:  # an insert that bypassed append_links
        forged = conn.execute(
            insert(AuditRow)
            .values(run_id=run_id, action="decide", actor="Mallory", at=datetime.now(UTC))
            .returning(AuditRow.id)  # fmt: skip
        ).scalar_one()
    assert adopt_existing(engine) == 0
    state = verify(engine)
    assert (state.row_id, state.reason) == (forged, "link missing")


def test_bulk_inserted_rows_are_chained_by_id(db_url, engine):
    run_id = _old_rows(db_url)
    adopt_existing(engine)
    now = datetime.now(UTC)
    values = [{"run_id": run_id, "item_id": None, "action": "carry_over", "actor": "synthlens",
               "at": now, "before": {"status": "open"}, "after": {"status": "waived", "n": i}}
              for i in range(1200)]  # fmt: skip
    with Session(_writer(engine)) as session, session.begin():
        stmt = insert(AuditRow).returning(AuditRow.id, sort_by_parameter_order=True)
        ids = session.connection().execute(stmt, values).scalars().all()
        append_links(session, [(AUDIT, i) for i in ids])
    state = verify(engine)
    assert state.intact and state.rows_checked == 3 + 1200


def test_sqlite_appends_refuse_a_session_without_begin_immediate(tmp_path):
    engine = db.make_engine(f"sqlite+pysqlite:///{tmp_path / 'r.db'}")
    db.upgrade(engine)
    with Session(engine) as session, session.begin(), pytest.raises(ChainError, match="IMMEDIATE"):
        append_links(session, [])


def test_a_database_without_the_chain_is_bad_input(tmp_path):
    engine = db.make_engine(f"sqlite+pysqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(ChainError, match="no audit hash chain"):
        verify(engine)


def test_concurrent_appenders_keep_one_valid_chain(db_url, engine):
    run_id = _old_rows(db_url)
    adopt_existing(engine)
    per_thread, barrier, errors = 15, threading.Barrier(2), []

    def work(name: str) -> None:
        try:
            barrier.wait()
            for n in range(per_thread):
                with Session(_writer(engine)) as session, session.begin():
                    rows = [AuditRow(run_id=run_id, action="note", actor=f"{name}{n}{k}",
                                     at=datetime.now(UTC)) for k in range(2)]  # fmt: skip
                    session.add_all(rows)
                    if n % 5 == 0:
                        sign = SignOffRow(run_id=run_id, decision="rejected", name=name,
                                          statement="s", inputs={}, tool_version="1",
                                          policy={}, scores={"x": 0.5}, gates=[],
                                          decisions=[], created_at=datetime.now(UTC))  # fmt: skip
                        session.add(sign)
                        rows.append(sign)
                    append_links(session, rows)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    state = verify(engine)
    assert state.intact, state.summary()
    assert state.rows_checked == 3 + 2 * (per_thread * 2 + 3)


def test_exports_carry_the_chain_hashes(db_url, engine):
    run_id = _old_rows(db_url)
    adopt_existing(engine)
    _chained_audit(engine, run_id, "Cy", score=0.1)
    csv_text, json_text = audit_export(engine)
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    document = json.loads(json_text)
    assert len(rows) == len(document["rows"]) == 4
    assert [r["table"] for r in rows].count(SignOffRow.__tablename__) == 1
    assert [r["predates_chain"] for r in rows] == ["True", "True", "True", "False"]
    prev = GENESIS
    for row in rows:  # an auditor's check, without SynthLens
        assert hashlib.sha256(row["content"].encode()).hexdigest() == row["content_hash"]
        assert row["prev_hash"] == prev
        prev = row["link_hash"]
    assert document["chain"]["head_hash"] == prev and document["chain"]["intact"]
    assert rows[-1]["actor"] == "Cy" and '{"$float":"0.1"}' in rows[-1]["content"]


def test_a_column_added_later_as_null_keeps_older_hashes():
    # The issue adds nullable columns to audit rows and sign-offs (verified, meaning, ...).
    assert content_text(AUDIT, {"id": 1, "verified": None}) == content_text(AUDIT, {"id": 1})
    assert content_text(AUDIT, {"id": 1, "actor": "Ana"}) != content_text(AUDIT, {"id": 1})
