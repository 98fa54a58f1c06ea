"""Connections, transactions and row look-ups shared by every part of the review store."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self, TypeVar

from sqlalchemy import event, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from review.db import WRITE_OPTION, make_engine, resolve_url, upgrade
from review.models import AuditRow, ItemRow, RunRow
from review.models import forbid_append_only_changes as _guard
from review.records import InvalidInput, NotFound, utcnow

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


def state_digest(session: Session, run_id: int) -> str:
    """Digest of every item's (id, version) in a run: changes whenever any decision does."""
    pairs = session.execute(
        select(ItemRow.id, ItemRow.version).where(ItemRow.run_id == run_id).order_by(ItemRow.id)
    ).all()
    return sha(";".join(f"{i}:{v}" for i, v in pairs))[:16]


class StoreBase:
    """Engine, transactions and row look-ups; the public API is :class:`review.store.Store`."""

    def __init__(self, url: str | None = None) -> None:
        self.url = resolve_url(url)
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

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """A transaction that commits on success (before the caller's method returns)."""
        with Session(self._write_engine, expire_on_commit=False) as session:
            event.listen(session, "before_flush", _guard)
            with session.begin():
                yield session

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
    def _audit(session: Session, run_id: int, item_id: int | None, action: str, actor: str,
               before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:  # fmt: skip
        session.add(AuditRow(run_id=run_id, item_id=item_id, action=action, actor=actor,
                             at=utcnow(), before=before, after=after))  # fmt: skip
