"""A persistent outbox of webhook notifications: queued in the caller's transaction, sent later.

:func:`enqueue` adds a row in the same transaction as the sign-off (or run, or re-run) it
reports, so a notification exists exactly when that change was committed, and it does no
network I/O. :func:`deliver_due` sends rows whose time has come, outside any transaction, and
records each outcome: 2xx -> ``sent``; anything else -> retried with exponential backoff
(1 min, 2, 4, ... capped at 1 h) until ``max_attempts``, then ``failed`` with an error logged.
Nothing raises into the caller and nothing is dropped: a failed row stays in the table with its
last error, and :func:`retry_failed` puts it back in the queue.

Delivery is at least once: a row is leased before its POST (``next_attempt_at`` moved past the
timeout) so two deliverers never send it at the same time, and a deliverer that dies mid-call
leaves it due again after the lease. Receivers drop repeated ``X-SynthLens-Delivery`` ids.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Index, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from review.db import WRITE_OPTION
from review.models import Base
from review.records import jsonable, utcnow
from review.webhook import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    WebhookConfig,
    display_url,
    post,
    sign,
    webhook_config,
)

logger = logging.getLogger("synthlens.webhook")

EVENTS: tuple[str, ...] = ("run_ready_for_review", "signed_off", "rejected", "items_reopened")
STATUSES: tuple[str, ...] = ("pending", "sent", "failed")
MAX_ATTEMPTS = 10  # 1+2+4+...+32 min then hourly: about 4 h 20 min before giving up
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
MAX_PAYLOAD_BYTES = 16_384  # a notification says what happened, the receiver asks for details
BATCH = 50
_LEASE_MARGIN = timedelta(seconds=60)


class OutboxRow(Base):
    """One notification; updated as it is delivered (not part of the append-only tables)."""

    __tablename__ = "synthlens_webhook_outbox"
    __table_args__ = (Index("ix_synthlens_webhook_outbox_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


@dataclass(frozen=True)
class Delivery:
    """An outbox row as plain values (for status pages, the CLI and tests)."""

    id: int
    event: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


@dataclass
class DeliveryReport:
    """What one :func:`deliver_due` pass did, by row id."""

    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    error: str | None = None  # the outbox itself could not be read or written


def enqueue(
    session: Session,
    event: str,
    payload: Mapping[str, Any],
    *,
    enabled: bool | None = None,
    now: datetime | None = None,
) -> int | None:
    """Queue a notification in ``session``'s transaction; no network I/O.

    Parameters
    ----------
    session:
        The session of the write that the event reports (it commits or rolls back with it).
    event:
        One of :data:`EVENTS`.
    payload:
        Small plain JSON (ids, names, counts); at most :data:`MAX_PAYLOAD_BYTES`.
    enabled:
        Whether webhooks are on; by default, whether ``SYNTHLENS_WEBHOOK_URL`` is set. When
        off, nothing is stored: rows nobody delivers would pile up, and would flood a
        receiver configured months later with stale events.

    Returns
    -------
    int or None
        The row id (the ``X-SynthLens-Delivery`` value), or ``None`` when webhooks are off.

    Raises
    ------
    ValueError
        An unknown event or a payload that is not a small JSON object: a programming error,
        raised even when webhooks are off so tests catch it.
    """
    data = _check(event, payload)
    if enabled is None:
        enabled = webhook_config() is not None
    if not enabled:
        return None
    at = now or utcnow()
    row = OutboxRow(event=event, payload=data, status="pending", attempts=0,
                    next_attempt_at=at, last_error=None, created_at=at)  # fmt: skip
    session.add(row)
    session.flush()
    return row.id


def _check(event: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}; expected one of {list(EVENTS)}")
    if not isinstance(payload, Mapping):
        raise ValueError("a webhook payload is a JSON object (a mapping)")
    data = jsonable(dict(payload))
    size = len(json.dumps(data, allow_nan=False).encode())
    if size > MAX_PAYLOAD_BYTES:
        raise ValueError(f"webhook payload is {size} bytes; at most {MAX_PAYLOAD_BYTES}")
    return data


def body_of(row: OutboxRow | Delivery) -> bytes:
    """The exact bytes POSTed for a row: the same on every retry, so one signature fits."""
    document = {
        "id": row.id,
        "event": row.event,
        "created_at": row.created_at.isoformat(),
        "data": row.payload,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed call: 1 min doubling, at most 1 h."""
    return min(FIRST_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)


def deliver_due(
    engine: Engine,
    url: str,
    secret: str,
    now: datetime | None = None,
    timeout: float = 5,
    *,
    max_attempts: int = MAX_ATTEMPTS,
    limit: int = BATCH,
) -> DeliveryReport:
    """POST every due pending row (oldest first, at most ``limit``) and record the outcomes.

    Never raises: an unreachable or slow endpoint, a bad URL or an unreadable outbox become a
    row's ``last_error`` and a log line. Each call waits at most about ``timeout`` seconds per
    socket operation, and no database transaction is open while it waits.

    Parameters
    ----------
    now:
        The current UTC time (tests pass it to step through the backoff without sleeping).

    Returns
    -------
    DeliveryReport
        The ids sent, scheduled for a retry, or given up on in this pass.
    """
    report = DeliveryReport()
    try:
        if not secret:
            raise ValueError("no webhook secret is configured; calls are never sent unsigned")
        claimed = _claim(engine, now or utcnow(), limit, timedelta(seconds=timeout))
    except Exception as exc:  # noqa: BLE001 - delivery must never raise into the caller
        report.error = f"{type(exc).__name__}: {exc}"
        logger.error("webhook outbox not delivered: %s", report.error)
        return report
    for row in claimed:
        body = body_of(row)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "SynthLens-Webhook/1",
            EVENT_HEADER: row.event,
            SIGNATURE_HEADER: sign(body, secret),
            DELIVERY_HEADER: str(row.id),
        }
        error = post(url, body, headers, timeout)
        try:
            outcome = _record(engine, row, error, now or utcnow(), max_attempts, url)
        except Exception as exc:  # noqa: BLE001
            # The lease expires and the row is sent again: at least once, never lost.
            logger.exception("webhook delivery %s: outcome not recorded (%s)", row.id, exc)
            continue
        getattr(report, outcome).append(row.id)
    return report


def _claim(engine: Engine, now: datetime, limit: int, timeout: timedelta) -> list[Delivery]:
    """Lease the due rows: count the attempt and hold them back until the call has ended."""
    writer = engine.execution_options(**{WRITE_OPTION: True})
    with Session(writer, expire_on_commit=False) as session, session.begin():
        query = (
            select(OutboxRow)
            .where(OutboxRow.status == "pending", OutboxRow.next_attempt_at <= now)
            .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE serialises
        )
        rows = list(session.scalars(query))
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = now + timeout + _LEASE_MARGIN
        return [_plain(r) for r in rows]


def _record(engine: Engine, row: Delivery, error: str | None, now: datetime,
            max_attempts: int, url: str) -> str:  # fmt: skip
    if error is None:
        values: dict[str, Any] = {"status": "sent", "sent_at": now, "last_error": None}
        outcome = "sent"
    elif row.attempts >= max_attempts:
        values = {"status": "failed", "last_error": error}
        outcome = "failed"
        logger.error(
            "webhook delivery %s (%s) FAILED after %d attempts, giving up: %s (to %s)",
            row.id, row.event, row.attempts, error, display_url(url),
        )  # fmt: skip
    else:
        retry_at = now + backoff(row.attempts)
        values = {"status": "pending", "next_attempt_at": retry_at, "last_error": error}
        outcome = "retrying"
        logger.warning(
            "webhook delivery %s (%s) attempt %d failed: %s; retry at %s",
            row.id, row.event, row.attempts, error, retry_at.isoformat(timespec="seconds"),
        )  # fmt: skip
    writer = engine.execution_options(**{WRITE_OPTION: True})
    with writer.begin() as conn:
        conn.execute(update(OutboxRow).where(OutboxRow.id == row.id).values(**values))
    return outcome


def _plain(row: OutboxRow) -> Delivery:
    return Delivery(id=row.id, event=row.event, payload=dict(row.payload or {}),
                    status=row.status, attempts=row.attempts,
                    next_attempt_at=row.next_attempt_at, last_error=row.last_error,
                    created_at=row.created_at, sent_at=row.sent_at)  # fmt: skip


def deliveries(engine: Engine, status: str | None = None, limit: int = 200) -> list[Delivery]:
    """Outbox rows, newest first, optionally only those with ``status``."""
    query = select(OutboxRow).order_by(OutboxRow.id.desc()).limit(limit)
    if status is not None:
        query = query.where(OutboxRow.status == status)
    with Session(engine) as session:
        return [_plain(r) for r in session.scalars(query)]


def retry_failed(engine: Engine, ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Put failed rows (all, or those in ``ids``) back in the queue with a fresh count."""
    query = update(OutboxRow).where(OutboxRow.status == "failed")
    if ids is not None:
        query = query.where(OutboxRow.id.in_(ids))
    values = {"status": "pending", "attempts": 0, "next_attempt_at": now or utcnow()}
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
        return conn.execute(query.values(**values)).rowcount


def deliver_configured(engine: Engine, config: WebhookConfig | None = None) -> DeliveryReport:
    """:func:`deliver_due` with the configured URL, secret and timeout; nothing when off."""
    config = config or webhook_config()
    if config is None:
        return DeliveryReport()
    return deliver_due(engine, config.url, config.secret, timeout=config.timeout)


class Deliverer:
    """One daemon thread that runs :func:`deliver_configured`; :meth:`kick` never blocks.

    Call :meth:`kick` after each commit that enqueued something; the thread also wakes every
    ``poll`` seconds so retries happen without new events.
    """

    def __init__(
        self,
        engine: Engine,
        config: WebhookConfig | None = None,
        poll: float = 60.0,
        on_pass: Callable[[DeliveryReport], None] | None = None,
    ) -> None:
        self.engine, self.config, self.poll, self.on_pass = engine, config, poll, on_pass
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        """Ask for a delivery pass soon; starts the thread on first use."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="synthlens-webhooks", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        """End the thread after its current call (at most about one timeout per row)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                report = deliver_configured(self.engine, self.config)
                if self.on_pass is not None:
                    self.on_pass(report)
            except Exception:  # noqa: BLE001 - the thread must survive anything
                logger.exception("webhook delivery thread")
