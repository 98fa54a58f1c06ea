"""Small builders shared by the review store tests."""

from __future__ import annotations

import hashlib

import pytest

from review import ItemIn

# Input checks run before the database is touched: once on SQLite is enough.
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def sha(label: str) -> str:
    """A stand-in SHA-256 for an input file called ``label``."""
    return hashlib.sha256(label.encode()).hexdigest()


def finding(key: str, severity: str = "high", row: int | None = None, **kw: object) -> ItemIn:
    """A review item whose kind is the key's first part, e.g. ``marginal|ks|age``."""
    kind = key.split("|")[0].split(":")[0]
    columns = tuple(kw.pop("columns", (key.split("|")[-1],)))  # type: ignore[arg-type]
    return ItemIn(key=key, kind=kind, severity=severity, message=f"about {key}",
                  columns=columns, row=row, **kw)  # type: ignore[arg-type]  # fmt: skip


def make_pre_chain(url: str, columns: bool = True) -> None:
    """Turn a store's database back into one written before the hash chain (schema 2): no
    chain tables, no schema-3 columns (unless ``columns`` is false) or tables, no record of
    the upgrade. Its rows stay."""
    from sqlalchemy import inspect, text

    from review import Store

    schema3 = {
        "synthlens_audit": ("actor_email", "actor_verified", "actor_source"),
        "synthlens_sign_offs": (
            "signer_email",
            "verified",
            "source",
            "meaning",
            "assessment_version",
            "policy_version",
        ),  # fmt: skip
        "synthlens_items": ("assigned_to", "due_at", "expires_at"),
    }
    with Store(url, webhooks=None) as store, store.engine.begin() as conn:
        for table in ("synthlens_chain", "synthlens_chain_head", "synthlens_policies",
                      "synthlens_grants", "synthlens_webhook_outbox"):  # fmt: skip
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        sqlite = conn.dialect.name == "sqlite"
        for table, names in schema3.items() if columns else ():
            have = {c["name"] for c in inspect(conn).get_columns(table)}
            if sqlite:  # SQLite will not drop a column while a trigger names the table
                for op in ("update", "delete"):
                    conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{op}"))
            for column in names:
                if column in have:
                    conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        conn.execute(text("DELETE FROM synthlens_schema_version WHERE version >= 3"))


def unguard(engine: object) -> None:
    """Drop the append-only triggers of the chained tables, as someone editing the database
    by hand would (``engine``: a SQLAlchemy engine)."""
    from sqlalchemy import text

    from review.chain import COVERED

    with engine.begin() as conn:  # type: ignore[attr-defined]
        for table in COVERED:
            if conn.dialect.name == "sqlite":
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))
            else:
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
