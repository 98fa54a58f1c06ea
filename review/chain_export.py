"""The audit trail for auditors: every chained row as CSV and JSON, with its chain hashes.

Each row carries ``content``, the exact canonical text its ``content_hash`` was taken over, so
an auditor can check ``sha256(content) == content_hash`` and, with the link formula of
``review.chain.link_hash``, the whole chain without SynthLens.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import Engine, select

from outputs.escape import csv_cell  # a leaf module: plain text rules, no app imports
from review.chain import (
    COVERED,
    GENESIS,
    LINKS,
    content_text,
    snapshot,
    stored_rows,
    verify,
)

_TYPED = ("actor", "action")
CSV_COLUMNS = (
    "seq", "table", "row_id", "run_id", "item_id", "action", "actor", "at",
    "predates_chain", "content_hash", "prev_hash", "link_hash", "content",
)  # fmt: skip


def _summary(table: str, row: Any) -> dict[str, Any]:
    """The columns a reader scans: an audit row's own, a sign-off's decision and signer."""
    m = row._mapping
    if table == "synthlens_audit":
        return {"run_id": m["run_id"], "item_id": m["item_id"], "action": m["action"],
                "actor": m["actor"], "at": m["at"]}  # fmt: skip
    if table == "synthlens_policies":
        return {"run_id": None, "item_id": None, "action": f"policy_saved:v{m['version']}",
                "actor": m["author"], "at": m["created_at"]}  # fmt: skip
    if table == "synthlens_grants":
        return {"run_id": None, "item_id": None, "action": f"grant:{m['role']}:{m['email']}",
                "actor": m["granted_by"], "at": m["created_at"]}  # fmt: skip
    return {"run_id": m["run_id"], "item_id": None, "action": f"sign_off:{m['decision']}",
            "actor": m["name"], "at": m["created_at"]}  # fmt: skip


def _records(engine: Engine) -> list[dict[str, Any]]:
    """Chained rows in chain order, then any unlinked rows (with empty hashes)."""
    out: list[dict[str, Any]] = []
    with snapshot(engine) as conn:
        rows = {(t, r.id): r for t in COVERED for r in stored_rows(conn, t)}
        links = {(lk.table_name, lk.row_id): lk for lk in conn.execute(select(LINKS))}
    order = sorted(links, key=lambda ref: links[ref].seq)
    order += sorted(ref for ref in rows if ref not in links)
    for ref in order:
        table, row_id = ref
        row, link = rows.get(ref), links.get(ref)
        record: dict[str, Any] = {"seq": link.seq if link else None, "table": table,
                                  "row_id": row_id}  # fmt: skip
        summary = _summary(table, row) if row is not None else {}
        record |= {k: summary.get(k) for k in ("run_id", "item_id", "action", "actor", "at")}
        if record["at"] is not None:
            record["at"] = record["at"].isoformat()
        record |= {
            "predates_chain": bool(link.predates_chain) if link else None,
            "content_hash": link.content_hash if link else None,
            "prev_hash": link.prev_hash if link else None,
            "link_hash": link.link_hash if link else None,
            "content": content_text(table, row._mapping) if row is not None else None,
        }
        out.append(record)
    return out


def audit_export(engine: Engine) -> tuple[str, str]:
    """The full audit trail (audit rows and sign-offs) as ``(csv_text, json_text)``.

    Both list rows in chain order with ``seq``, ``content_hash``, ``prev_hash``,
    ``link_hash``, ``predates_chain`` and ``content`` (the canonical JSON that was hashed);
    a row without a link comes last with empty hashes. The JSON also holds the chain's state
    from :func:`review.chain.verify` (head hash, intact or the first broken row).
    """
    records = _records(engine)
    state = verify(engine)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        # Names and actions are typed by people: a spreadsheet must not run them as formulas.
        # The hashed ``content`` stays exact (it starts with "{"), so the chain can be redone.
        writer.writerow({k: "" if v is None else csv_cell(v) if k in _TYPED else v
                         for k, v in record.items()})  # fmt: skip
    chain = {
        "genesis": GENESIS,
        "head_hash": state.head_hash,
        "head_seq": state.head_seq,
        "intact": state.intact,
        "predating": state.predating,
        "broken": None
        if state.intact
        else {
            "table": state.table,
            "row_id": state.row_id,
            "reason": state.reason,
            "detail": state.detail,
        },  # fmt: skip
        "hashing": "content_hash = sha256(content); link_hash = sha256(canonical JSON of "
        "{content_hash, predates_chain, prev_hash, row_id, seq, table})",
    }
    document = {"chain": chain, "rows": records}
    return buffer.getvalue(), json.dumps(document, indent=2, ensure_ascii=False)
