"""SQLAlchemy 2 declarative tables of the review store.

Table names carry a ``synthlens_`` prefix so the store can share a PostgreSQL database with
other applications. Rows of ``synthlens_audit``, ``synthlens_comments`` and
``synthlens_sign_offs`` are only ever inserted: the ORM refuses to flush an update or delete of
them (see :func:`forbid_append_only_changes`) and the database refuses it too (triggers
created by the schema upgrade in ``review/db.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from review.records import jsonable


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the review store; use UTC-aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class JSONData(TypeDecorator[Any]):
    """JSON that first turns NaN, numpy scalars, tuples and dates into plain JSON values."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return jsonable(value)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONData, Any: JSONData}


class SchemaVersionRow(Base):
    """One row per applied schema upgrade; the highest version is the schema's version."""

    __tablename__ = "synthlens_schema_version"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    description: Mapped[str] = mapped_column(Text)
    applied_at: Mapped[datetime]


class RunRow(Base):
    __tablename__ = "synthlens_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 over the input hashes, the settings and the tool version: the run's identity.
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    real_sha: Mapped[str] = mapped_column(String(64), index=True)
    synthetic_sha: Mapped[str] = mapped_column(String(64))
    holdout_sha: Mapped[str | None] = mapped_column(String(64))
    names: Mapped[dict[str, Any]]
    tool_version: Mapped[str] = mapped_column(String(100))
    settings: Mapped[dict[str, Any]]
    scores: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    # The most recent earlier run on the same real file, whose decisions are carried over.
    carry_from_run_id: Mapped[int | None] = mapped_column(ForeignKey("synthlens_runs.id"))


class ItemRow(Base):
    __tablename__ = "synthlens_items"
    __table_args__ = (UniqueConstraint("run_id", "key_hash"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("synthlens_runs.id"), index=True)
    # Keys can be long (many columns), so uniqueness is enforced on their hash.
    key: Mapped[str] = mapped_column(Text)
    key_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(16))
    columns: Mapped[Any]
    row: Mapped[int | None]
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="open")
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    # Who made the latest version (a decision or an undo): named in a stale-update message.
    changed_by: Mapped[str | None] = mapped_column(String(200))
    changed_at: Mapped[datetime | None]
    carried_from_item_id: Mapped[int | None] = mapped_column(ForeignKey("synthlens_items.id"))
    created_at: Mapped[datetime]
    # Assignment (who should decide it, by when) and a waiver's end: added by schema 3.
    assigned_to: Mapped[str | None] = mapped_column(String(254))
    due_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]

    # The store sets the version itself; the ORM adds "AND version = <old>" to every UPDATE,
    # a second guard behind the row lock taken before a decision.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class CommentRow(Base):
    __tablename__ = "synthlens_comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("synthlens_runs.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("synthlens_items.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class AuditRow(Base):
    __tablename__ = "synthlens_audit"
    __table_args__ = (Index("ix_synthlens_audit_run", "run_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("synthlens_runs.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("synthlens_items.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    # Who acted and how far that is trusted (schema 3; NULL on rows that predate it). No
    # server defaults: NULLs stay out of the chain's hash, so older rows keep their hashes.
    actor_email: Mapped[str | None] = mapped_column(String(254))
    actor_verified: Mapped[bool | None]
    actor_source: Mapped[str | None] = mapped_column(String(16))


class SignOffRow(Base):
    __tablename__ = "synthlens_sign_offs"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("synthlens_runs.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    statement: Mapped[str] = mapped_column(Text)
    inputs: Mapped[dict[str, Any]]
    tool_version: Mapped[str] = mapped_column(String(100))
    policy: Mapped[dict[str, Any]]
    scores: Mapped[dict[str, Any]]
    gates: Mapped[Any]
    decisions: Mapped[Any]
    created_at: Mapped[datetime]
    # The new record points at the one it replaces, so no existing row is ever updated;
    # unique, so two sign-offs cannot both supersede the same one.
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("synthlens_sign_offs.id"), unique=True
    )
    # The signature (schema 3; NULL on older sign-offs): how the signer was known, what the
    # signature means, and the assessment and policy versions it was judged against.
    signer_email: Mapped[str | None] = mapped_column(String(254))
    verified: Mapped[bool | None]
    source: Mapped[str | None] = mapped_column(String(16))
    meaning: Mapped[str | None] = mapped_column(String(200))
    assessment_version: Mapped[int | None]
    policy_version: Mapped[int | None]


class PolicyRow(Base):
    """One saved version of the sign-off policy; the highest version is in force."""

    __tablename__ = "synthlens_policies"
    id: Mapped[int] = mapped_column(primary_key=True)  # what the hash chain links by
    version: Mapped[int] = mapped_column(unique=True)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    author_email: Mapped[str | None] = mapped_column(String(254))
    author_verified: Mapped[bool | None]
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class GrantRow(Base):
    """A role given to an email (``cli.py grant`` or an admin); the latest grant per email holds."""

    __tablename__ = "synthlens_grants"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(16))
    granted_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime]


APPEND_ONLY_TABLES: tuple[str, ...] = (
    AuditRow.__tablename__,
    CommentRow.__tablename__,
    SignOffRow.__tablename__,
    PolicyRow.__tablename__,
    GrantRow.__tablename__,
)
_APPEND_ONLY_CLASSES = (AuditRow, CommentRow, SignOffRow, PolicyRow, GrantRow)


def forbid_append_only_changes(session: Session, flush_context: Any, instances: Any) -> None:
    """``before_flush`` hook: refuse any update or delete of an append-only row."""
    changed = [o for o in (*session.dirty, *session.deleted) if isinstance(o, _APPEND_ONLY_CLASSES)]
    if changed:
        names = sorted({type(o).__tablename__ for o in changed})
        raise PermissionError(f"{', '.join(names)} rows are append-only; they cannot be changed")
