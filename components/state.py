"""The only module that knows session-state keys.

Session state holds inputs and decisions only: the uploaded tables, the user's schema
corrections, the chosen target and the reviewer's name. Everything derived is cached in
``components.cache``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from metrics.schema import Schema

ROLES = ("real", "synthetic", "holdout")
ROLE_LABELS = {"real": "Real data", "synthetic": "Synthetic data", "holdout": "Real holdout"}

_TABLES = "synthlens.tables"
_SCHEMA = "synthlens.schema"
_TARGET = "synthlens.target"
_REVIEWER = "synthlens.reviewer"
_SOURCE = "synthlens.source"


@dataclass(frozen=True)
class Table:
    """One loaded input: its file name, content hash and parsed frame."""

    name: str
    sha256: str
    size_bytes: int
    frame: pd.DataFrame

    @property
    def shape_text(self) -> str:
        rows, cols = self.frame.shape
        return f"{rows:,} rows x {cols:,} columns"


def tables() -> dict[str, Table]:
    return st.session_state.setdefault(_TABLES, {})


def table(role: str) -> Table | None:
    return tables().get(role)


def set_table(role: str, value: Table | None) -> None:
    current = dict(tables())
    if value is None:
        current.pop(role, None)
    else:
        current[role] = value
    st.session_state[_TABLES] = current
    # A new input invalidates the user's schema corrections made for the old pair.
    st.session_state.pop(_SCHEMA, None)
    st.session_state.pop(_TARGET, None)


def set_source(label: str) -> None:
    st.session_state[_SOURCE] = label


def source() -> str | None:
    return st.session_state.get(_SOURCE)


def has_pair() -> bool:
    return table("real") is not None and table("synthetic") is not None


def pair_key() -> tuple[str, str, str]:
    """Content hashes of the loaded inputs: the cache key of everything derived from them."""
    t = tables()
    return tuple(t[r].sha256 if r in t else "" for r in ROLES)  # type: ignore[return-value]


def schema_override() -> Schema | None:
    """The schema the user confirmed or corrected, if any."""
    return st.session_state.get(_SCHEMA)


def set_schema(schema: Schema | None) -> None:
    st.session_state[_SCHEMA] = schema


def target() -> str | None:
    return st.session_state.get(_TARGET)


def set_target(value: str | None) -> None:
    st.session_state[_TARGET] = value


def reviewer() -> str:
    return st.session_state.get(_REVIEWER, "")


def set_reviewer(name: str) -> None:
    st.session_state[_REVIEWER] = name.strip()
