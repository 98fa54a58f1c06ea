"""The store queues webhook notifications itself, in the transaction of the event it reports,
and a local receiver gets them signed, retried after a failure, never lost (issue 15).

The receiver is an ``http.server`` on 127.0.0.1 at a free port (``test_outbox.Receiver``).
Time moves by passing ``now`` to ``deliver_due``; nothing sleeps.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from storekit import finding, sha
from test_outbox import Receiver

from review import Store, load_policy
from review.outbox import Deliverer, DeliveryReport, backoff, deliver_due, deliveries
from review.records import utcnow
from review.roles import Identity
from review.webhook import WebhookConfig, verify_signature

SECRET = "hook-secret"
ADA = Identity("Ada Lovelace", "ada@example.org", verified=True, source="oidc")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # urllib honours proxy variables; a proxy must not stand between a test and 127.0.0.1.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SYNTHLENS_WEBHOOK_URL", raising=False)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    yield started
    started.close()


@pytest.fixture
def hooked(db_url: str, receiver: Receiver) -> Iterator[Store]:
    with Store(db_url, webhooks=WebhookConfig(receiver.url, SECRET, timeout=5)) as opened:
        yield opened


def _run(store: Store, seed: int = 0):
    inputs = {"real": sha("real.csv"), "synthetic": sha("synthetic.csv")}
    names = {"real": "real.csv", "synthetic": "synthetic.csv"}
    return store.get_or_create_run(inputs, names, "0.1.0", {"seed": seed}, {"overall": 0.9})


def _queued(store: Store) -> list[tuple[str, dict[str, Any]]]:
    return [(d.event, d.payload) for d in sorted(deliveries(store.engine), key=lambda d: d.id)]


def _reviewed(store: Store):
    """A run with a decided high item and an open low one."""
    run = _run(store)
    high, _ = store.add_items(run.id, [finding("invalid:3", row=3), finding("a|m|x", "low")])
    store.decide(high.id, "accepted", ADA, expected_version=1)
    return run


def test_a_new_run_with_items_is_announced_once(hooked):
    run = _run(hooked)
    assert _queued(hooked) == []  # a run without items is not ready for anything
    hooked.add_items(run.id, [finding("invalid:3", row=3), finding("a|m|x", "low")])
    hooked.add_items(run.id, [finding("b|m|y", "low")])  # more items: the same review
    [(event, payload)] = _queued(hooked)
    assert event == "run_ready_for_review"
    assert (payload["run_id"], payload["items"], payload["open"]) == (run.id, 2, 2)
    assert payload["names"]["real"] == "real.csv"


def test_sign_offs_and_rejections_are_announced(hooked):
    run = _reviewed(hooked)
    signed = hooked.sign_off(run.id, "approved", ADA, "Fit.", load_policy(None), {}, [])
    rejected = hooked.sign_off(run.id, "rejected", ADA, "Leak.", load_policy(None), {}, [])
    events = _queued(hooked)[1:]
    assert [e for e, _ in events] == ["signed_off", "rejected"]
    assert events[0][1] | {"names": None} == {
        "run_id": run.id, "sign_off": signed.id, "decision": "approved", "by": "Ada Lovelace",
        "verified": True, "meaning": signed.meaning, "names": None}  # fmt: skip
    assert events[1][1]["sign_off"] == rejected.id


def test_a_rerun_that_reopens_an_item_is_announced(hooked):
    first = _run(hooked)
    [item] = hooked.add_items(first.id, [finding("a|m|x", "low")])
    hooked.decide(item.id, "waived", ADA, reason="minor", expected_version=1)
    second = _run(hooked, seed=1)
    [again] = hooked.add_items(second.id, [finding("a|m|x", "high")])  # worse now: reopened
    assert again.status == "open"
    event, payload = _queued(hooked)[-1]
    assert event == "items_reopened"
    assert (payload["run_id"], payload["reopened"], payload["from_run"]) == (
        second.id, 1, first.id)  # fmt: skip


def test_a_rerun_that_carries_every_decision_reopens_nothing(hooked):
    first = _run(hooked)
    [item] = hooked.add_items(first.id, [finding("a|m|x", "low")])
    hooked.decide(item.id, "waived", ADA, reason="minor", expected_version=1)
    hooked.add_items(_run(hooked, seed=1).id, [finding("a|m|x", "low")])
    assert "items_reopened" not in [e for e, _ in _queued(hooked)]


def test_an_expired_waiver_is_announced(hooked):
    run = _run(hooked)
    [item] = hooked.add_items(run.id, [finding("invalid:3", row=3)])
    ends = utcnow() + timedelta(days=7)
    hooked.decide(item.id, "waived", ADA, reason="until the fix", expected_version=1,
                  expires_at=ends)  # fmt: skip
    assert hooked.reopen_expired(run.id, now=ends) == 1
    event, payload = _queued(hooked)[-1]
    assert event == "items_reopened"
    assert (payload["reopened"], payload["why"], payload["items"]) == (1, "waiver expired",
                                                                       [item.id])  # fmt: skip


def test_everything_queued_is_delivered_signed(hooked, receiver):
    run = _reviewed(hooked)
    hooked.sign_off(run.id, "rejected", ADA, "Not yet.", load_policy(None), {}, [])
    report = deliver_due(hooked.engine, receiver.url, SECRET)
    queued = deliveries(hooked.engine)
    assert sorted(report.sent) == sorted(d.id for d in queued) and len(queued) == 2
    assert {d.status for d in queued} == {"sent"}
    for call in receiver.calls:
        assert verify_signature(call["body"], call["headers"]["X-SynthLens-Signature"], SECRET)
        assert not verify_signature(call["body"], call["headers"]["X-SynthLens-Signature"], "x")
    bodies = [json.loads(c["body"]) for c in receiver.calls]
    assert [b["event"] for b in bodies] == ["run_ready_for_review", "rejected"]
    assert bodies[1]["data"]["run_id"] == run.id


def test_a_failed_call_is_retried_later_and_nothing_is_lost(hooked, receiver):
    receiver.script = [500]  # the receiver fails the first call, then answers 200
    run = _reviewed(hooked)
    hooked.sign_off(run.id, "approved", ADA, "Fit.", load_policy(None), {}, [])
    now = utcnow()
    first = deliver_due(hooked.engine, receiver.url, SECRET, now=now)
    assert len(first.retrying) == 1 and len(first.sent) == 1
    [waiting] = deliveries(hooked.engine, status="pending")
    assert waiting.last_error.startswith("HTTP 500") and waiting.attempts == 1
    assert deliver_due(hooked.engine, receiver.url, SECRET, now=now).sent == []  # not due yet
    later = deliver_due(hooked.engine, receiver.url, SECRET, now=now + backoff(1))
    assert later.sent == first.retrying
    assert {d.status for d in deliveries(hooked.engine)} == {"sent"}
    events = [json.loads(c["body"])["event"] for c in receiver.calls]
    assert sorted(events) == sorted(["run_ready_for_review", "signed_off", events[0]])
    assert len(events) == 3  # two events, one of them twice


def test_the_sign_off_succeeds_while_the_receiver_is_down(db_url):
    down = Receiver()
    url = down.url
    down.close()  # nothing listens on its port any more
    config = WebhookConfig(url, SECRET, timeout=2)
    passes: list[DeliveryReport] = []
    passed = threading.Event()

    def on_pass(report: DeliveryReport) -> None:
        passes.append(report)
        passed.set()

    with Store(db_url, webhooks=config) as store:
        worker = Deliverer(store.engine, config, poll=3600, on_pass=on_pass)
        run = _reviewed(store)
        # As the app wires it; from here on, so the one pass covers the sign-off's call.
        store.after_notify = worker.kick
        try:
            signed = store.sign_off(run.id, "approved", ADA, "Fit.", load_policy(None), {}, [])
            assert store.current_sign_off(run.id) == signed
            assert passed.wait(30)
        finally:
            worker.stop(30)
        pending = {d.event: d for d in deliveries(store.engine)}
        assert {"run_ready_for_review", "signed_off"} <= set(pending)
        assert pending["signed_off"].status == "pending"  # kept for a retry, not dropped
        assert "cannot reach" in (pending["signed_off"].last_error or "")
        assert pending["signed_off"].id in passes[0].retrying


def test_without_webhooks_nothing_is_queued(db_url):
    with Store(db_url, webhooks=None) as store:
        run = _reviewed(store)
        [item] = store.items(run.id, severity="low")
        store.decide(item.id, "waived", ADA, reason="ok", expected_version=1,
                     expires_at=utcnow() + timedelta(days=1))  # fmt: skip
        store.reopen_expired(run.id, now=utcnow() + timedelta(days=2))
        store.sign_off(run.id, "rejected", ADA, "No.", load_policy(None), {}, [])
        assert deliveries(store.engine) == []
