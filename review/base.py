"""Connections, transactions and row look-ups shared by every part of the review store."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Self, TypeVar

from sqlalchemy import event, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from review import chain, outbox  # noqa: F401 - their tables join the schema before upgrade
from review.db import WRITE_OPTION, make_engine, resolve_url, upgrade
from review.models import AuditRow, GrantRow, ItemRow, PolicyRow, RunRow, SignOffRow
from review.models import forbid_append_only_changes as _guard
from review.records import InvalidInput, NotFound, utcnow
from review.roles import Identity
from review.webhook import WebhookConfig, webhook_config

_MAX_NAME = 200
R = TypeVar("R", RunRow, ItemRow)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def clean_name(value: str | None, what: str) -> str:
    """A person's name or a label, stripped; refused when empty or absurdly long."""
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidInput(f"{what} is required")
    if len(cleaned) > _MAX_NAME:
        raise InvalidInput(f"{what} is longer than {_MAX_NAME} characters")
    return cleaned


def person(who: str | Identity, what: str = "name") -> Identity:
    """The acting person: an ``Identity`` as given (name checked), a plain string as a typed,
    unverified name."""
    if isinstance(who, Identity):
        clean_name(who.name, what)
        if len(who.email) > 254:
            raise InvalidInput("the email address is longer than 254 characters")
        return who
    return Identity.typed(clean_name(who, what))


logger = logging.getLogger("synthlens.webhook")
PENDING = "synthlens_chain_pending"
_NOTIFIED = "synthlens_notified"


def _collect(session: Session, flush_context: Any) -> None:
    """``after_flush``: remember the chained rows (audit, sign-offs, policies, grants) this
    transaction inserted."""
    new = [o for o in session.new if isinstance(o, AuditRow | SignOffRow | PolicyRow | GrantRow)]
    session.info.setdefault(PENDING, []).extend(new)


def state_digest(session: Session, run_id: int) -> str:
    """Digest of every item's (id, version) in a run: changes whenever any decision does."""
    pairs = session.execute(
        select(ItemRow.id, ItemRow.version).where(ItemRow.run_id == run_id).order_by(ItemRow.id)
    ).all()
    return sha(";".join(f"{i}:{v}" for i, v in pairs))[:16]


class StoreBase:
    """Engine, transactions and row look-ups; the public API is :class:`review.store.Store`."""

    def __init__(
        self, url: str | None = None, webhooks: WebhookConfig | None | bool = True
    ) -> None:
        """``webhooks``: a configuration, ``None`` for none, ``True`` for the environment's."""
        self.url = resolve_url(url)
        self.webhooks = webhook_config() if webhooks is True else webhooks or None
        # Called after a commit that queued a notification (the app's deliverer thread).
        self.after_notify: Callable[[], None] | None = None
        self._engine = make_engine(self.url)
        self._write_engine = self._engine.execution_options(**{WRITE_OPTION: True})
        try:
            self.schema_version = upgrade(self._engine)
        except BaseException:
            self._engine.dispose()
            raise

    @property
    def backend(self) -> str:
        """``"sqlite"``, ``"postgresql"``, ...: the kind of database in use."""
        return self._engine.dialect.name

    def describe(self) -> str:
        """The URL with any password hidden, for status lines."""
        return make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            yield session

    @property
    def engine(self) -> Any:
        """The SQLAlchemy engine (for the chain's verify and exports, and the outbox)."""
        return self._engine

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """A transaction that commits on success (before the caller's method returns).

        Every audit row and sign-off it inserted is linked into the hash chain just before the
        commit, under the chain head's lock, so no write path can go around the chain.
        Rows written with a Core insert are added to ``session.info[PENDING]`` by the caller.
        """
        with Session(self._write_engine, expire_on_commit=False) as session:
            event.listen(session, "before_flush", _guard)
            event.listen(session, "after_flush", _collect)
            with session.begin():
                yield session
                session.flush()
                pending = session.info.pop(PENDING, [])
                if pending:
                    chain.append_links(session, pending)
            if session.info.get(_NOTIFIED) and self.after_notify is not None:
                try:
                    self.after_notify()
                except Exception:  # noqa: BLE001 - the write is committed; say so, log this
                    logger.exception("waking the webhook deliverer after a commit")

    def _notify(self, session: Session, event_name: str, payload: Mapping[str, Any]) -> None:
        """Queue a webhook call in this transaction (nothing when webhooks are off)."""
        if outbox.enqueue(session, event_name, payload, enabled=self.webhooks is not None):
            session.info[_NOTIFIED] = True

    @staticmethod
    def _get(session: Session, model: type[R], row_id: int, what: str, lock: bool) -> R:
        """The row with ``row_id``, locked for update when asked; NotFound otherwise."""
        query = select(model).where(model.id == row_id)  # type: ignore[attr-defined]
        row = session.scalars(query.with_for_update() if lock else query).first()
        if row is None:
            raise NotFound(f"no {what} with id {row_id}")
        return row

    def _run_row(self, session: Session, run_id: int, lock: bool = False) -> RunRow:
        return self._get(session, RunRow, run_id, "assessment run", lock)

    def _item_row(self, session: Session, item_id: int, lock: bool = False) -> ItemRow:
        return self._get(session, ItemRow, item_id, "review item", lock)

    @staticmethod
    def _audit(session: Session, run_id: int, item_id: int | None, action: str,
               actor: Identity, before: dict[str, Any] | None,
               after: dict[str, Any] | None) -> None:  # fmt: skip
        session.add(AuditRow(run_id=run_id, item_id=item_id, action=action, actor=actor.name,
                             at=utcnow(), before=before, after=after,
                             actor_email=actor.email or None, actor_verified=actor.verified,
                             actor_source=actor.source))  # fmt: skip
