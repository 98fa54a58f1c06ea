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
