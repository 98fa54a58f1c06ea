"""Tamper evidence: one hash chain per database over audit rows and sign-offs, in append order.

The chain lives in its own tables rather than in two extra columns of the covered tables:

- ``synthlens_audit`` and ``synthlens_sign_offs`` refuse every UPDATE (triggers), and a row's
  hash is taken over its *stored* values (read back, with its id), which the bulk insert of
  carry-over rows only knows after the insert; in-row hashes would need an update.
- Upgrading an existing database chains its old rows without touching them.
- Sign-offs and audit rows interleave in one order, which a link sequence gives directly.

``synthlens_chain`` holds one link per covered row: ``seq`` (1, 2, ... with no gaps), the row's
table and id, ``content_hash`` = sha256 of :func:`canonical` of the row, ``prev_hash`` (the
previous link's ``link_hash``; genesis is 64 zeros) and ``link_hash`` = sha256 of
:func:`canonical` of the link's own fields. ``synthlens_chain_head`` is one row (id 1) holding
the last ``seq`` and ``link_hash``: the row PostgreSQL locks to serialise appends.

Canonical JSON (what an auditor recomputes): keys sorted, ``","``/``":"`` separators, UTF-8,
times as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC, every float as ``{"$float": repr(x)}``
(Python's shortest round-trip decimal, the text the JSON columns store), and mapping keys that
start with ``$`` escaped by one more ``$`` so no stored value can pass for a float.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Engine,
    String,
    Table,
    UniqueConstraint,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from review.models import AuditRow, Base, GrantRow, PolicyRow, SignOffRow
from review.records import StoreError, utcnow

GENESIS = "0" * 64
# review.db.WRITE_OPTION (a test checks it): review.db will import this module, not vice versa.
_WRITE_OPTION = "synthlens_write"
_CHUNK = 500


class ChainLinkRow(Base):
    __tablename__ = "synthlens_chain"
    __table_args__ = (UniqueConstraint("table_name", "row_id"),)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    link_hash: Mapped[str] = mapped_column(String(64))
    # Written before the chain existed: its content is vouched for only from the upgrade on.
    predates_chain: Mapped[bool] = mapped_column(default=False)
    linked_at: Mapped[datetime]


class ChainHeadRow(Base):
    __tablename__ = "synthlens_chain_head"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(default=0)
    link_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


COVERED: dict[str, Table] = {
    AuditRow.__tablename__: cast(Table, AuditRow.__table__),
    SignOffRow.__tablename__: cast(Table, SignOffRow.__table__),
    # Who may sign and under which rules are part of what an auditor must trust.
    PolicyRow.__tablename__: cast(Table, PolicyRow.__table__),
    GrantRow.__tablename__: cast(Table, GrantRow.__table__),
}
LINKS = cast(Table, ChainLinkRow.__table__)
HEAD = cast(Table, ChainHeadRow.__table__)
_HEAD_ID = 1


class ChainError(StoreError):
    """The chain cannot be read or appended to (not installed, or a misconfigured session)."""


@dataclass(frozen=True)
class ChainState:
    """What :func:`verify` found.

    Attributes
    ----------
    intact:
        Every covered row has a link, every link matches its row and follows the previous one.
    rows_checked, head_hash, head_seq, predating:
        Links verified before the first break (all when intact); the last link's hash and
        number (``GENESIS`` and 0 when empty); rows chained by the upgrade, predating it.
    table, row_id, reason, detail:
        The first broken row and why: ``content changed``, ``row missing``, ``link missing``,
        ``link changed`` or ``order``; ``None`` when intact.
    """

    intact: bool
    rows_checked: int
    head_hash: str
    head_seq: int
    predating: int
    table: str | None = None
    row_id: int | None = None
    reason: str | None = None
    detail: str | None = None

    def summary(self) -> str:
        """One line for the CLI and the Sign-off page."""
        if self.intact:
            old = f", {self.predating} predating the chain" if self.predating else ""
            return f"audit chain intact: {self.rows_checked} rows{old}; head {self.head_hash}"
        return (
            f"audit chain BROKEN at {self.table} id {self.row_id}: {self.reason} "
            f"({self.detail}); {self.rows_checked} rows verified before it"
        )


# ----------------------------------------------------------------------------------- hashing


def _norm(value: Any) -> Any:
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return {"$float": repr(value)}
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {("$" + k if k.startswith("$") else k): _norm(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    raise TypeError(f"no canonical form for {type(value).__name__} in a chained row")


def canonical(value: Any) -> str:
    """The canonical JSON text of ``value`` (see the module docstring)."""
    return json.dumps(_norm(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_text(table: str, values: Mapping[str, Any]) -> str:
    """The text a row's ``content_hash`` is taken over: its table and non-null stored fields.

    NULL columns are left out, so a nullable column added by a later upgrade leaves the hashes
    of older rows as they were; nulling a field that had a value still changes the hash.
    """
    return canonical({"row": {k: v for k, v in values.items() if v is not None}, "table": table})


def link_hash(seq: int, table: str, row_id: int, content: str, prev: str, predates: bool) -> str:
    """sha256 of the canonical JSON of a link's fields (``content`` is the content hash)."""
    fields = {"content_hash": content, "predates_chain": predates, "prev_hash": prev,
              "row_id": row_id, "seq": seq, "table": table}  # fmt: skip
    return _sha(canonical(fields))


def stored_rows(conn: Connection, table: str, ids: Sequence[int] | None = None) -> Iterator[Any]:
    """Rows of a covered table as the database returns them, by id (all when ``ids`` is None)."""
    t = COVERED[table]
    if ids is None:
        yield from conn.execute(select(*t.columns).order_by(t.c.id))
        return
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        yield from conn.execute(select(*t.columns).where(t.c.id.in_(chunk)).order_by(t.c.id))


def _content_hash(table: str, row: Any) -> str:
    return _sha(content_text(table, row._mapping))


# ------------------------------------------------------------------------------------ append

Ref = tuple[str, int]
Chained = AuditRow | SignOffRow | PolicyRow | GrantRow


def _ref(row: Chained | Ref) -> Ref:
    if isinstance(row, tuple):
        table, row_id = row
        if table not in COVERED:
            raise ChainError(f"{table} is not a chained table; expected one of {list(COVERED)}")
        return table, int(row_id)
    if row.id is None:
        raise ChainError("append_links got a row without an id; flush the session first")
    return type(row).__tablename__, row.id


def _lock_head(conn: Connection) -> tuple[int, str]:
    """The chain head, locked for this transaction (PostgreSQL row lock; SQLite write lock)."""
    backend = conn.dialect.name
    if backend == "sqlite" and not conn.get_execution_options().get(_WRITE_OPTION):
        raise ChainError(
            "chain appends on SQLite need a write session (BEGIN IMMEDIATE): bind the session "
            "to review.db.make_engine(url).execution_options(synthlens_write=True)"
        )
    query = select(HEAD.c.seq, HEAD.c.link_hash).where(HEAD.c.id == _HEAD_ID)
    head = conn.execute(query.with_for_update()).first()
    if head is None:
        # The first append (or an install that has not run): create the head, at most once.
        dialect: Any = {"postgresql": postgresql, "sqlite": sqlite}.get(backend)
        stmt = dialect.insert(HEAD).on_conflict_do_nothing() if dialect else insert(HEAD)
        conn.execute(stmt.values(id=_HEAD_ID, seq=0, link_hash=GENESIS))
        head = conn.execute(query.with_for_update()).one()
    return int(head.seq), str(head.link_hash)


def _append(conn: Connection, refs: Sequence[Ref], predates: bool) -> str:
    """Link ``refs`` in order after the locked head; return the new head hash."""
    seq, prev = _lock_head(conn)
    if not refs:
        return prev
    hashes: dict[Ref, str] = {}
    by_table: dict[str, list[int]] = {}
    for table, row_id in refs:
        by_table.setdefault(table, []).append(row_id)
    for table, ids in by_table.items():
        for row in stored_rows(conn, table, ids):
            hashes[(table, row.id)] = _content_hash(table, row)
    missing = [r for r in refs if r not in hashes]
    if missing:
        raise ChainError(f"cannot chain rows that are not in the database: {missing[:5]}")
    now, links = utcnow(), []
    for table, row_id in refs:
        seq += 1
        content = hashes[(table, row_id)]
        prev_ = prev
        prev = link_hash(seq, table, row_id, content, prev_, predates)
        links.append({"seq": seq, "table_name": table, "row_id": row_id, "content_hash": content,
                      "prev_hash": prev_, "link_hash": prev, "predates_chain": predates,
                      "linked_at": now})  # fmt: skip
    for start in range(0, len(links), _CHUNK):
        conn.execute(insert(LINKS), links[start : start + _CHUNK])
    conn.execute(update(HEAD).where(HEAD.c.id == _HEAD_ID).values(seq=seq, link_hash=prev))
    return prev


def append_links(session: Session, rows: Iterable[Chained | Ref]) -> str:
    """Chain newly written audit rows and sign-offs, in the given order, in one locked step.

    Call it inside the write transaction that inserted the rows, after they are added: it
    flushes the session, locks the chain head (``SELECT ... FOR UPDATE`` on PostgreSQL; on
    SQLite the session must come from a write engine, whose ``BEGIN IMMEDIATE`` holds the
    database's write lock), reads the rows back as stored and links them. The lock is held
    until the caller's commit, so two writers can never link after the same head.

    Parameters
    ----------
    session:
        The write session (``Store._write()``).
    rows:
        ORM rows (``AuditRow``, ``SignOffRow``), or ``(table_name, id)`` pairs for rows
        written with a bulk Core insert (take the ids from ``RETURNING``).

    Returns
    -------
    str
        The new chain head hash.

    Raises
    ------
    ChainError
        A row without an id or not in the database, or a SQLite session without
        ``BEGIN IMMEDIATE``.
    """
    session.flush()
    refs = [_ref(r) for r in rows]
    return _append(session.connection(), refs, predates=False)


# ------------------------------------------------------------------------ adopt and verify


def _unlinked(conn: Connection) -> list[tuple[Any, str, int]]:
    """(time, table, id) of covered rows that have no link, oldest first."""
    found = []
    for table, t in COVERED.items():
        when = t.c.at if "at" in t.c else t.c.created_at
        linked = select(LINKS.c.row_id).where(LINKS.c.table_name == table)
        query = select(when, t.c.id).where(t.c.id.not_in(linked))
        found += [(w, table, i) for w, i in conn.execute(query)]
    return sorted(found, key=lambda r: (r[0], r[1], r[2]))


def adopt_rows(conn: Connection) -> int:
    """:func:`adopt_existing` inside a caller's write transaction (an upgrade step).

    Only while no link was written by the store itself: after that, an unlinked row went
    around the chain and must stay visible to :func:`verify`.
    """
    _lock_head(conn)
    live = conn.execute(select(LINKS.c.seq).where(LINKS.c.predates_chain.is_(False)).limit(1))
    if live.first() is not None:
        return 0
    refs = [(table, row_id) for _, table, row_id in _unlinked(conn)]
    _append(conn, refs, predates=True)
    return len(refs)


def adopt_existing(engine: Engine) -> int:
    """Chain the rows written before the chain existed, marked as predating it; nothing is
    changed or dropped. Creates the chain tables when missing; safe to run again.

    Returns
    -------
    int
        How many rows were adopted now (ordered by their own time, then table, then id).
    """
    write = engine.execution_options(**{_WRITE_OPTION: True})
    with write.begin() as conn:
        Base.metadata.create_all(conn, tables=[LINKS, HEAD])
        return adopt_rows(conn)


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """One consistent view of links and rows (a row and its link commit together)."""
    conn = engine.connect()
    try:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn
    finally:
        conn.close()


def verify(engine: Engine) -> ChainState:
    """Check the whole chain and name the first broken row.

    Raises
    ------
    ChainError
        The database has no chain tables (not a SynthLens review database, or one that
        was never upgraded).
    """
    with snapshot(engine) as conn:
        have = set(inspect(conn).get_table_names())
        needed = {LINKS.name, HEAD.name, *COVERED}
        if not needed <= have:
            raise ChainError(
                f"no audit hash chain in this database (missing {sorted(needed - have)}); "
                "open it once with this SynthLens to upgrade it"
            )
        return _check(conn)


def _check(conn: Connection) -> ChainState:
    contents = {t: {r.id: _content_hash(t, r) for r in stored_rows(conn, t)} for t in COVERED}
    seen: set[Ref] = set()
    prev, expected, predating = GENESIS, 1, 0
    last: Ref | None = None

    def broken(ref: Ref, reason: str, detail: str) -> ChainState:
        return ChainState(False, expected - 1, prev, expected - 1, predating, *ref, reason, detail)

    for link in conn.execute(select(LINKS).order_by(LINKS.c.seq)):
        ref = (link.table_name, link.row_id)
        if link.seq != expected:
            return broken(ref, "link missing", f"links {expected}..{link.seq - 1} are gone")
        if link.prev_hash != prev:
            return broken(ref, "order", "its link does not follow the previous one")
        again = link_hash(link.seq, *ref, link.content_hash, prev, bool(link.predates_chain))
        if again != link.link_hash:
            return broken(ref, "link changed", "the link's own fields were edited")
        stored = contents.get(link.table_name, {}).get(link.row_id)
        if stored is None:
            return broken(ref, "row missing", "the chained row was deleted")
        if stored != link.content_hash:
            return broken(ref, "content changed", "the row differs from what was chained")
        seen.add(ref)
        predating += bool(link.predates_chain)
        prev, expected, last = link.link_hash, expected + 1, ref
    head = conn.execute(select(HEAD.c.seq, HEAD.c.link_hash)).first()
    if head is not None and (head.seq, head.link_hash) != (expected - 1, prev):
        where = last or (AuditRow.__tablename__, 0)
        return broken(where, "link missing", f"the head records link {head.seq}: the end is gone")
    for table, ids in contents.items():
        for row_id in sorted(ids):
            if (table, row_id) not in seen:
                return broken((table, row_id), "link missing", "the row has no chain link")
    return ChainState(True, expected - 1, prev, expected - 1, predating)
