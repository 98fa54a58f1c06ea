"""Sign-offs: immutable approvals or rejections of a run, superseded but never edited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, is_dataclass
from typing import Any

from sqlalchemy import func, select

from review import convert
from review.base import StoreBase, clean_name, state_digest
from review.models import ItemRow, SignOffRow
from review.records import SIGN_OFF_DECISIONS, InvalidInput, SignOff, SignOffRefused, utcnow


class SignOffs(StoreBase):
    """The sign-off part of :class:`review.store.Store`."""

    # long: mostly its numpy-style docstring; the code is 39 lines.
    def sign_off(
        self,
        run_id: int,
        decision: str,
        name: str,
        statement: str,
        policy: Any,
        scores: Mapping[str, Any],
        gates: Sequence[Any],
        *,
        expected_state: str | None = None,
    ) -> SignOff:
        """Record an approval or rejection of a run; it can never be edited, only superseded.

        The decisions snapshot (every item's status, reason, reviewer) and the input hashes are
        taken by the store itself in the same transaction. ``policy`` is a ``Policy`` or a
        mapping; ``gates`` are ``Gate`` objects or mappings (from ``review.policy.evaluate``).

        Raises
        ------
        SignOffRefused
            Approval while a gate blocks it, or ``expected_state`` no longer matches
            :meth:`review_state` (someone changed a decision meanwhile).
        """
        if decision not in SIGN_OFF_DECISIONS:
            raise InvalidInput(f"decision must be one of {list(SIGN_OFF_DECISIONS)}")
        who = clean_name(name, "name")
        said = (statement or "").strip()
        if not said:
            raise InvalidInput("a sign-off needs a statement")
        gate_list = [
            asdict(g) if is_dataclass(g) and not isinstance(g, type) else dict(g) for g in gates
        ]
        blocking = [g for g in gate_list if g.get("blocking", g.get("passed") is False)]
        if decision == "approved" and blocking:
            reasons = "; ".join(str(g.get("message") or g.get("name")) for g in blocking)
            raise SignOffRefused(f"Cannot approve while gates block it: {reasons}")
        policy_dict = policy.to_dict() if hasattr(policy, "to_dict") else dict(policy)
        with self._write() as session:
            run = self._run_row(session, run_id, lock=True)
            if expected_state is not None and expected_state != state_digest(session, run_id):
                raise SignOffRefused(
                    "Not signed: review decisions changed after you opened this page. "
                    "Look at the updated gates and open items, then sign again."
                )
            items = session.scalars(
                select(ItemRow).where(ItemRow.run_id == run_id).order_by(ItemRow.id)
            )
            current = session.scalar(
                select(func.max(SignOffRow.id)).where(SignOffRow.run_id == run_id)
            )
            row = SignOffRow(
                run_id=run_id, decision=decision, name=who, statement=said,
                inputs=convert.inputs_of(run), tool_version=run.tool_version,
                policy=policy_dict, scores=dict(scores), gates=gate_list,
                decisions=[convert.decision_snapshot(i) for i in items],
                created_at=utcnow(), supersedes_id=current,
            )  # fmt: skip
            session.add(row)
            session.flush()
            self._audit(session, run_id, None, "sign_off", who, None,
                        {"sign_off": row.id, "decision": decision, "supersedes": current})  # fmt: skip
            return convert.sign_off(row, None)

    def sign_offs(self, run_id: int) -> list[SignOff]:
        """Every sign-off of the run, oldest first, each with ``superseded_by`` filled in."""
        with self._read() as session:
            rows = list(
                session.scalars(
                    select(SignOffRow).where(SignOffRow.run_id == run_id).order_by(SignOffRow.id)
                )
            )
        successor = {r.supersedes_id: r.id for r in rows if r.supersedes_id is not None}
        return [convert.sign_off(r, successor.get(r.id)) for r in rows]

    def current_sign_off(self, run_id: int) -> SignOff | None:
        """The sign-off in force (the latest; it is superseded by nothing), or ``None``."""
        current = [s for s in self.sign_offs(run_id) if s.superseded_by is None]
        return current[-1] if current else None
