"""Plain values the store takes and returns, and the errors it raises.

Every record is a frozen dataclass detached from any database session, so Streamlit can cache,
pickle and render it, and nothing changes in the database by touching it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from metrics.results import SEVERITY_ORDER

Status = Literal["open", "accepted", "rejected", "waived"]
STATUSES: tuple[str, ...] = ("open", "accepted", "rejected", "waived")
SEVERITIES: tuple[str, ...] = tuple(SEVERITY_ORDER)  # most serious first
ROLES: tuple[str, ...] = ("real", "synthetic", "holdout")
SIGN_OFF_DECISIONS: tuple[str, ...] = ("approved", "rejected")


class StoreError(Exception):
    """Base class of every error the review store raises on purpose."""


class InvalidInput(StoreError, ValueError):
    """An argument the caller (ultimately the user) can fix: the message says how."""


class NotFound(StoreError, LookupError):
    """A run, item or sign-off id that does not exist."""


class SchemaTooNew(StoreError):
    """The database was written by a newer SynthLens; this version must not touch it."""


class SignOffRefused(StoreError):
    """An approval that the policy gates or a changed review state do not allow."""


class GatesBlock(SignOffRefused):
    """An approval refused because policy gates block it (the caller can list the gates)."""


class NotAllowed(StoreError, PermissionError):
    """The person's role does not allow this (e.g. a reviewer editing the policy)."""


class StaleUpdate(StoreError):
    """Someone else changed the item after the caller read it; nothing was saved.

    Attributes
    ----------
    current:
        The item as it is now in the database, to show instead of the stale one.
    expected_version:
        The version the caller based its change on.
    attempted:
        The status the caller tried to set.
    """

    def __init__(self, current: Item, expected_version: int, attempted: str) -> None:
        self.current = current
        self.expected_version = expected_version
        self.attempted = attempted
        who = current.changed_by or "another reviewer"
        when = current.changed_at.strftime("%Y-%m-%d %H:%M:%S UTC") if current.changed_at else ""
        at = f" at {when}" if when else ""
        super().__init__(
            f"Not saved: {who} changed this item{at} after you opened it; it is now "
            f"'{current.status}' (version {current.version}, you had version "
            f"{expected_version}). Look at its current state and decide again."
        )


@dataclass(frozen=True, kw_only=True)
class ItemIn:
    """A finding or flagged row to be reviewed, as the caller hands it to ``add_items``.

    ``key`` identifies the same finding across runs, so decisions can be carried over to a
    new synthetic file: e.g. ``Finding.key()`` for findings and :func:`row_key` for rows.
    """

    key: str
    kind: str
    severity: str
    message: str
    columns: tuple[str, ...] = ()
    row: int | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Run:
    """One assessment of a set of input files with given settings."""

    id: int
    fingerprint: str
    inputs: dict[str, str]
    names: dict[str, str]
    tool_version: str
    settings: dict[str, Any]
    scores: dict[str, Any]
    created_at: datetime
    carry_from_run_id: int | None


@dataclass(frozen=True)
class Item:
    """A review item with its current decision.

    ``version`` goes up with every decision; ``changed_by``/``changed_at`` name who made the
    latest one (``decided_by``/``decided_at`` are empty again after an undo to ``open``).
    ``carried_from_item_id`` is set while the decision is one carried over from an earlier run.
    """

    id: int
    run_id: int
    key: str
    kind: str
    severity: str
    columns: tuple[str, ...]
    row: int | None
    message: str
    evidence: dict[str, Any]
    status: str
    reason: str | None
    decided_by: str | None
    decided_at: datetime | None
    version: int
    changed_by: str | None
    changed_at: datetime | None
    carried_from_item_id: int | None
    created_at: datetime
    assigned_to: str | None = None  # an email or a name
    due_at: datetime | None = None
    expires_at: datetime | None = None  # a waiver's end

    @property
    def reviewed(self) -> bool:
        return self.status != "open"


@dataclass(frozen=True)
class Comment:
    id: int
    item_id: int
    reviewer: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """One row of the append-only trail: who did what, when, and the state before and after."""

    id: int
    run_id: int
    item_id: int | None
    action: str  # "decide", "comment", "carry_over" or "sign_off"
    actor: str
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    actor_email: str | None = None
    # True: a login or the trusted proxy vouched for the actor; False: a typed name;
    # None: the row predates identities (or SynthLens itself acted, source "system").
    actor_verified: bool | None = None
    actor_source: str | None = None


@dataclass(frozen=True)
class SignOff:
    """An immutable approval or rejection of a run; a later one supersedes it."""

    id: int
    run_id: int
    decision: str
    name: str
    statement: str
    inputs: dict[str, Any]
    tool_version: str
    policy: dict[str, Any]
    scores: dict[str, Any]
    gates: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    created_at: datetime
    supersedes: int | None
    superseded_by: int | None = None
    signer_email: str | None = None
    verified: bool | None = None  # None on sign-offs made before signatures were recorded
    source: str | None = None
    meaning: str | None = None
    assessment_version: int | None = None
    policy_version: int | None = None


@dataclass(frozen=True)
class PolicyVersion:
    """A saved version of the sign-off policy; version 0 is SynthLens' built-in default."""

    version: int
    text: str
    author: str | None
    author_email: str | None
    author_verified: bool | None
    note: str | None
    created_at: datetime | None


def jsonable(value: Any) -> Any:
    """Turn ``value`` into plain JSON data that every database accepts.

    NaN and infinities become ``None`` (PostgreSQL's JSON type rejects them), numpy scalars
    become Python numbers, tuples and sets become lists, dates become ISO strings and mapping
    keys become strings.
    """
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(asdict(value))
    if isinstance(value, set | frozenset):
        return [jsonable(v) for v in sorted(value, key=repr)]
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalars and arrays, pandas series
        return jsonable(value.tolist())
    return str(value)


def utcnow() -> datetime:
    return datetime.now(UTC)


def row_key(values: Sequence[Any], reasons: Sequence[str], occurrence: int = 0) -> str:
    """Identity of a flagged synthetic row that survives a new synthetic file.

    A row's position is not its identity: row 5 of a regenerated or cleaned file is another
    record, and carrying a rejection over by position would reject the wrong row. The key
    hashes the row's values instead, with the flag reasons and ``occurrence`` (0 for the
    first identical row in the file, 1 for the second, ...) so duplicates stay distinct.

    Parameters
    ----------
    values:
        The row's cell values in column order.
    reasons:
        The flag kinds, e.g. ``["invalid", "copied"]`` (order does not matter).
    occurrence:
        How many identical rows with the same reasons came before this one.
    """
    payload = json.dumps(jsonable(list(values)), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(payload.encode()).hexdigest()[:16]
    return f"row:{digest}#{occurrence}:{'+'.join(sorted(set(reasons)))}"
