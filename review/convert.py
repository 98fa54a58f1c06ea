"""Rows to plain records and caller input to row values, with the checks a user can trip."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from metrics.results import SEVERITY_ORDER
from review.models import AuditRow, CommentRow, ItemRow, RunRow, SignOffRow
from review.records import (
    ROLES,
    SEVERITIES,
    AuditEntry,
    Comment,
    InvalidInput,
    Item,
    ItemIn,
    Run,
    SignOff,
)


def run(row: RunRow) -> Run:
    return Run(
        id=row.id,
        fingerprint=row.fingerprint,
        inputs=inputs_of(row),
        names=dict(row.names or {}),
        tool_version=row.tool_version,
        settings=dict(row.settings or {}),
        scores=dict(row.scores or {}),
        created_at=row.created_at,
        carry_from_run_id=row.carry_from_run_id,
    )


def inputs_of(row: RunRow) -> dict[str, str]:
    pairs = (("real", row.real_sha), ("synthetic", row.synthetic_sha), ("holdout", row.holdout_sha))
    return {role: sha for role, sha in pairs if sha}


def item(row: ItemRow | Any) -> Item:
    """From an ORM row or a plain result row with the same column names."""
    values = row._mapping if hasattr(row, "_mapping") else row.__dict__
    return Item(
        **{name: values[name] for name in _ITEM_FIELDS},
        columns=tuple(values["columns"] or ()),
        evidence=dict(values["evidence"] or {}),
    )


_ITEM_FIELDS = tuple(f.name for f in fields(Item) if f.name not in ("columns", "evidence"))


# A finding's score may move this much between runs and still count as the same finding.
SCORE_TOLERANCE = 0.02


def carried_decision(source: Any | None, new: Mapping[str, Any]) -> dict[str, Any]:
    """Decision columns of a new item (``new``: :func:`check_item`'s values).

    The decision of ``source`` (the item with the same key in the earlier run) is copied only
    when ``source`` was decided and the finding is no worse: a severity no higher and, for a
    finding with a score, a score no lower than before, within :data:`SCORE_TOLERANCE` (a
    waiver given for 2 % copied rows says nothing about 27 %). Otherwise the new item stays open and its evidence keeps the earlier decision
    under ``earlier_decision``, so the reviewer sees it.
    """
    open_ = {"status": "open", "reason": None, "decided_by": None, "decided_at": None,
             "carried_from_item_id": None}  # fmt: skip
    if source is None or source.status == "open":
        return open_
    if same_finding(source, new):
        return {"status": source.status, "reason": source.reason,
                "decided_by": source.decided_by, "decided_at": source.decided_at,
                "carried_from_item_id": source.id}  # fmt: skip
    earlier = {
        "status": source.status, "reason": source.reason, "decided_by": source.decided_by,
        "severity": source.severity, "message": source.message, "item_id": source.id,
    }  # fmt: skip
    return open_ | {"evidence": {**new["evidence"], "earlier_decision": earlier}}


def same_finding(source: Any, new: Mapping[str, Any]) -> bool:
    """Whether an earlier decided item still describes the new one (see carried_decision)."""
    least = len(SEVERITY_ORDER) - 1  # an unknown severity ranks as the least serious
    if SEVERITY_ORDER.get(new["severity"], least) < SEVERITY_ORDER.get(source.severity, least):
        return False  # more serious now
    before = (source.evidence or {}).get("score")
    after = new["evidence"].get("score")
    if new["evidence"].get("source") != "finding" or before is None or after is None:
        return True
    return float(after) >= float(before) - SCORE_TOLERANCE


def comment(row: CommentRow) -> Comment:
    return Comment(row.id, row.item_id, row.reviewer, row.text, row.created_at)


def audit(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        row.id,
        row.run_id,
        row.item_id,
        row.action,
        row.actor,
        row.at,
        row.before,
        row.after,
        row.actor_email,
        row.actor_verified,
        row.actor_source,
    )


def sign_off(row: SignOffRow, superseded_by: int | None) -> SignOff:
    return SignOff(
        id=row.id,
        run_id=row.run_id,
        decision=row.decision,
        name=row.name,
        statement=row.statement,
        inputs=dict(row.inputs or {}),
        tool_version=row.tool_version,
        policy=dict(row.policy or {}),
        scores=dict(row.scores or {}),
        gates=list(row.gates or []),
        decisions=list(row.decisions or []),
        created_at=row.created_at,
        supersedes=row.supersedes_id,
        superseded_by=superseded_by,
        signer_email=row.signer_email,
        verified=row.verified,
        source=row.source,
        meaning=row.meaning,
        assessment_version=row.assessment_version,
        policy_version=row.policy_version,
    )


def state(row: ItemRow) -> dict[str, Any]:
    """The part of an item a decision changes, as the audit trail records it."""
    return {"status": row.status, "reason": row.reason, "version": row.version}


def decision_snapshot(row: ItemRow) -> dict[str, Any]:
    """One item's decision as frozen into a sign-off record."""
    return {
        "item_id": row.id,
        "key": row.key,
        "kind": row.kind,
        "severity": row.severity,
        "columns": list(row.columns or ()),
        "row": row.row,
        "status": row.status,
        "reason": row.reason,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "version": row.version,
    }


def check_item(spec: ItemIn) -> dict[str, Any]:
    """Validate one ``ItemIn`` and return the column values of its row."""
    key = (spec.key or "").strip()
    if not key:
        raise InvalidInput("every review item needs a non-empty key")
    if spec.severity not in SEVERITIES:
        raise InvalidInput(
            f"item {key!r}: severity {spec.severity!r} is not one of {list(SEVERITIES)}"
        )
    if not (spec.kind or "").strip():
        raise InvalidInput(f"item {key!r}: kind is empty")
    if spec.row is not None and (isinstance(spec.row, bool) or int(spec.row) < 0):
        raise InvalidInput(f"item {key!r}: row must be a 0-based position or None")
    columns = [spec.columns] if isinstance(spec.columns, str) else list(spec.columns)
    return {
        "key": spec.key,
        "kind": spec.kind,
        "severity": spec.severity,
        "columns": [str(c) for c in columns],
        "row": None if spec.row is None else int(spec.row),
        "message": spec.message,
        "evidence": dict(spec.evidence),
    }


def check_inputs(inputs: Mapping[str, str]) -> dict[str, str]:
    """Role -> lower-case SHA-256 hex digest; real and synthetic are required."""
    unknown = sorted(set(inputs) - set(ROLES))
    if unknown:
        raise InvalidInput(f"unknown input role(s) {unknown}; expected {list(ROLES)}")
    clean: dict[str, str] = {}
    for role, digest in inputs.items():
        value = str(digest).strip().lower()
        if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
            raise InvalidInput(f"the {role} input hash must be a SHA-256 hex digest")
        clean[role] = value
    for role in ("real", "synthetic"):
        if role not in clean:
            raise InvalidInput(f"the {role} input hash is required")
    return clean
