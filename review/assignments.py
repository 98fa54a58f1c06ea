"""Comments, assignment with due dates, waivers that expire, and reading the audit trail:
the per-item part of :class:`review.store.Store` beside decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from review import convert
from review.base import clean_name, person
from review.governance import Governance, you_are
from review.models import AuditRow, CommentRow, ItemRow, RunRow
from review.records import AuditEntry, Comment, InvalidInput, Item, NotAllowed, StaleUpdate, utcnow
from review.roles import Identity, can
from review.signature import as_utc

SYSTEM = Identity("synthlens", source="system")  # SynthLens itself acting (expiry)


class Assignments(Governance):
    """Comments, assignment, expiry and the audit trail; see :class:`review.store.Store`."""

    def comment(self, item_id: int, reviewer: str | Identity, text: str,
                role: str | None = "reviewer") -> Comment:  # fmt: skip
        """Add a comment to an item (audited; does not change the item's version).

        A viewer (or no role) may not comment: a comment is part of the review (NotAllowed).
        """
        who = person(reviewer, "reviewer name")
        if not can(role, "review"):
            raise NotAllowed(f"Only reviewers comment; you are {you_are(role)}.")
        body = (text or "").strip()
        if not body:
            raise InvalidInput("the comment is empty")
        with self._write() as session:
            row = self._item_row(session, item_id)
            new = CommentRow(run_id=row.run_id, item_id=row.id, reviewer=who.name, text=body,
                             created_at=utcnow())  # fmt: skip
            session.add(new)
            self._audit(session, row.run_id, row.id, "comment", who, None, {"comment": body})
            session.flush()
            return convert.comment(new)

    def comments(self, item_id: int) -> list[Comment]:
        with self._read() as session:
            rows = session.scalars(
                select(CommentRow).where(CommentRow.item_id == item_id).order_by(CommentRow.id)
            )
            return [convert.comment(r) for r in rows]

    def audit(self, *, run_id: int | None = None, item_id: int | None = None) -> list[AuditEntry]:
        """The audit trail of a run or of one item, oldest first."""
        if (run_id is None) == (item_id is None):
            raise InvalidInput("give exactly one of run_id or item_id")
        column = AuditRow.run_id if run_id is not None else AuditRow.item_id
        with self._read() as session:
            rows = session.scalars(
                select(AuditRow).where(column == (run_id or item_id)).order_by(AuditRow.id)
            )
            return [convert.audit(r) for r in rows]

    # --------------------------------------------------------------------------- assignment

    def _notify_new_items(self, session: Session, run: RunRow, new_rows: list[dict[str, Any]],
                          sources: dict[str, Any], existing: dict[str, Any]) -> None:  # fmt: skip
        """A new run's first items make it ready for review; decided items that the re-run
        could not carry over (the finding got worse) are reopened."""
        if not new_rows:
            return
        about = {"run_id": run.id, "names": dict(run.names or {})}
        if not existing:
            opened = sum(r["status"] == "open" for r in new_rows)
            self._notify(session, "run_ready_for_review",
                         about | {"items": len(new_rows), "open": opened})  # fmt: skip
        reopened = [r for r in new_rows if r["status"] == "open" and r["key_hash"] in sources]
        if reopened:
            self._notify(session, "items_reopened",
                         about | {"reopened": len(reopened), "why": "worse on re-run",
                                  "from_run": run.carry_from_run_id})  # fmt: skip

    def assign(self, item_id: int, assignee: str | None, due_at: datetime | None,
               by: Identity | str, role: str | None, *,
               expected_version: int) -> Item:  # fmt: skip
        """Assign an item to a reviewer (an email or a name) with an optional due date (UTC);
        ``assignee=None`` takes the assignment back. Approvers and admins assign.

        The item's version goes up, so a reviewer deciding on a stale page is told.

        Raises
        ------
        NotAllowed
            ``role`` may not assign.
        StaleUpdate
            The item changed since ``expected_version``.
        """
        who = person(by, "name")
        if not can(role, "assign"):
            raise NotAllowed(f"Only approvers and admins assign items; you are {you_are(role)}.")
        target = clean_name(assignee, "assignee") if assignee is not None else None
        if target is None and due_at is not None:
            raise InvalidInput("a due date needs someone it is due from")
        due = as_utc(due_at) if due_at is not None else None
        with self._write() as session:
            row = self._item_row(session, item_id, lock=True)
            if row.version != expected_version:
                raise StaleUpdate(convert.item(row), expected_version, row.status)
            before = {"assigned_to": row.assigned_to, "due_at": row.due_at, "version": row.version}
            if (row.assigned_to, row.due_at) == (target, due):
                return convert.item(row)
            row.assigned_to, row.due_at, row.version = target, due, row.version + 1
            row.changed_by, row.changed_at = who.name, utcnow()
            after = {"assigned_to": target, "due_at": due, "version": row.version}
            self._audit(session, row.run_id, row.id, "assign", who, before, after)
            session.flush()
            return convert.item(row)

    def reopen_expired(self, run_id: int, now: datetime | None = None) -> int:
        """Reopen the run's waivers whose end has come; return how many.

        Each is audited as ``waiver_expired`` by SynthLens, and a webhook reports them. An
        expired waiver blocks approval like any open item until someone decides again.
        """
        moment = as_utc(now) if now is not None else utcnow()
        expired = (ItemRow.run_id == run_id) & (ItemRow.status == "waived")
        expired &= ItemRow.expires_at.is_not(None) & (ItemRow.expires_at <= moment)
        with self._read() as session:
            if session.scalar(select(ItemRow.id).where(expired).limit(1)) is None:
                return 0  # the common case: no write lock taken on every page view
        with self._write() as session:
            run = self._run_row(session, run_id, lock=True)
            rows = list(session.scalars(select(ItemRow).where(expired).order_by(ItemRow.id)))
            for row in rows:
                before = convert.state(row) | {"expires_at": row.expires_at}
                row.status, row.version = "open", row.version + 1
                row.decided_by = row.decided_at = None
                row.changed_by, row.changed_at = SYSTEM.name, moment
                after = convert.state(row) | {"why": "waiver expired"}
                self._audit(session, run_id, row.id, "waiver_expired", SYSTEM, before, after)
            if rows:
                self._notify(session, "items_reopened",
                             {"run_id": run_id, "reopened": len(rows), "why": "waiver expired",
                              "items": [r.id for r in rows][:100],
                              "names": dict(run.names or {})})  # fmt: skip
            return len(rows)

    def assigned_to(self, run_id: int, who: Identity) -> list[Item]:
        """The run's items assigned to ``who`` (by email, or by name), in queue order."""
        keys = {who.key, who.name.strip().casefold()} - {""}
        return [i for i in self.items(run_id)  # type: ignore[attr-defined]
                if i.assigned_to and i.assigned_to.strip().casefold() in keys]  # fmt: skip
