"""The review as data for the downloads: gates, decisions, sign-off, decisions CSV, cleaned data.

Pure (no Streamlit): the Sign-off page's download buttons call these when clicked, and the
tests call them directly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from metrics.suite import Assessment
from outputs.escape import csv_cell, csv_safe
from outputs.review_items import finding_items, is_row_kind
from review import Gate, Item, ItemIn, Policy, SignOff, Store
from review.convert import check_item, same_finding
from review.gating import evaluate_assessment, gate_dict, policy_dict
from review.records import jsonable
from review.signature import signature_words

DECISION_COLUMNS = ("item_id", "kind", "severity", "columns", "row", "message", "status",
                    "reason", "decided_by", "decided_at", "comments", "key")  # fmt: skip


def open_high(items: Sequence[Item]) -> list[Item]:
    """Open high-severity findings: what the ``max_open_high_findings`` gate counts.

    Flagged rows are not counted: they are evidence under their findings (``invalid_rows``,
    ``copied_rows``...), which are the items a reviewer must settle before sign-off.
    """
    return [i for i in items
            if i.severity == "high" and i.status == "open" and not is_row_kind(i.kind)]  # fmt: skip


def rejected_findings(items: Sequence[Item]) -> list[Item]:
    """Findings a reviewer rejected: what the ``max_rejected_findings`` gate counts (rejected
    rows are not: they are removed from the cleaned dataset)."""
    return [i for i in items if i.status == "rejected" and not is_row_kind(i.kind)]


def gates_for(policy: Policy, a: Assessment, items: Sequence[Item]) -> list[Gate]:
    """The policy's gates for the assessment, counting open and rejected findings from the
    review."""
    return evaluate_assessment(
        policy, a, open_high=len(open_high(items)), rejected=len(rejected_findings(items))
    )


def _comments(store: Store, run_id: int) -> dict[int, list[dict[str, Any]]]:
    """Comments per item from the audit trail: one query for the whole run."""
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in store.audit(run_id=run_id):
        text = (e.after or {}).get("comment")
        if e.item_id is not None and text:
            out[e.item_id].append({"by": e.actor, "at": e.at.isoformat(), "text": text})
    return out


def decisions(store: Store, run_id: int) -> list[dict[str, Any]]:
    """Every item of the run with its decision and comments, in queue order."""
    notes = _comments(store, run_id)
    return [
        {
            "item_id": i.id,
            "key": i.key,
            "kind": i.kind,
            "severity": i.severity,
            "columns": list(i.columns),
            "row": i.row,
            "message": i.message,
            "status": i.status,
            "reason": i.reason,
            "decided_by": i.decided_by,
            "decided_at": i.decided_at.isoformat() if i.decided_at else None,
            "version": i.version,
            "carried_over": i.carried_from_item_id is not None,
            "comments": notes.get(i.id, []),
        }  # fmt: skip
        for i in store.items(run_id)
    ]


def sign_off_dict(s: SignOff) -> dict[str, Any]:
    """A sign-off as JSON data: its raw fields (``signer_email``, ``verified``, ``source``,
    ``meaning``, ``assessment_version``, ``policy_version``: ``None`` on sign-offs that predate
    them) and ``signature``, the sentence that shows it."""
    data: dict[str, Any] = jsonable(asdict(s))
    data["signature"] = signature_sentence(data)
    return data


def _not_recorded(value: Any) -> Any:
    return "not recorded" if value is None or value == "" else value


def signature_sentence(so: dict[str, Any]) -> str:
    """``review.signature.signature_words`` for a sign-off as JSON data (or as stored in an
    older report): fields missing on old sign-offs read "not recorded", and a sign-off made
    before identities were recorded reads as a typed name, which it was."""
    when = so.get("created_at")
    try:
        moment = when if isinstance(when, datetime) else datetime.fromisoformat(str(when))
    except ValueError:
        moment = datetime(1970, 1, 1, tzinfo=UTC)
    return signature_words(
        str(so.get("name") or ""), str(so.get("signer_email") or ""), bool(so.get("verified")),
        moment, str(so.get("meaning") or "meaning not recorded"),
        _not_recorded(so.get("assessment_version")), _not_recorded(so.get("policy_version")),
        str(so.get("statement") or "") or None, source=so.get("source"),
    )  # fmt: skip


def chain_dict(store: Store) -> dict[str, Any]:
    """The audit chain's head and state, for a signed report; a failed check says so."""
    try:
        state = store.chain_state()
    except Exception as exc:  # noqa: BLE001 - a report is still written, saying why
        return {"intact": None, "head_hash": None, "head_seq": None,
                "summary": f"the audit chain could not be checked: {type(exc).__name__}"}  # fmt: skip
    broken = None if state.intact else {"table": state.table, "row_id": state.row_id,
                                        "reason": state.reason}  # fmt: skip
    return {"intact": state.intact, "head_hash": state.head_hash, "head_seq": state.head_seq,
            "predating": state.predating, "broken": broken, "summary": state.summary()}  # fmt: skip


def review_dict(store: Store, run_id: int, policy: Policy | None,
                gates: Sequence[Gate]) -> dict[str, Any]:  # fmt: skip
    """The ``review`` section of the JSON and HTML reports.

    Keys: ``run_id``, ``policy``, ``gates`` (as evaluated now), ``decisions`` (every item),
    ``progress`` (reviewed, total), ``sign_off`` (the one in force, with the gates and
    decisions frozen at signing, or ``None``; with its ``signature`` sentence),
    ``sign_off_history`` (oldest first) and ``audit_chain`` (:func:`chain_dict`).
    """
    reviewed, total = store.progress(run_id)
    history = store.sign_offs(run_id)
    current = next((s for s in reversed(history) if s.superseded_by is None), None)
    return {
        "run_id": run_id,
        "policy": policy_dict(policy) if policy is not None else None,
        "gates": [gate_dict(g) for g in gates],
        "decisions": decisions(store, run_id),
        "progress": {"reviewed": reviewed, "total": total},
        "sign_off": sign_off_dict(current) if current else None,
        "sign_off_history": [
            {k: v for k, v in sign_off_dict(s).items() if k not in ("decisions", "scores")}
            for s in history
        ],
        "audit_chain": chain_dict(store),
    }


def decisions_csv(rows: Sequence[dict[str, Any]]) -> bytes:
    """The decisions as CSV (UTF-8 with BOM so spreadsheets read accents), formulas defused."""
    table = pd.DataFrame(
        [
            {
                **{c: r.get(c) for c in DECISION_COLUMNS},
                "columns": ", ".join(r.get("columns") or []),
                "comments": " | ".join(f"{c['by']}: {c['text']}" for c in r.get("comments") or []),
            }
            for r in rows
        ],  # fmt: skip
        columns=list(DECISION_COLUMNS),
    )
    table = table.astype(object).map(csv_cell)
    table["row"] = pd.array([r.get("row") for r in rows], dtype="Int64")
    return table.to_csv(index=False).encode("utf-8-sig")


def rows_to_remove(a: Assessment, items: Sequence[Item]) -> list[int]:
    """Synthetic rows (0-based positions) left out of the cleaned dataset, sorted.

    A rejected flagged row goes, and so does every row of a rejected finding that names rows
    ("Exact copies of real rows", "Invalid rows"...): rejecting such a finding means its rows
    must not be used. The rows come from the assessment, not the item's evidence, which keeps
    only the first few.
    """
    rows = {i.row for i in items if i.status == "rejected" and i.row is not None}
    rejected = {i.key for i in items if i.status == "rejected" and not is_row_kind(i.kind)}
    for spec, finding in zip(finding_items(a.findings), a.findings, strict=True):
        if spec.key in rejected:
            rows.update(finding.rows)
    return sorted(int(r) for r in rows)


def finding_rows(item: Item) -> int:
    """How many synthetic rows a finding names (what rejecting it removes); 0 for a row."""
    if is_row_kind(item.kind):
        return 0
    return int((item.evidence or {}).get("n_rows") or 0)


def cleaned(synthetic: pd.DataFrame, rejected_rows: Sequence[int]) -> pd.DataFrame:
    """The synthetic data without the rows a reviewer rejected (positions, 0-based)."""
    drop = [r for r in rejected_rows if 0 <= r < len(synthetic)]
    return synthetic.drop(index=synthetic.index[drop])


def cleaned_csv(synthetic: pd.DataFrame, rejected_rows: Sequence[int], safe: bool = True) -> bytes:
    """The cleaned synthetic data as CSV.

    ``safe`` (the default) prefixes text cells a spreadsheet would run as formulas with ``'``
    (CSV injection); ``safe=False`` keeps the values exactly as read, for training pipelines
    that never open the file in a spreadsheet.
    """
    table = cleaned(synthetic, rejected_rows)
    if safe:
        table = csv_safe(table)
    return table.to_csv(index=False).encode("utf-8")


def stored_review(store: Store, a: Assessment) -> tuple[list[Item], str]:
    """The assessment's findings as review items carrying the decisions stored for the same
    input files, for the CLI's ``--review-db``; and a sentence saying which run they came from.

    The newest run on the same real, synthetic and holdout files is used (its settings may
    differ, e.g. the target). A stored decision counts only for a finding with the same key
    that is no worse than when it was decided (the carry-over rule); every other finding is
    open. Flagged rows are left out: the gates do not count them.
    """
    wanted = {role: i.sha256 for role, i in a.inputs.items()}
    run = next((r for r in store.runs() if r.inputs == wanted), None)
    fresh = finding_items(a.findings)
    if run is None:
        return [_open_item(i) for i in fresh], (
            "no review of these files in the review database: every finding counts as open"
        )
    stored = {i.key: i for i in store.items(run.id)}
    items = []
    for spec in fresh:
        old = stored.get(spec.key)
        item = _open_item(spec)
        if old is not None and old.status != "open" and same_finding(old, check_item(spec)):
            item = replace(item, status=old.status, reason=old.reason, decided_by=old.decided_by)
        items.append(item)
    return items, f"decisions from review run {run.id} ({run.created_at:%Y-%m-%d %H:%M} UTC)"


def _open_item(spec: ItemIn) -> Item:
    return Item(id=0, run_id=0, key=spec.key, kind=spec.kind, severity=spec.severity,
                columns=tuple(spec.columns), row=spec.row, message=spec.message,
                evidence=dict(spec.evidence), status="open", reason=None, decided_by=None,
                decided_at=None, version=0, changed_by=None, changed_at=None,
                carried_from_item_id=None, created_at=datetime.now(UTC))  # fmt: skip
