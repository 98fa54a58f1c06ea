"""Who is using the app and what they may do: the verified login, a trusted proxy header, or a
typed name; and their role from the roles file, grants and the provider's groups.

- ``st.login`` (Streamlit's OpenID Connect login) when ``.streamlit/secrets.toml`` has an
  ``[auth]`` section: the name, email and groups come from the provider's ID token.
- A trusted proxy header when ``SYNTHLENS_TRUSTED_HEADER`` names one (off by default): only
  set it when every request passes a proxy that sets the header and strips it from clients.
- Otherwise the typed name: it works for demos, and everything it does is marked unverified.

Roles come from ``SYNTHLENS_ROLES_FILE`` (see ``review/roles.py``) and ``cli.py grant``;
without a roles file everyone is an approver (a typed name only while the policy allows
unverified sign-offs). A roles file that cannot be read gives nobody a role: it locks out,
never lets in.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAPIException

from components import state
from outputs.escape import md
from review.roles import OPEN_ROLES, Identity, Roles, RolesError, read_roles, role_of

HEADER_ENV = "SYNTHLENS_TRUSTED_HEADER"  # e.g. X-Forwarded-Email: the header holding the email
NAME_HEADER_ENV = "SYNTHLENS_TRUSTED_NAME_HEADER"  # optional: the header holding the name
GROUPS_HEADER_ENV = "SYNTHLENS_TRUSTED_GROUPS_HEADER"  # optional: comma-separated groups
ROLES_ENV = "SYNTHLENS_ROLES_FILE"


def login_configured() -> bool:
    """Whether ``.streamlit/secrets.toml`` configures an OpenID Connect provider."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, StreamlitAPIException, KeyError, OSError):
        return False
    except Exception:  # noqa: BLE001 - a broken secrets file must not stop the page
        return False


def logged_in() -> bool:
    if not login_configured():
        return False
    try:
        return bool(st.user.is_logged_in)
    except (AttributeError, KeyError, StreamlitAPIException):
        return False


def _proxy_identity() -> Identity | None:
    header = os.environ.get(HEADER_ENV, "").strip()
    if not header:
        return None
    headers = st.context.headers
    email = (headers.get(header) or "").strip()
    if not email:
        return None
    name = (headers.get(os.environ.get(NAME_HEADER_ENV, "").strip() or "\0") or "").strip()
    raw_groups = headers.get(os.environ.get(GROUPS_HEADER_ENV, "").strip() or "\0") or ""
    groups = tuple(g.strip() for g in raw_groups.split(",") if g.strip())
    return Identity(name=name or email, email=email, verified=True, source="proxy",
                    groups=groups)  # fmt: skip


def identity() -> Identity:
    """The person using this session; the typed name (maybe empty) when nothing vouches."""
    if logged_in():
        claims = st.user.to_dict()
        if str(claims.get("email") or claims.get("name") or "").strip():
            return Identity.from_claims(claims)
    proxied = _proxy_identity()
    if proxied is not None:
        return proxied
    return Identity.typed(state.reviewer())


@st.cache_data(show_spinner=False, max_entries=8)
def _roles_file(path: str, mtime: float) -> Roles:
    return read_roles(Path(path))


def roles() -> Roles | None:
    """The roles in force; ``None`` (nobody has a role) when the roles file is unusable."""
    path = os.environ.get(ROLES_ENV, "").strip()
    if not path:
        return OPEN_ROLES
    try:
        return _roles_file(path, Path(path).stat().st_mtime)
    except (RolesError, OSError) as exc:
        st.error(f"The roles file `{md(path)}` cannot be used, so nobody has a role until it "
                 f"is fixed: {md(exc)}", icon=":material/error:")  # fmt: skip
        return None


def role(who: Identity, grants: dict[str, str], forbid_unverified: bool) -> str | None:
    """``who``'s role: the roles file, grants and groups; typed names are capped."""
    found = roles()
    if found is None:
        return None
    try:
        return role_of(who, found, grants, allow_unverified_approval=not forbid_unverified)
    except RolesError as exc:
        st.error(f"A granted role cannot be used: {md(exc)}", icon=":material/error:")
        return None


def describe(who: Identity, role_name: str | None) -> str:
    """``Ana Lima <ana@x.org> · verified by the company login · approver``, as markdown."""
    name = md(who.name) if who.name else "(no name yet)"
    email = f" <{md(who.email)}>" if who.email and who.email != who.name else ""
    how = {"oidc": "verified by the company login", "proxy": "verified by the company proxy"}
    trust = how.get(who.source, "unverified: a typed name")
    return f"**{name}**{email} · {trust} · {role_name or 'no role'}"
