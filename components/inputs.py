"""Loading inputs (uploads and the demo) into session state, and the schema in force."""

from __future__ import annotations

import hashlib
import os

import streamlit as st

from components import cache, state
from demo.make_demo import DEMO_NAMES, demo_csv_bytes
from metrics import io
from metrics.schema import Schema

_ERRORS = "synthlens.upload_errors"
_NONCE = "synthlens.uploader_nonce"
DEMO_SOURCE = "the built-in demo (student placements)"
OWN_SOURCE = "your files"


def upload_errors() -> dict[str, str]:
    return st.session_state.setdefault(_ERRORS, {})


def uploader_key(role: str) -> str:
    # Changing the nonce gives the uploaders new keys, which empties them (after the demo loads).
    return f"upload_{role}_{st.session_state.get(_NONCE, 0)}"


def load_bytes(role: str, data: bytes, name: str) -> bool:
    """Parse one input and put it in session state; keep a readable error instead on failure."""
    errors = dict(upload_errors())
    sha = hashlib.sha256(data).hexdigest()
    try:
        # Parsed once per upload (this runs in the uploader's callback); the frame then lives in
        # session state, so no cache keeps a second copy of a large table.
        frame = io.read_table(data, name)
    except io.InputError as exc:
        errors[role] = str(exc)
        earlier = state.table(role)
        if earlier is not None:  # say which file the pages still use, or it looks replaced
            errors[role] += f" The {role} data in use is still {earlier.name}, loaded earlier."
        st.session_state[_ERRORS] = errors
        return False
    errors.pop(role, None)
    st.session_state[_ERRORS] = errors
    state.set_table(role, state.Table(name=name, sha256=sha, size_bytes=len(data), frame=frame))
    return True


def on_upload(role: str) -> None:
    """Callback of a file uploader: runs once per change, before the page script."""
    uploaded = st.session_state.get(uploader_key(role))
    if uploaded is None:
        state.set_table(role, None)
        upload_errors().pop(role, None)
        return
    data, name = uploaded.getvalue(), uploaded.name
    if state.source() == DEMO_SOURCE:
        # The user's own file replaces the demo set whole: a demo holdout left beside the
        # user's files would score their privacy and utility against foreign rows.
        for other in state.ROLES:
            state.set_table(other, None)
        st.session_state[_ERRORS] = {}
        state.set_source(None)
    if load_bytes(role, data, name):
        state.set_source(OWN_SOURCE)


def remove(role: str) -> None:
    """Callback of a loaded input's Remove button."""
    state.set_table(role, None)
    upload_errors().pop(role, None)
    if not state.tables():
        state.set_source(None)
    _empty_uploaders()


def _empty_uploaders() -> None:
    # New keys give empty uploaders, so a removed file does not linger in its uploader.
    st.session_state[_NONCE] = st.session_state.get(_NONCE, 0) + 1


def load_demo() -> None:
    """Callback of the Load demo data button: the demo set replaces whatever was loaded."""
    for role in state.ROLES:
        state.set_table(role, None)
    st.session_state[_ERRORS] = {}
    for role, data in demo_csv_bytes().items():
        load_bytes(role, data, DEMO_NAMES[role])
    state.set_source(DEMO_SOURCE)
    _empty_uploaders()


def current_schema() -> Schema | None:
    """The user's corrected schema, or the inferred one; None until both sides are loaded."""
    if not state.has_pair():
        return None
    override = state.schema_override()
    if override is not None:
        return override
    real, synthetic = state.table("real"), state.table("synthetic")
    assert real is not None and synthetic is not None
    return cache.inferred_schema(real.frame, synthetic.frame, state.pair_key())


def autoload_demo_once() -> None:
    """Open on the demo pair when the start script asks for it (SYNTHLENS_AUTOLOAD_DEMO=1).

    Only on a session's first run, so a user who replaces or clears the data keeps their choice.
    """
    if st.session_state.get("synthlens.autoloaded"):
        return
    st.session_state["synthlens.autoloaded"] = True
    if os.environ.get("SYNTHLENS_AUTOLOAD_DEMO") == "1" and not state.tables():
        load_demo()
