"""Webhook outbox: signed calls to a local HTTP server, retries, give-up, never blocking.

Every server here is an ``http.server`` on 127.0.0.1 at a free port in a thread. Time moves by
passing ``now`` to ``deliver_due``, so no test sleeps; the only real waits are the short socket
timeouts of the tests about slow servers.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from storekit import sqlite_only

from review import Store
from review.outbox import (
    MAX_ATTEMPTS,
    Deliverer,
    backoff,
    body_of,
    deliver_due,
    deliveries,
    enqueue,
    retry_failed,
)
from review.webhook import WebhookConfig, sign, verify_signature, webhook_config

SECRET = "s3cret-key"
T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # urllib honours proxy variables; a proxy must not stand between a test and 127.0.0.1.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SYNTHLENS_WEBHOOK_URL", raising=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Receiver:
    """A webhook receiver answering each call with the next status of ``script`` (then 200)."""

    def __init__(self, port: int | None = None, script: list[int] | None = None) -> None:
        self.script = list(script or [])
        self.calls: list[dict[str, Any]] = []
        self.hold = threading.Event()  # when set, calls wait for ``release`` before answering
        self.release = threading.Event()
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append({"headers": self.headers, "body": body})  # case-insensitive
                receiver.arrived.set()
                if receiver.hold.is_set():
                    receiver.release.wait(10)
                status = receiver.script.pop(0) if receiver.script else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port or 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/synthlens?token=t0k3n"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    yield started
    started.close()


def _queue(store: Store, event: str = "signed_off", **payload: Any) -> int:
    with store._write() as session:
        row_id = enqueue(session, event, payload or {"run_id": 1}, enabled=True, now=T0)
    assert row_id is not None
    return row_id


def _row(store: Store, row_id: int) -> Any:
    [row] = [d for d in deliveries(store._engine) if d.id == row_id]
    return row


def test_delivered_with_a_signature_the_receiver_verifies(store, receiver):
    row_id = _queue(store, "signed_off", run_id=7, decision="approved", signer="Ana")
    report = deliver_due(store._engine, receiver.url, SECRET, now=T0)
    assert report.sent == [row_id]
    [call] = receiver.calls
    headers = call["headers"]
    assert verify_signature(call["body"], headers["X-SynthLens-Signature"], SECRET)
    assert not verify_signature(call["body"], headers["X-SynthLens-Signature"], "other")
    assert not verify_signature(call["body"] + b" ", headers["X-SynthLens-Signature"], SECRET)
    assert headers["X-SynthLens-Event"] == "signed_off"
    assert headers["X-SynthLens-Delivery"] == str(row_id)
    document = json.loads(call["body"])
    assert document["id"] == row_id and document["event"] == "signed_off"
    assert document["data"] == {"run_id": 7, "decision": "approved", "signer": "Ana"}
    row = _row(store, row_id)
    assert (row.status, row.attempts, row.last_error, row.sent_at) == ("sent", 1, None, T0)
    # Sent rows are not sent again.
    assert deliver_due(store._engine, receiver.url, SECRET, now=T0 + timedelta(days=1)).sent == []


def test_server_errors_are_retried_with_backoff_until_sent(store, receiver):
    receiver.script = [500, 500]
    row_id = _queue(store)
    first = deliver_due(store._engine, receiver.url, SECRET, now=T0)
    assert first.retrying == [row_id]
    row = _row(store, row_id)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, row.last_error)
    assert row.last_error.startswith("HTTP 500")
    assert row.next_attempt_at == T0 + timedelta(minutes=1)
    # Not due yet: nothing is called.
    early = deliver_due(store._engine, receiver.url, SECRET, now=T0 + timedelta(seconds=59))
    assert early.retrying == early.sent == [] and len(receiver.calls) == 1
    t1 = T0 + timedelta(minutes=1)
    assert deliver_due(store._engine, receiver.url, SECRET, now=t1).retrying == [row_id]
    assert _row(store, row_id).next_attempt_at == t1 + timedelta(minutes=2)
    t2 = t1 + timedelta(minutes=2)
    assert deliver_due(store._engine, receiver.url, SECRET, now=t2).sent == [row_id]
    row = _row(store, row_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    # Every retry carried the same bytes and the same valid signature.
    assert len({c["body"] for c in receiver.calls}) == 1
    assert all(
        verify_signature(c["body"], c["headers"]["X-SynthLens-Signature"], SECRET)
        for c in receiver.calls
    )


def test_dead_endpoint_is_not_raised_and_is_delivered_when_it_comes_back(store):
    port = _free_port()  # nothing listens here yet
    row_id = _queue(store, "run_ready_for_review", run_id=3, items=12)
    url = f"http://127.0.0.1:{port}/hook"
    report = deliver_due(store._engine, url, SECRET, now=T0, timeout=2)
    assert report.retrying == [row_id]
    row = _row(store, row_id)
    assert row.status == "pending" and row.attempts == 1
    assert "cannot reach http://127.0.0.1" in row.last_error
    back = Receiver(port=port)
    try:
        later = T0 + backoff(1)
        assert deliver_due(store._engine, url, SECRET, now=later).sent == [row_id]
        assert json.loads(back.calls[0]["body"])["data"] == {"run_id": 3, "items": 12}
    finally:
        back.close()


def test_after_max_attempts_the_row_is_failed_and_logged(store, receiver, caplog):
    receiver.script = [503] * MAX_ATTEMPTS
    row_id = _queue(store, "rejected", run_id=2)
    now = T0
    with caplog.at_level(logging.WARNING, logger="synthlens.webhook"):
        for attempt in range(1, MAX_ATTEMPTS + 1):
            report = deliver_due(store._engine, receiver.url, SECRET, now=now)
            if attempt < MAX_ATTEMPTS:
                assert report.retrying == [row_id]
            now += backoff(attempt)
    assert report.failed == [row_id]
    row = _row(store, row_id)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert row.last_error.startswith("HTTP 503")
    [given_up] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert f"webhook delivery {row_id} (rejected) FAILED after {MAX_ATTEMPTS}" in given_up.message
    # The log and the stored error never show the URL's path or token.
    assert all("t0k3n" not in r.message for r in caplog.records)
    # A failed row is kept, not sent again by itself, and can be put back in the queue.
    assert deliver_due(store._engine, receiver.url, SECRET, now=now + timedelta(days=1)).sent == []
    assert retry_failed(store._engine, now=now) == 1
    assert deliver_due(store._engine, receiver.url, SECRET, now=now).sent == [row_id]


def test_two_deliverers_at_once_send_each_row_once(store, receiver):
    ids = [_queue(store, run_id=n) for n in range(6)]
    reports: list[Any] = []

    def deliver() -> None:
        reports.append(deliver_due(store._engine, receiver.url, SECRET, now=T0))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(i for r in reports for i in r.sent) == ids
    assert sorted(int(c["headers"]["X-SynthLens-Delivery"]) for c in receiver.calls) == ids


def test_backoff_doubles_from_one_minute_and_is_capped_at_one_hour():
    assert [backoff(n).total_seconds() / 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


@sqlite_only
def test_a_slow_endpoint_costs_at_most_the_timeout_and_is_retried(store, receiver):
    receiver.hold.set()  # the receiver never answers within the timeout
    row_id = _queue(store)
    report = deliver_due(store._engine, receiver.url, SECRET, now=T0, timeout=0.2)
    assert report.retrying == [row_id]
    assert "timed out" in _row(store, row_id).last_error


@sqlite_only
def test_bad_urls_and_a_missing_secret_never_raise_and_keep_the_row(store, caplog):
    row_id = _queue(store)
    for day, url in enumerate(("not a url", "ftp://example.invalid/x", "http://[::1", "")):
        report = deliver_due(store._engine, url, SECRET, now=T0 + timedelta(days=day))
        assert report.error is None and report.sent == []
    assert _row(store, row_id).status == "pending"
    with caplog.at_level(logging.ERROR, logger="synthlens.webhook"):
        report = deliver_due(store._engine, "http://127.0.0.1:9/", "", now=T0 + timedelta(days=9))
    assert report.error and "secret" in report.error and "secret" in caplog.text
    assert _row(store, row_id).attempts == 4  # the unsigned attempt was never made


@sqlite_only
def test_an_unreadable_outbox_is_logged_not_raised(store, caplog):
    store.close()
    with store._engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE synthlens_webhook_outbox")
    with caplog.at_level(logging.ERROR, logger="synthlens.webhook"):
        report = deliver_due(store._engine, "http://127.0.0.1:9/", SECRET, now=T0)
    assert report.error and "webhook outbox not delivered" in caplog.text


@sqlite_only
def test_enqueue_joins_the_callers_transaction_and_is_off_without_a_url(store, monkeypatch):
    with pytest.raises(RuntimeError), store._write() as session:
        enqueue(session, "signed_off", {"run_id": 1}, enabled=True)
        raise RuntimeError("the sign-off failed")
    assert deliveries(store._engine) == []  # rolled back with it
    with store._write() as session:
        assert enqueue(session, "signed_off", {"run_id": 1}) is None  # no URL configured
    monkeypatch.setenv("SYNTHLENS_WEBHOOK_URL", "http://127.0.0.1:9/")
    with store._write() as session:
        assert enqueue(session, "items_reopened", {"run_id": 1, "reopened": 4}) is not None
    with store._write() as session:
        with pytest.raises(ValueError, match="unknown webhook event"):
            enqueue(session, "deleted", {})
        with pytest.raises(ValueError, match="at most"):
            enqueue(session, "signed_off", {"blob": "x" * 20_000})
    assert [d.event for d in deliveries(store._engine)] == ["items_reopened"]


@sqlite_only
def test_the_deliverer_thread_never_blocks_the_caller(store, receiver):
    receiver.hold.set()
    row_id = _queue(store)
    passes: list[Any] = []
    done = threading.Event()

    def on_pass(report: Any) -> None:
        passes.append(report)
        done.set()

    config = WebhookConfig(receiver.url, SECRET, timeout=10)
    worker = Deliverer(store._engine, config, poll=3600, on_pass=on_pass)
    try:
        worker.kick()  # returns while the receiver is still holding the call
        assert receiver.arrived.wait(10)
        assert not done.is_set()
        receiver.release.set()
        assert done.wait(10)
    finally:
        worker.stop(10)
    assert passes[0].sent == [row_id]


def test_signature_helpers_and_configuration():
    body = b'{"a":1}'
    header = sign(body, SECRET)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert verify_signature(body, header, SECRET)
    for bad in (None, "", "sha256=", header.upper(), "sha1=" + header[7:], "sha256=\u00e9"):
        assert not verify_signature(body, bad, SECRET)
    assert not verify_signature(body, header, "")
    assert webhook_config({}) is None
    config = webhook_config({"SYNTHLENS_WEBHOOK_URL": " https://h.example/x?token=abc ",
                             "SYNTHLENS_WEBHOOK_SECRET": "k",
                             "SYNTHLENS_WEBHOOK_TIMEOUT": "nonsense"})  # fmt: skip
    assert config == WebhookConfig("https://h.example/x?token=abc", "k", 5.0)
    assert "abc" not in repr(config) and "'k'" not in repr(config)


def test_the_body_is_stable_for_a_row():
    class Row:
        id, event, created_at, payload = 5, "signed_off", T0, {"b": 1, "a": [1, 2]}

    assert body_of(Row()) == body_of(Row())  # type: ignore[arg-type]
    assert json.loads(body_of(Row()))["created_at"] == "2025-01-01T12:00:00+00:00"  # type: ignore[arg-type]
