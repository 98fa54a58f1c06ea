"""The governance commands of ``cli.py``: verify-audit, grant, roles, audit-export, notify and
signoff-record, as an operator or a cron job runs them against a review database.

Each test builds its database through the store (as the app writes it), then runs the command
through ``cli.main`` and checks what the operator relies on: the exit code, the one-line
message, and what ends up in the database or the written file. PostgreSQL runs in a throwaway
server (``tests/review/pg_server.py``); its tests skip when none can be started.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import make_url

import cli
from review import Store, load_policy
from review.db import make_engine
from review.outbox import OutboxRow, deliver_due, deliveries
from review.roles import Identity
from review.webhook import verify_signature

sys.path.insert(0, str(Path(__file__).parent / "review"))
from pg_server import serve  # noqa: E402
from storekit import finding  # noqa: E402

AUDIT = "synthlens_audit"
SECRET = "hook-s3cret"
ADA = Identity("Ada Lovelace", "ada@example.org", True, "oidc")


def _sha(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


# ----------------------------------------------------------------------------- databases


@pytest.fixture(scope="module")
def pg_admin_url() -> Iterator[str]:
    yield from serve("the governance CLI tests")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "review.db")  # a plain file, as an operator passes it
    admin_url = request.getfixturevalue("pg_admin_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"  # each test its own schema on the shared server
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    url = make_url(admin_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def _engine_url(db: str) -> str:
    return db if "://" in db else f"sqlite+pysqlite:///{db}"


@pytest.fixture(autouse=True)
def _no_webhook_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SYNTHLENS_WEBHOOK_URL", "SYNTHLENS_WEBHOOK_SECRET", "http_proxy",
                 "HTTP_PROXY", "SYNTHLENS_DATABASE_URL", "SYNTHLENS_DB_PATH"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


def _signed_run(db: str, webhooks: Any = None) -> tuple[int, int]:
    """A reviewed and approved run; returns (run id, id of a decide audit row)."""
    with Store(_engine_url(db), webhooks=webhooks) as store:
        run = store.get_or_create_run({"real": _sha("r"), "synthetic": _sha("s")},
                                      {"real": "real.csv", "synthetic": "synth.csv"}, "0.1.0",
                                      {"seed": 0}, {"overall": 0.9})  # fmt: skip
        [item] = store.add_items(run.id, [finding("marginal|ks|age", "low")])
        store.decide(item.id, "accepted", "Bo", expected_version=item.version)
        store.sign_off(run.id, "approved", ADA, "Fit for training.", {}, {"overall": 0.9}, [],
                       meaning="approved for training models", policy_version=0)  # fmt: skip
        [decided] = [a for a in store.audit(run_id=run.id) if a.action == "decide"]
        return run.id, decided.id


def _tamper(db: str, row_id: int) -> None:
    """Edit an audit row by hand, first dropping the append-only triggers as an attacker would."""
    engine = create_engine(_engine_url(db))
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text(f"DROP TRIGGER {AUDIT}_no_update"))
        else:
            conn.execute(text(f"ALTER TABLE {AUDIT} DISABLE TRIGGER USER"))
        conn.execute(text(f"UPDATE {AUDIT} SET actor = 'Mallory' WHERE id = :i"), {"i": row_id})
    engine.dispose()


# -------------------------------------------------------------------------- verify-audit


def test_verify_audit_exits_0_on_an_intact_chain_and_1_naming_an_edited_row(db_url, capsys):
    _, row_id = _signed_run(db_url)
    assert cli.main(["verify-audit", "--review-db", db_url]) == 0
    out = capsys.readouterr().out
    assert out.startswith("audit chain intact: ")

    _tamper(db_url, row_id)
    assert cli.main(["verify-audit", "--review-db", db_url]) == 1
    captured = capsys.readouterr()
    assert f"BROKEN at {AUDIT} id {row_id}: content changed" in captured.out
    assert f"{AUDIT} id {row_id}" in captured.err and "Traceback" not in captured.err


def test_verify_audit_bad_input_is_exit_2_in_one_line_and_creates_nothing(tmp_path, capsys):
    missing = tmp_path / "nope.db"
    assert cli.main(["verify-audit", "--review-db", str(missing)]) == 2
    assert "review database not found" in capsys.readouterr().err
    assert not missing.exists()  # connecting would have created an empty SQLite file

    other = tmp_path / "other.db"  # a SQLite database that is not SynthLens'
    engine = create_engine(f"sqlite:///{other}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    engine.dispose()
    assert cli.main(["verify-audit", "--review-db", str(other)]) == 2
    err = capsys.readouterr().err
    assert "is not a SynthLens review database" in err and len(err.strip().splitlines()) == 1

    garbage = tmp_path / "garbage.db"
    garbage.write_text("not a database at all " * 100)
    assert cli.main(["verify-audit", "--review-db", str(garbage)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot read the review database") and "Traceback" not in err


def test_verify_audit_never_prints_the_password(capsys):
    url = "postgresql+psycopg://ana:hunter2secret@127.0.0.1:1/db"  # port 1: refused at once
    assert cli.main(["verify-audit", "--review-db", url]) == 2
    err = capsys.readouterr().err
    assert "hunter2secret" not in err and "***" in err and len(err.strip().splitlines()) == 1
    assert cli.main(["verify-audit", "--review-db", "postgresql://a:hunter2secret@h:port/x"]) == 2
    assert "hunter2secret" not in capsys.readouterr().err


# ---------------------------------------------------------------------------- grant, roles


def test_grant_then_the_store_and_roles_show_it(tmp_path, capsys):
    db = str(tmp_path / "fresh.db")  # the first admin, before the app has ever run
    assert cli.main(["grant", "admin", "Boss@Example.org", "--review-db", db, "--by", "ops"]) == 0
    assert "granted admin to boss@example.org" in capsys.readouterr().out
    assert cli.main(["grant", "reviewer", "ana@example.org", "--review-db", db]) == 0
    with Store(_engine_url(db), webhooks=None) as store:
        assert store.grants() == {"boss@example.org": "admin", "ana@example.org": "reviewer"}
    capsys.readouterr()
    assert cli.main(["roles", "--review-db", db]) == 0
    out = capsys.readouterr().out
    assert "admin     boss@example.org" in out and "reviewer  ana@example.org" in out


def test_grant_refuses_an_unknown_role_or_a_bad_email(tmp_path, capsys):
    db = str(tmp_path / "fresh.db")
    assert cli.main(["grant", "aprover", "ana@example.org", "--review-db", db]) == 2
    err = capsys.readouterr().err
    assert "approver" in err and len(err.strip().splitlines()) == 1  # suggests the right word
    assert cli.main(["grant", "admin", "not-an-email", "--review-db", db]) == 2
    assert "error:" in capsys.readouterr().err
    assert not Path(db).exists()  # nothing written for a refused grant


# ---------------------------------------------------------------------------- audit-export


def test_audit_export_files_parse_and_carry_the_link_hashes(tmp_path, capsys):
    db = str(tmp_path / "review.db")
    _signed_run(db)
    out_csv, out_json = tmp_path / "audit.csv", tmp_path / "audit.json"
    args = ["audit-export", "--review-db", db, "--csv", str(out_csv), "--json", str(out_json)]
    assert cli.main(args) == 0
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8"))))
    document = json.loads(out_json.read_text(encoding="utf-8"))
    assert len(rows) == len(document["rows"]) >= 3  # decide, sign_off audit row, the sign-off
    for row in rows:
        assert hashlib.sha256(row["content"].encode()).hexdigest() == row["content_hash"]
        assert len(row["link_hash"]) == 64
    # Each link follows the previous one: an auditor recomputes the chain from the file.
    for before, after in zip(rows, rows[1:], strict=False):
        assert after["prev_hash"] == before["link_hash"]
    assert document["chain"]["intact"] is True
    assert document["chain"]["head_hash"] == rows[-1]["link_hash"]


def test_audit_export_bad_input_is_exit_2(tmp_path, capsys):
    assert cli.main(["audit-export", "--review-db", str(tmp_path / "x.db"), "--csv", "a"]) == 2
    assert "review database not found" in capsys.readouterr().err
    db = str(tmp_path / "review.db")
    _signed_run(db)
    assert cli.main(["audit-export", "--review-db", db]) == 2
    assert "--csv FILE and/or --json FILE" in capsys.readouterr().err
    assert cli.main(["audit-export", "--review-db", db, "--csv", str(tmp_path / "no/x.csv")]) == 2


# --------------------------------------------------------------------------------- notify


class Receiver:
    """A webhook receiver on 127.0.0.1 answering each call with the next status of ``script``."""

    def __init__(self, script: list[int]) -> None:
        self.script, self.calls = list(script), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append((self.headers, body))  # case-insensitive
                self.send_response(receiver.script.pop(0) if receiver.script else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    started = Receiver([500])  # fails first, then succeeds
    monkeypatch.setenv("SYNTHLENS_WEBHOOK_URL", started.url)
    monkeypatch.setenv("SYNTHLENS_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("SYNTHLENS_WEBHOOK_TIMEOUT", "5")
    yield started
    started.close()


def _make_due(db: str) -> None:
    """Move the retry time into the past: the backoff's minute has passed, without sleeping."""
    engine = make_engine(_engine_url(db))
    with engine.begin() as conn:
        conn.execute(update(OutboxRow).values(next_attempt_at=OutboxRow.created_at))
    engine.dispose()


def test_notify_retries_a_failed_call_until_the_receiver_takes_it(tmp_path, receiver, capsys):
    db = str(tmp_path / "review.db")
    _signed_run(db, webhooks=True)  # the store queues its events; nothing is sent yet
    queued = {d.event for d in deliveries(make_engine(_engine_url(db)))}
    assert "signed_off" in queued

    assert cli.main(["notify", "--review-db", db]) == 0
    first = capsys.readouterr().out
    assert "will be retried" in first and len(receiver.calls) >= 1
    _make_due(db)
    assert cli.main(["notify", "--review-db", db]) == 0
    assert "0 will be retried, 0 failed" in capsys.readouterr().out
    pending = [d for d in deliveries(make_engine(_engine_url(db))) if d.status != "sent"]
    assert pending == []
    headers, body = receiver.calls[-1]
    assert verify_signature(body, headers["X-SynthLens-Signature"], SECRET)
    assert {json.loads(b)["event"] for _, b in receiver.calls} == queued


def test_notify_retry_failed_puts_given_up_calls_back(tmp_path, receiver, capsys):
    db = str(tmp_path / "review.db")
    _signed_run(db, webhooks=True)
    engine = make_engine(_engine_url(db))
    deliver_due(engine, receiver.url, SECRET, max_attempts=1)  # the 500 gives up at once
    assert any(d.status == "failed" for d in deliveries(engine))
    assert cli.main(["notify", "--review-db", db]) == 0  # nothing due: failed stays failed
    assert cli.main(["notify", "--review-db", db, "--retry-failed"]) == 0
    assert "put back in the queue" in capsys.readouterr().out
    assert all(d.status == "sent" for d in deliveries(engine))
    engine.dispose()


def test_notify_without_a_webhook_says_what_to_set(tmp_path, capsys):
    db = str(tmp_path / "review.db")
    _signed_run(db)
    assert cli.main(["notify", "--review-db", db]) == 2
    assert "SYNTHLENS_WEBHOOK_URL" in capsys.readouterr().err


# ------------------------------------------------------------------------- signoff-record


def test_signoff_record_writes_the_printable_record(tmp_path, capsys):
    db = str(tmp_path / "review.db")
    run_id, _ = _signed_run(db)
    out = tmp_path / "record.html"
    assert cli.main(["signoff-record", "--review-db", db, "--run", str(run_id),
                     "--out", str(out)]) == 0  # fmt: skip
    page = out.read_text(encoding="utf-8")
    assert "Signed by Ada Lovelace &lt;ada@example.org&gt; (verified by the company login)" in page
    assert _sha("r") in page and "approved for training models" in page
    assert cli.main(["signoff-record", "--review-db", db, "--run", "999", "--out",
                     str(out)]) == 2  # fmt: skip
    assert "there is no review run 999" in capsys.readouterr().err


def test_help_lists_the_governance_commands(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for command in ("verify-audit", "grant", "roles", "audit-export", "notify", "signoff-record"):
        assert command in out


def test_policy_from_the_review_database_without_policy_file_is_used(tmp_path):
    # cli.report's policy lookup, without running an assessment: the stored version is named.
    db = str(tmp_path / "review.db")
    with Store(_engine_url(db), webhooks=None) as store:
        text_ = "[gates]\noverall_min = 0.99\n"
        store.save_policy(text_, "Boss", "admin", expected_version=0)
        policy, version = cli._stored_policy(None, store, db)
    assert version == 1 and policy.thresholds["overall_min"] == 0.99
    assert cli._stored_policy(load_policy(None), None, None)[1] is None
