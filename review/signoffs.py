"""Sign-offs: immutable approvals or rejections of a run, superseded but never edited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, is_dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from review import convert
from review.base import StoreBase, person, state_digest
from review.models import ItemRow, PolicyRow, RunRow, SignOffRow
from review.records import (
    SIGN_OFF_DECISIONS,
    GatesBlock,
    InvalidInput,
    SignOff,
    SignOffRefused,
    utcnow,
)
from review.roles import OPEN_ROLES, Identity, role_of
from review.signature import REJECTED_MEANING, check_sign_off, read_rules

_UNSET = object()


class SignOffs(StoreBase):
    """The sign-off part of :class:`review.store.Store`."""

    # long: mostly its numpy-style docstring; the code is about 50 lines.
    def sign_off(
        self,
        run_id: int,
        decision: str,
        name: str | Identity,
        statement: str,
        policy: Any,
        scores: Mapping[str, Any],
        gates: Sequence[Any],
        *,
        expected_state: str | None = None,
        meaning: str | None = None,
        role: str | None | object = _UNSET,
        policy_version: int | None = None,
    ) -> SignOff:
        """Record an approval or rejection of a run; it can never be edited, only superseded.

        The decisions snapshot (every item's status, reason, reviewer) and the input hashes are
        taken by the store itself in the same transaction. ``policy`` is a ``Policy`` or a
        mapping; ``gates`` are ``Gate`` objects or mappings (from ``review.policy.evaluate``).

        Parameters
        ----------
        name:
            The signer: an ``Identity`` (from a login, the proxy, or typed), or a typed name.
        meaning:
            What an approval means, one of the policy's ``sign_off_meanings`` (default: the
            first); a rejection always means "not approved for training".
        role:
            The signer's role (``review.roles.role_of``); by default the role without a
            roles file: approver, or reviewer for a typed name when the policy forbids
            unverified sign-offs.
        policy_version:
            The stored policy version ``policy`` came from (``Store.current_policy``).

        Raises
        ------
        SignOffRefused
            Approval while a gate blocks it, a rule of the policy's sign-off rules is broken
            (role, unverified name, separation of duties, meaning), waivers expired, or
            ``expected_state`` no longer matches :meth:`review_state`.
        """
        if decision not in SIGN_OFF_DECISIONS:
            raise InvalidInput(f"decision must be one of {list(SIGN_OFF_DECISIONS)}")
        signer = person(name, "name")
        who = signer.name
        rules = getattr(policy, "sign_off", None) or read_rules(dict(policy), [])
        if role is _UNSET:
            role = role_of(
                signer, OPEN_ROLES, allow_unverified_approval=not rules.forbid_unverified
            )
        allowed = (REJECTED_MEANING,) if decision == "rejected" else rules.meanings
        chosen = meaning if meaning is not None else (allowed[0] if allowed else None)
        said = (statement or "").strip()
        if not said:
            raise InvalidInput("a sign-off needs a statement")
        gate_list = [
            asdict(g) if is_dataclass(g) and not isinstance(g, type) else dict(g) for g in gates
        ]
        with self._read() as session:
            # First: gates judged under an older policy would give the wrong reason below.
            _check_policy_version(session, policy_version)
        blocking = [g for g in gate_list if g.get("blocking", g.get("passed") is False)]
        if decision == "approved" and blocking:
            reasons = "; ".join(str(g.get("message") or g.get("name")) for g in blocking)
            raise GatesBlock(f"Cannot approve while gates block it: {reasons}")
        policy_dict = policy.to_dict() if hasattr(policy, "to_dict") else dict(policy)
        reopened = self.reopen_expired(run_id)  # type: ignore[attr-defined]
        if reopened and expected_state is None:
            raise SignOffRefused(f"Not signed: {reopened} expired waiver(s) reopened their "
                                 "items; look at them and sign again.")  # fmt: skip
        with self._write() as session:
            run = self._run_row(session, run_id, lock=True)
            if expected_state is not None and expected_state != state_digest(session, run_id):
                raise SignOffRefused(
                    "Not signed: review decisions changed after you opened this page. "
                    "Look at the updated gates and open items, then sign again."
                )
            _check_policy_version(session, policy_version)  # again, under the lock
            refusals = check_sign_off(signer, role if isinstance(role, str) else None, rules,
                                      _high_reviewers(session, run_id), chosen, allowed)  # fmt: skip
            if refusals:
                raise SignOffRefused("Not signed: " + " ".join(refusals))
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
                created_at=utcnow(), supersedes_id=current, signer_email=signer.email or None,
                verified=signer.verified, source=signer.source, meaning=chosen,
                assessment_version=_assessment_version(session, run),
                policy_version=policy_version,
            )  # fmt: skip
            session.add(row)
            session.flush()
            self._audit(session, run_id, None, "sign_off", signer, None,
                        {"sign_off": row.id, "decision": decision, "supersedes": current,
                         "meaning": chosen, "policy_version": policy_version})  # fmt: skip
            self._notify(session, "signed_off" if decision == "approved" else "rejected",
                         {"run_id": run_id, "sign_off": row.id, "decision": decision,
                          "by": who, "verified": signer.verified, "meaning": chosen,
                          "names": dict(run.names or {})})  # fmt: skip
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


def _high_reviewers(session: Session, run_id: int) -> list[str]:
    """Who decided the run's high-severity items (as recorded), one entry per decided item."""
    rows = session.scalars(
        select(ItemRow.decided_by).where(
            ItemRow.run_id == run_id, ItemRow.severity == "high", ItemRow.status != "open"
        )
    )
    return [r for r in rows if r]


def _assessment_version(session: Session, run: RunRow) -> int:
    """The run's number among the runs on the same input files (1 for the oldest)."""
    same = (RunRow.real_sha == run.real_sha) & (RunRow.synthetic_sha == run.synthetic_sha)
    holdout = (
        (RunRow.holdout_sha == run.holdout_sha) if run.holdout_sha else RunRow.holdout_sha.is_(None)
    )
    return int(session.scalar(select(func.count()).where(same, holdout, RunRow.id <= run.id)) or 1)


def _check_policy_version(session: Session, policy_version: int | None) -> None:
    """Refuse a sign-off judged against a policy version that is no longer the one in force."""
    latest = session.scalar(select(func.max(PolicyRow.version))) or 0
    if policy_version is not None and policy_version != latest:
        raise SignOffRefused(
            f"Not signed: policy version {latest} was saved after you opened this page; look "
            "at the gates under it and sign again."
        )
