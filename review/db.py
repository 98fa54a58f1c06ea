"""Where the review store lives, how to connect to it, and schema creation and upgrades.

SQLite is the default: a file (``SYNTHLENS_DB_PATH`` or ``./synthlens.db``) in WAL mode with a
busy timeout, write transactions started with ``BEGIN IMMEDIATE`` so two server threads or
processes queue for the write lock instead of failing with "database is locked", and
``synchronous=FULL`` so a committed decision survives a crash. ``SYNTHLENS_DATABASE_URL``
selects any other SQLAlchemy URL (PostgreSQL via ``postgresql+psycopg://``).

Upgrades are additive and happen on start: missing tables are created, missing columns added
(new columns must be nullable or have a server default), and numbered steps in
``MIGRATIONS`` run once each, recorded in ``synthlens_schema_version``. Nothing is dropped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote

from sqlalchemy import Connection, Engine, create_engine, event, func, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from review import chain
from review.models import APPEND_ONLY_TABLES, Base, SchemaVersionRow
from review.records import SchemaTooNew, StoreError, utcnow

DEFAULT_SQLITE_PATH = "synthlens.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Any constant works; it only has to be the same in every SynthLens process.
_PG_SCHEMA_LOCK = 0x53594E544C454E53 & 0x7FFFFFFFFFFFFFFF
WRITE_OPTION = "synthlens_write"


class DatabaseUnavailable(StoreError):
    """The database cannot be opened; the message names it with any password hidden."""


# scheme://user:password@ when the URL does not parse (a bad port, say).
_USERINFO = re.compile(r"^(?P<head>[A-Za-z][\w+.-]*://[^:/@?#]*:)(?P<pw>[^@/?#]*)(?=@)")
_SECRET_QUERY = re.compile(r"(?i)([?&][^=&#]*(?:pass|secret|token|key)[^=&#]*=)([^&#]*)")
HIDDEN = "***"


def safe_url(url: str) -> str:
    """``url`` for messages and logs: the password, and secrets in its query, hidden."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL may still hold a password
        shown = _USERINFO.sub(lambda m: m["head"] + HIDDEN, url)
    return _SECRET_QUERY.sub(lambda m: m[1] + HIDDEN, shown)


def _secrets(url: str) -> list[str]:
    found = []
    try:
        password = make_url(url).password
        found.append(str(password) if password is not None else "")
    except Exception:  # noqa: BLE001
        m = _USERINFO.match(url)
        found.append(m["pw"] if m else "")
    found += [m[2] for m in _SECRET_QUERY.finditer(url)]
    out = set()
    for value in found:
        if len(value) >= 3:  # never blank out every "a" of a message
            out |= {value, unquote(value), quote(value, safe=""), quote_plus(value)}
    return sorted(out, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """``text`` (an error, perhaps a driver's) with ``url`` and its password hidden."""
    text = text.replace(url, safe_url(url))
    for secret in _secrets(url):
        text = text.replace(secret, HIDDEN)
    return text


def resolve_url(url: str | None = None) -> str:
    """The database URL to use: ``url``, else ``SYNTHLENS_DATABASE_URL``, else a SQLite file.

    The SQLite file is ``SYNTHLENS_DB_PATH`` or ``./synthlens.db``; its folder is created.
    """
    if url:
        return url
    env_url = os.environ.get("SYNTHLENS_DATABASE_URL", "").strip()
    if env_url:
        return env_url
    path = Path(os.environ.get("SYNTHLENS_DB_PATH", "").strip() or DEFAULT_SQLITE_PATH)
    path = path.expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite+pysqlite:///{path}"


def unavailable(url: str, exc: BaseException) -> DatabaseUnavailable:
    """The error to raise for ``exc`` met opening ``url``: one line, no password in it."""
    lines = str(exc).strip().splitlines()
    detail = lines[0] if lines else type(exc).__name__
    return DatabaseUnavailable(
        f"the review database {safe_url(url)} cannot be opened: {scrub(detail, url)}"
    )


def make_engine(url: str) -> Engine:
    """Create the engine with the settings each backend needs for safe concurrent use.

    Raises
    ------
    DatabaseUnavailable
        For a URL that does not parse or names a driver that is not installed.
    """
    try:
        return _make_engine(url)
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        raise unavailable(url, exc) from None  # the chained error would show the password


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    in_memory = parsed.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
    if in_memory:
        # One shared connection, or every thread would see its own empty database.
        kwargs["poolclass"] = StaticPool
    else:
        kwargs["connect_args"]["timeout"] = SQLITE_BUSY_TIMEOUT_MS / 1000
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN; pysqlite's own handling would
        # start write transactions lazily (DEFERRED) and fail instead of waiting.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front (waiting up to the busy timeout); a
        # DEFERRED transaction that reads and then writes can fail at once with SQLITE_BUSY.
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _add_missing_columns(conn: Connection) -> None:
    """Add model columns that an older database lacks (additive upgrade, never a drop)."""
    inspector = inspect(conn)
    existing_tables = set(inspector.get_table_names())
    preparer = conn.dialect.identifier_preparer
    for table in Base.metadata.sorted_tables:
        if table.name not in existing_tables:
            continue
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in have:
                continue
            if not column.nullable and column.server_default is None:
                raise RuntimeError(
                    f"new column {table.name}.{column.name} must be nullable or have a "
                    "server default so existing rows can be kept"
                )
            ddl = (
                f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN "
                f"{preparer.format_column(column)} {column.type.compile(conn.dialect)}"
            )
            if column.server_default is not None:
                ddl += f" DEFAULT {column.server_default.arg}"  # type: ignore[attr-defined]
            conn.exec_driver_sql(ddl)


def _append_only_triggers(conn: Connection) -> None:
    """Make the database itself refuse updates and deletes of audit, comments and sign-offs."""
    backend = conn.dialect.name
    tables = (*APPEND_ONLY_TABLES, chain.LINKS.name)
    if backend == "sqlite":
        for table in tables:
            for op in ("UPDATE", "DELETE"):
                conn.execute(
                    text(
                        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                        f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END"
                    )
                )
    elif backend == "postgresql":
        conn.execute(
            text(
                "CREATE OR REPLACE FUNCTION synthlens_append_only() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME; END; "
                "$$ LANGUAGE plpgsql"
            )
        )
        for table in tables:
            for suffix, when in (
                ("rows", "BEFORE UPDATE OR DELETE ON {t} FOR EACH ROW"),
                ("truncate", "BEFORE TRUNCATE ON {t} FOR EACH STATEMENT"),
            ):
                name = f"{table}_append_only_{suffix}"
                conn.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
                conn.execute(
                    text(
                        f"CREATE TRIGGER {name} {when.format(t=table)} "
                        "EXECUTE FUNCTION synthlens_append_only()"
                    )
                )
    # Other backends rely on the ORM guard in review/models.py.


def _governance(conn: Connection) -> None:
    """Chain the rows written before the chain existed (marked so), then guard new tables."""
    chain.adopt_rows(conn)
    _append_only_triggers(conn)


def _nothing(conn: Connection) -> None:
    """The base tables; ``create_all`` already made them."""


# Numbered, append-only list: add a step with the next number, never edit an applied one.
MIGRATIONS: dict[int, tuple[str, Callable[[Connection], None]]] = {
    1: ("base tables: runs, items, comments, audit, sign-offs", _nothing),
    2: ("append-only triggers on audit, comments and sign-offs", _append_only_triggers),
    3: (
        "verified identities, signature meaning, policy versions, grants, assignment, waiver "
        "expiry; a hash chain over audit rows and sign-offs, existing rows adopted as "
        "predating it; append-only triggers on the new tables",
        _governance,
    ),
}
LATEST_VERSION = max(MIGRATIONS)


def schema_version(conn: Connection) -> int:
    """The highest applied schema version, 0 for an empty database."""
    if not inspect(conn).has_table(SchemaVersionRow.__tablename__):
        return 0
    return conn.execute(select(func.max(SchemaVersionRow.version))).scalar() or 0


def upgrade(engine: Engine) -> int:
    """Create or upgrade the schema in one transaction; return the version now in place.

    Raises
    ------
    SchemaTooNew
        When the database was upgraded by a newer SynthLens than this one.
    DatabaseUnavailable
        When the server or file cannot be reached (the message hides any password).
    """
    try:
        return _upgrade(engine)
    except (OperationalError, InterfaceError) as exc:
        raise unavailable(engine.url.render_as_string(hide_password=False), exc) from None


def _upgrade(engine: Engine) -> int:
    write = engine.execution_options(**{WRITE_OPTION: True})
    with write.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Two processes starting at once must not both create the same tables.
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_SCHEMA_LOCK})
        current = schema_version(conn)
        if current > LATEST_VERSION:
            raise SchemaTooNew(
                f"The review database has schema version {current}, but this SynthLens only "
                f"knows versions up to {LATEST_VERSION}. Upgrade SynthLens, or point "
                "SYNTHLENS_DB_PATH / SYNTHLENS_DATABASE_URL at another database."
            )
        Base.metadata.create_all(conn)
        _add_missing_columns(conn)
        for version in sorted(v for v in MIGRATIONS if v > current):
            description, step = MIGRATIONS[version]
            step(conn)
            conn.execute(
                insert(SchemaVersionRow).values(
                    version=version, description=description, applied_at=utcnow()
                )
            )
        return max(current, LATEST_VERSION)
