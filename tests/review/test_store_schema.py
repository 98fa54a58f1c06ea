"""Where the store lives, and schema creation and upgrades that never lose data."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from storekit import finding, sha

from review import SchemaTooNew, Store
from review.db import LATEST_VERSION


def _run_with_decision(store: Store) -> int:
    run = store.get_or_create_run({"real": sha("r"), "synthetic": sha("s")}, {}, "1", {}, {})
    [item] = store.add_items(run.id, [finding("a|m|x")])
    store.decide(item.id, "waived", "Ana", reason="known", expected_version=1)
    return item.id


def test_reopening_keeps_every_decision_and_does_not_repeat_upgrades(db_url):
    with Store(db_url) as store:
        item_id = _run_with_decision(store)
    with Store(db_url) as store:
        assert store.item(item_id).status == "waived"
        with store._engine.connect() as conn:
            versions = conn.execute(text("SELECT version FROM synthlens_schema_version")).scalars()
            assert sorted(versions) == list(range(1, LATEST_VERSION + 1))


def test_older_database_is_upgraded_in_place_without_losing_data(db_url):
    with Store(db_url) as store:
        item_id = _run_with_decision(store)
        trigger = (
            "DROP TRIGGER synthlens_audit_no_update"
            if store.backend == "sqlite"
            else "DROP TRIGGER synthlens_audit_append_only_rows ON synthlens_audit"
        )
        with store._engine.begin() as conn:  # make it look like a version-1 database
            conn.execute(text("ALTER TABLE synthlens_items DROP COLUMN changed_by"))
            conn.execute(text(trigger))
            conn.execute(text("DELETE FROM synthlens_schema_version WHERE version >= 2"))

    with Store(db_url) as store:
        assert store.schema_version == LATEST_VERSION
        item = store.item(item_id)
        assert (item.status, item.reason, item.changed_by) == ("waived", "known", None)
        with pytest.raises(Exception, match="append-only"), store._engine.begin() as conn:
            conn.execute(text("UPDATE synthlens_audit SET actor = 'Mallory'"))
        again = store.decide(item_id, "accepted", "Ben", expected_version=item.version)
        assert again.changed_by == "Ben"


def test_a_database_from_a_newer_synthlens_is_refused(db_url):
    with Store(db_url) as store, store._engine.begin() as conn:
        conn.execute(
            text("INSERT INTO synthlens_schema_version (version, description, applied_at) "
                 "VALUES (99, 'future', CURRENT_TIMESTAMP)")
        )  # fmt: skip
    with pytest.raises(SchemaTooNew, match="schema version 99.*Upgrade SynthLens"):
        Store(db_url)


def test_default_sqlite_file_and_environment_overrides(tmp_path, monkeypatch):
    monkeypatch.delenv("SYNTHLENS_DATABASE_URL", raising=False)
    monkeypatch.delenv("SYNTHLENS_DB_PATH", raising=False)
    monkeypatch.chdir(tmp_path)
    with Store() as store:
        assert store.backend == "sqlite"
    assert (tmp_path / "synthlens.db").exists()

    monkeypatch.setenv("SYNTHLENS_DB_PATH", str(tmp_path / "nested" / "review.db"))
    with Store():
        pass
    assert (tmp_path / "nested" / "review.db").exists()

    monkeypatch.setenv("SYNTHLENS_DATABASE_URL", f"sqlite:///{tmp_path / 'from_url.db'}")
    with Store() as store:
        assert store.describe().endswith("from_url.db")
    assert (tmp_path / "from_url.db").exists()


def test_sqlite_file_uses_wal_a_busy_timeout_and_full_sync(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'r.db'}") as store, store._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_in_memory_sqlite_is_one_database_for_every_thread():
    with Store("sqlite://") as store:
        item_id = _run_with_decision(store)
        seen: list[str] = []
        thread = threading.Thread(target=lambda: seen.append(store.item(item_id).status))
        thread.start()
        thread.join(timeout=30)
        assert seen == ["waived"]


def test_describe_hides_the_password():
    store = Store.__new__(Store)
    store.url = "postgresql+psycopg://ana:secret@db.example/synthlens"
    assert "secret" not in store.describe() and "ana" in store.describe()
