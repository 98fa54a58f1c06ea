"""The policy in force (stored, versioned, changed only by admins), granted roles, and the
state of the audit hash chain: the governance part of :class:`review.store.Store`."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from review import chain
from review.base import clean_name, person
from review.models import GrantRow, PolicyRow
from review.policy import DEFAULT_POLICY_PATH, Policy, PolicyError, load_policy
from review.records import InvalidInput, NotAllowed, PolicyVersion, utcnow
from review.roles import Identity, RolesError, can, check_grant
from review.signoffs import SignOffs

MAX_POLICY_CHARS = 100_000  # the default policy is 5,000; anything far larger is a mistake


def builtin_policy() -> PolicyVersion:
    """Version 0: the policy SynthLens ships, in force until an admin saves one."""
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    return PolicyVersion(0, text, None, None, None, "SynthLens' built-in default policy", None)


def _version(row: PolicyRow) -> PolicyVersion:
    return PolicyVersion(row.version, row.text, row.author, row.author_email,
                         row.author_verified, row.note, row.created_at)  # fmt: skip


def parse_policy(text: str) -> Policy:
    """The policy in ``text`` (TOML, never a path); PolicyError lists its problems."""
    # A trailing newline makes load_policy read the text as TOML, never as a file path.
    return load_policy(text + "\n")


class Governance(SignOffs):
    """Policies, grants and the chain; see :class:`review.store.Store`."""

    # ---------------------------------------------------------------------------- policy

    def policy_version(self) -> PolicyVersion:
        """The policy in force: the latest saved version, or the built-in one (version 0)."""
        with self._read() as session:
            row = session.scalars(select(PolicyRow).order_by(PolicyRow.version.desc())).first()
        return _version(row) if row is not None else builtin_policy()

    def policy_versions(self) -> list[PolicyVersion]:
        """Every saved version, newest first, ending with the built-in version 0."""
        with self._read() as session:
            rows = session.scalars(select(PolicyRow).order_by(PolicyRow.version.desc()))
            return [*(_version(r) for r in rows), builtin_policy()]

    def current_policy(self) -> tuple[Policy, int]:
        """The policy in force, parsed, and its version."""
        saved = self.policy_version()
        return parse_policy(saved.text), saved.version

    def save_policy(self, text: str, by: Identity | str, role: str | None, note: str | None = None,
                    *, expected_version: int) -> PolicyVersion:  # fmt: skip
        """Store ``text`` as the next policy version; only admins may.

        Raises
        ------
        NotAllowed
            ``role`` is not admin.
        InvalidInput
            The policy has problems (all listed), or is unchanged.
        StaleUpdate-like InvalidInput
            Another admin saved a version after ``expected_version``.
        """
        who = person(by, "name")
        if not can(role, "edit_policy"):
            raise NotAllowed(f"Only admins change the policy; you are {you_are(role)}.")
        if len(text) > MAX_POLICY_CHARS:
            raise InvalidInput(f"the policy is longer than {MAX_POLICY_CHARS:,} characters")
        try:
            parse_policy(text)
        except PolicyError as exc:
            raise InvalidInput(str(exc)) from None
        current = self.policy_version()
        if current.version != expected_version:
            raise InvalidInput(
                f"{current.author or 'someone'} saved policy version {current.version} after "
                f"you opened version {expected_version}; look at it and edit again"
            )
        if text.strip() == current.text.strip():
            raise InvalidInput("the policy is unchanged; nothing to save")
        try:
            with self._write() as session:
                latest = session.scalar(select(func.max(PolicyRow.version))) or 0
                if latest != expected_version:
                    raise InvalidInput(f"policy version {latest} was saved meanwhile; edit again")
                row = PolicyRow(version=latest + 1, text=text, author=who.name,
                                author_email=who.email or None, author_verified=who.verified,
                                note=(note or "").strip() or None, created_at=utcnow())  # fmt: skip
                session.add(row)
                session.flush()
                return _version(row)
        except IntegrityError:
            raise InvalidInput(
                "another admin saved the policy at the same moment; edit again"
            ) from None

    # ---------------------------------------------------------------------------- grants

    def grants(self) -> dict[str, str]:
        """Email -> role given with ``cli.py grant`` or by an admin; the latest grant holds."""
        with self._read() as session:
            rows = session.execute(select(GrantRow.email, GrantRow.role).order_by(GrantRow.id))
            return dict(rows.tuples().all())

    def grant(self, email: str, role: str, by: str, by_role: str | None = "admin") -> None:
        """Give ``email`` the role ``role`` (a lower role takes a higher one back).

        ``by_role`` is the granter's role: only admins grant, except the operator running
        ``cli.py grant`` on the server (who passes ``"admin"``: they hold the database).
        """
        if not can(by_role, "grant"):
            raise NotAllowed(f"Only admins grant roles; you are {you_are(by_role)}.")
        try:
            key, role = check_grant(email, role)
        except RolesError as exc:
            raise InvalidInput(str(exc)) from None
        granter = clean_name(by, "granted by")
        with self._write() as session:
            session.add(GrantRow(email=key, role=role, granted_by=granter, created_at=utcnow()))

    # ----------------------------------------------------------------------------- chain

    def chain_head(self) -> tuple[int, str]:
        """The chain head's number and hash as recorded (not verified): cheap, for caching."""
        try:
            with self._read() as session:
                row = session.execute(select(chain.HEAD.c.seq, chain.HEAD.c.link_hash)).first()
        except SQLAlchemyError:
            return (-1, "")
        return (int(row.seq), str(row.link_hash)) if row is not None else (0, chain.GENESIS)

    def chain_state(self) -> chain.ChainState:
        """Whether the audit hash chain is intact, and its head (see ``review/chain.py``)."""
        return chain.verify(self._engine)


def you_are(role: str | None) -> str:
    """``a reviewer``, or ``without a role here``: how a refusal names the role."""
    return f"a {role}" if role else "without a role here"
