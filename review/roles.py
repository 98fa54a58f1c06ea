"""Who may do what: the roles viewer < reviewer < approver < admin, and the roles file.

A roles file is TOML::

    default = "viewer"            # optional: the role of anyone not listed
    [roles]
    admin = ["ada@example.org"]
    approver = ["grace@example.org", "group:data-stewards"]
    reviewer = ["group:analysts"]
    viewer = []

Entries are emails (matched case-insensitively) or ``group:NAME``, matched against the groups
the login provider (or the trusted proxy) reports for the person, also case-insensitively.
``default`` may also be written inside ``[roles]``; it may only be ``viewer`` or ``reviewer``:
approvers and admins are always named, never everyone.

Without a roles file (:data:`OPEN_ROLES`) everyone not granted a role is an approver, which is
how SynthLens behaved before roles existed. A name that was typed rather than verified by a
login is never more than a reviewer, or an approver when the policy allows unverified
approvals; it is never an admin. Nothing here imports Streamlit.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn

ROLES: tuple[str, ...] = ("viewer", "reviewer", "approver", "admin")  # lowest first
_RANK = {role: rank for rank, role in enumerate(ROLES)}
# The least role each action needs.
ACTIONS: dict[str, str] = {
    "view": "viewer",
    "review": "reviewer",
    "assign": "approver",
    "sign_off": "approver",
    "edit_policy": "admin",
    "grant": "admin",
}
DEFAULT_CHOICES: tuple[str, ...] = ("viewer", "reviewer")  # what `default` may be
# "system": SynthLens itself (a carried-over decision, an expired waiver).
SOURCES: tuple[str, ...] = ("oidc", "proxy", "typed", "system")
Source = Literal["oidc", "proxy", "typed", "system"]
MAX_BYTES = 256 * 1024  # a roles file for thousands of people is far smaller
_MAX_ENTRY = 254  # the longest email address SMTP allows
# One "@", something on both sides, no spaces: anything stricter refuses real addresses.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
GROUP_PREFIX = "group:"


class RolesError(ValueError):
    """A roles file or grant that cannot be used; the message is one sentence saying why."""


@dataclass(frozen=True)
class Identity:
    """The person acting: who they are and how much SynthLens can trust that.

    ``verified`` is true only for a login (``"oidc"``) or a trusted proxy header (``"proxy"``);
    a typed name (``"typed"``) is never verified and carries no groups.
    """

    name: str
    email: str = ""
    verified: bool = False
    source: Source = "typed"
    groups: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {list(SOURCES)}, not {self.source!r}")
        if self.source in ("typed", "system") and (self.verified or self.groups):
            raise ValueError("a typed name can be neither verified nor in provider groups")

    @property
    def key(self) -> str:
        """The email, case-folded: what roles, grants and reviewers are matched on."""
        return self.email.strip().casefold()

    def as_record(self) -> dict[str, Any]:
        """Who acted and how far to trust it, for an audit row's or a sign-off's JSON.

        Groups are left out: they are how a role was found, not who acted.
        """
        return {"name": self.name, "email": self.email, "verified": self.verified,
                "source": self.source}  # fmt: skip

    @classmethod
    def typed(cls, name: str, email: str = "") -> Identity:
        """A name (and maybe an email) someone typed: unverified."""
        return cls(name=name.strip(), email=email.strip())

    @classmethod
    def from_claims(
        cls, claims: Mapping[str, Any], source: Source = "oidc", groups_claim: str = "groups"
    ) -> Identity:
        """The verified identity in an OpenID Connect user's claims (e.g. ``st.user``).

        Parameters
        ----------
        claims:
            The ID token claims: ``name``, ``email`` and the groups claim are read.
        source:
            ``"oidc"`` for ``st.login``, ``"proxy"`` for a trusted header.
        groups_claim:
            The claim holding the groups: a list of strings, or one string.
        """
        email = str(claims.get("email") or "").strip()
        name = str(claims.get("name") or claims.get("preferred_username") or email).strip()
        raw = claims.get(groups_claim) or ()
        groups = (raw,) if isinstance(raw, str) else tuple(str(g) for g in raw)
        return cls(name=name, email=email, verified=True, source=source, groups=groups)


@dataclass(frozen=True)
class Roles:
    """Who holds which role: case-folded emails and group names, and the role of the unlisted.

    ``default`` is ``None`` when the unlisted get no role at all.
    """

    emails: Mapping[str, str] = field(default_factory=dict)  # email -> highest role
    groups: Mapping[str, str] = field(default_factory=dict)  # group -> highest role
    default: str | None = None


# No roles file: everyone is an approver, as before roles existed (capped when unverified).
OPEN_ROLES = Roles(default="approver")


def higher(a: str | None, b: str | None) -> str | None:
    """The higher of two roles (``None`` = no role)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if _RANK[a] >= _RANK[b] else b


def _role_name(value: object, where: str) -> str:
    if isinstance(value, str) and value in _RANK:
        return value
    close = difflib.get_close_matches(str(value), ROLES, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return _fail(
        f"Unknown role {str(value)[:40]!r} {where}{hint}; "
        "the roles are viewer, reviewer, approver and admin."
    )


def _fail(sentence: str) -> NoReturn:
    raise RolesError(sentence)


def _entry(value: object, role: str) -> tuple[str, str]:
    """``("email", key)`` or ``("group", key)`` for one entry of a role's list."""
    if not isinstance(value, str):
        _fail(
            f"Every entry under {role} must be an email or group:NAME in quotes, not {repr(value)[:40]}."
        )
    text = str(value).strip()
    if len(text) > _MAX_ENTRY:
        _fail(f"An entry under {role} is longer than {_MAX_ENTRY} characters: {text[:40]!r}...")
    if text.casefold().startswith(GROUP_PREFIX):
        group = text[len(GROUP_PREFIX) :].strip()
        if not group:
            _fail(f"The entry {text!r} under {role} names no group: write group:NAME.")
        return "group", group.casefold()
    if not _EMAIL.fullmatch(text):
        _fail(f"The entry {text!r} under {role} is neither an email nor group:NAME.")
    return "email", text.casefold()


def _read_text(source: str | Path) -> str:
    if isinstance(source, str) and (source.strip() == "" or any(c in source for c in "\n=[")):
        text = source
    else:
        path = Path(source)
        try:
            if path.stat().st_size > MAX_BYTES:
                _fail(f"The roles file {path} is larger than {MAX_BYTES // 1024} KiB.")
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "it is not UTF-8 text"
            _fail(f"Cannot read the roles file {path}: {reason}.")
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        _fail(f"The roles file is larger than {MAX_BYTES // 1024} KiB.")
    return text


def read_roles(source: str | Path) -> Roles:
    """Read and check a roles file.

    Parameters
    ----------
    source:
        A ``Path``, or a string: TOML text when it contains a newline, ``=`` or ``[`` (or is
        blank), otherwise a file path.

    Returns
    -------
    Roles
        Each email and group with the highest role it is listed under.

    Raises
    ------
    RolesError
        Unreadable or oversized file, invalid TOML, an unknown key or role, or a bad entry;
        the message is one sentence naming the first problem.
    """
    text = _read_text(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        _fail(f"The roles file is not valid TOML ({exc}).")
    except RecursionError:  # absurdly nested arrays
        _fail("The roles file is nested too deeply to be a roles file.")
    table = data.get("roles", {})
    if not isinstance(table, dict):
        _fail("roles must be a table: put the role lists under a [roles] line.")
    for key in data:
        if key not in ("roles", "default"):
            _fail(f"Unknown key {key[:40]!r} in the roles file; it holds default and [roles].")
    default = data.get("default")
    if "default" in table:
        if default is not None and default != table["default"]:
            _fail("default is set twice with different roles; keep one.")
        default = table["default"]
    if default is not None and _role_name(default, "as default") not in DEFAULT_CHOICES:
        _fail(f"default may be viewer or reviewer, not {default}: name approvers and admins.")
    emails: dict[str, str] = {}
    groups: dict[str, str] = {}
    for role, members in table.items():
        if role == "default":
            continue
        _role_name(role, "in [roles]")
        if not isinstance(members, list):
            _fail(f'{role} must be a list, e.g. {role} = ["ada@example.org", "group:NAME"].')
        for member in members:
            kind, key = _entry(member, role)
            found = emails if kind == "email" else groups
            found[key] = higher(found.get(key), role) or role
    return Roles(emails=emails, groups=groups, default=default)


def check_grant(email: str, role: str) -> tuple[str, str]:
    """The case-folded email and role for ``cli.py grant ROLE EMAIL``; RolesError if unusable."""
    _role_name(role, "to grant")
    kind, key = _entry(email, role)
    if kind != "email":
        _fail("Grant a role to an email; put groups in the roles file.")
    return key, role


def role_of(
    identity: Identity,
    roles: Roles,
    granted: Mapping[str, str] | None = None,
    *,
    allow_unverified_approval: bool = False,
) -> str | None:
    """The highest role the person holds, or ``None`` for no role at all.

    Parameters
    ----------
    identity:
        Who is acting.
    roles:
        From :func:`read_roles`, or :data:`OPEN_ROLES` when there is no roles file.
    granted:
        Email -> role stored in the database by ``cli.py grant`` (emails in any case).
    allow_unverified_approval:
        The policy lets typed names sign off (``forbid_unverified_sign_off = false``): a typed
        name may then be an approver; otherwise it is at most a reviewer. Never an admin.

    Raises
    ------
    RolesError
        A grant names an unknown role.
    """
    role: str | None = None
    if identity.key:
        role = roles.emails.get(identity.key)
        for email, given in (granted or {}).items():
            if email.strip().casefold() == identity.key:
                role = higher(role, _role_name(given, "in the granted roles"))
    for group in identity.groups if identity.verified else ():
        role = higher(role, roles.groups.get(group.strip().casefold()))
    if role is None:
        role = roles.default
    if not identity.verified and role is not None:
        cap = "approver" if allow_unverified_approval else "reviewer"
        role = cap if _RANK[role] > _RANK[cap] else role
    return role


def can(role: str | None, action: str) -> bool:
    """Whether ``role`` may do ``action`` (view, review, assign, sign_off, edit_policy, grant)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    return role is not None and _RANK[role] >= _RANK[ACTIONS[action]]
