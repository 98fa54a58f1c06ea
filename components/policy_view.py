"""The policy in force on the Sign-off page: read from the review database, shown read-only with
its version, author and time; admins alone get an editor that saves the next version.

Nobody changes the policy inside their own session any more: a sign-off names the stored
version it was judged against, so that version must be the one every session sees.
"""

from __future__ import annotations

import streamlit as st

from components import review_state as rs
from components import state
from outputs.escape import md
from review import InvalidInput, Policy, PolicyError
from review.governance import parse_policy
from review.records import NotAllowed, PolicyVersion
from review.roles import Identity, can

TEXT, NOTE, BASE, MESSAGE = "policy_edit", "policy_note", "policy_base", "policy_message"


def in_force() -> tuple[Policy | None, PolicyVersion]:
    """The stored policy, parsed, and its version; the policy is None (with the problem shown)
    when the stored text cannot be read by this version of SynthLens."""
    saved = rs.store().policy_version()
    try:
        return parse_policy(saved.text), saved
    except PolicyError as exc:
        st.error(f"Policy version {saved.version} in the database cannot be read: {md(exc)}\n\n"
                 "An admin must save a corrected version (Policy, below) before anyone can "
                 "sign off.", icon=":material/error:")  # fmt: skip
        return None, saved


def version_words(saved: PolicyVersion) -> str:
    """``policy version 2, saved by Ada <ada@x> on 2026-05-01 09:12 UTC ("note")``, markdown."""
    if saved.version == 0 or saved.created_at is None:
        return "SynthLens' **built-in default policy (version 0)**: no admin has saved one yet."
    who = md(saved.author or "someone")
    if saved.author_email and saved.author_email != saved.author:
        who += f" <{md(saved.author_email)}>"
    if saved.author_verified is False:
        who += " (unverified)"
    when = saved.created_at.strftime("%Y-%m-%d %H:%M UTC")
    note = f" (“{md(saved.note)}”)" if saved.note else ""
    return f"**policy version {saved.version}**, saved by {who} on {when}{note}."


def panel(saved: PolicyVersion, who: Identity, role: str | None) -> None:
    """The stored policy, readable by everyone; the editor for admins only."""
    message = st.session_state.pop(state.widget_key(MESSAGE), None)
    if message is not None:
        kind, text = message
        getattr(st, kind)(text, icon=":material/policy:")
    with st.expander(f"Read the policy in force (version {saved.version})"):
        st.code(saved.text, language="toml")
    if can(role, "edit_policy"):
        _editor(saved, who, role)
    else:
        st.caption("Only admins change the policy. Each change is saved as a new version, and "
                   "every sign-off names the version it was judged against.")  # fmt: skip


def _editor(saved: PolicyVersion, who: Identity, role: str | None) -> None:
    key, base = state.widget_key(TEXT), state.widget_key(BASE)
    if key not in st.session_state:  # first visit, or back from another page: the stored text
        st.session_state[key] = saved.text
        st.session_state[base] = saved.version
    nxt = saved.version + 1
    with st.expander(f"Change the policy (admins): save as version {nxt}"):
        if st.session_state.get(base) != saved.version:
            st.warning(f"Policy version {saved.version} was saved after you started editing "
                       f"version {st.session_state.get(base)}. Discard your edits to start "
                       "from the newest version.", icon=":material/sync_problem:")  # fmt: skip
        st.text_area("Policy (TOML)", key=key, height=420)
        st.text_input("Note (optional): why this change", key=state.widget_key(NOTE),
                      max_chars=500)  # fmt: skip
        bar = st.container(horizontal=True)
        bar.button(f"Save as version {nxt}", type="primary", icon=":material/save:",
                   on_click=_save, args=(who, role))  # fmt: skip
        bar.button("Discard my edits", on_click=_discard)


def _say(kind: str, text: str) -> None:
    st.session_state[state.widget_key(MESSAGE)] = (kind, text)


def _save(who: Identity, role: str | None) -> None:
    text = str(st.session_state.get(state.widget_key(TEXT), ""))
    note = str(st.session_state.get(state.widget_key(NOTE), "") or "")
    base = st.session_state.get(state.widget_key(BASE), 0)
    try:
        saved = rs.store().save_policy(text, who, role, note, expected_version=int(base))
    except NotAllowed as exc:
        _say("error", f"Not saved: {md(exc)}")
        return
    except InvalidInput as exc:
        # The typed text stays in the box, so that the problems can be fixed there.
        _say(
            "error",
            f"Not saved: {exc}.\n\nChange the policy in the box (or discard your "
            "edits to start from the newest version) and save again.",
        )
        return
    st.session_state[state.widget_key(TEXT)] = saved.text
    st.session_state[state.widget_key(BASE)] = saved.version
    state.clear_widget(NOTE)
    _say("success", f"Saved policy version {saved.version}. The gates below use it now, and "
         f"every sign-off from now on names version {saved.version}.")  # fmt: skip


def _discard() -> None:
    newest = rs.store().policy_version()
    st.session_state[state.widget_key(TEXT)] = newest.text
    st.session_state[state.widget_key(BASE)] = newest.version
    state.clear_widget(NOTE)
