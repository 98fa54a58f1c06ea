"""Who signs and how a signature reads: the identity panel at the top of the Sign-off page, the
sign-off in force, the history of sign-offs and the state of the audit hash chain.

Every signature is shown in the words of ``review.signature.signature_words`` (who, how
verified, when in UTC, what it means, the assessment and policy versions, the comment), so the
page, the reports and the CLI say the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from components import identity as ident
from components import review_state as rs
from components import state
from outputs.escape import md, md_code
from outputs.words import plural
from review import Item, SignOff, Store
from review.chain import ChainError, ChainState
from review.roles import Identity, can
from review.signature import SignOffRules, signature_words

PREDATES = "recorded before signatures had meanings"
VERIFY_CMD = "python cli.py verify-audit --review-db URL"


def signature_sentence(s: SignOff) -> str:
    """The signature in one sentence; sign-offs stored before signatures had meanings say so
    instead of showing blanks."""
    if s.meaning is None or s.verified is None:
        when = s.created_at.strftime("%Y-%m-%d %H:%M UTC")
        said = " ".join(s.statement.split())
        return f"Signed by {s.name} on {when} ({PREDATES}). Comment: {said}"
    return signature_words(
        s.name,
        s.signer_email or "",
        s.verified,
        s.created_at,
        s.meaning,
        s.assessment_version if s.assessment_version is not None else "not recorded",
        s.policy_version if s.policy_version is not None else "not recorded",
        s.statement,
        source=s.source,
    )


def cannot_sign(who: Identity, role: str | None, rules: SignOffRules | None) -> str | None:
    """Why this person cannot sign off here, with what to do; None when they can."""
    if rules is not None and rules.forbid_unverified and not who.verified:
        how = ("use **Log in** above" if ident.login_configured()
               else "ask your admin to set up the company login (README: Sign-off you can audit)")  # fmt: skip
        return ("This policy forbids sign-offs by unverified names: log in with the company "
                f"account ({how}).")  # fmt: skip
    if not can(role, "sign_off"):
        you = f"you are a {role}" if role else "you have no role here"
        return (f"Only approvers sign off: {you}. Ask an admin for the approver role (roles "
                "file, or `python cli.py grant approver EMAIL`).")  # fmt: skip
    return None


def identity_panel(who: Identity, role: str | None, rules: SignOffRules | None,
                   policy_line: str) -> None:  # fmt: skip
    """Who is signing, how far that is verified, the role, whether they can sign, and the
    policy the run is judged against: the page's answer to "can I sign?" at a glance."""
    with st.container(border=True):
        st.markdown(f":material/badge: **Signing as** {ident.describe(who, role)}")
        if not who.verified and ident.login_configured():
            st.button("Log in", icon=":material/login:", on_click=st.login,
                      key=state.widget_key("signoff_login"))  # fmt: skip
        reason = cannot_sign(who, role, rules)
        if reason is not None:
            st.warning(reason, icon=":material/lock:")
        else:
            if not who.name and not who.verified:
                st.caption("Type your name in the sign-off form below (or on the Review page).")
            st.markdown(":green[:material/check_circle:] Your role lets you sign off below: "
                        "reject at any time; approve once no gate blocks it.")  # fmt: skip
        st.markdown(f":material/policy: **Judged against** {policy_line}")


def current(history: Sequence[SignOff], items: Sequence[Item]) -> None:
    """The sign-off in force in the words of its signature, and whether decisions changed
    after it."""
    now = next((s for s in reversed(history) if s.superseded_by is None), None)
    if now is None:
        st.info("Not signed off yet.", icon=":material/pending:")
        return
    text = f"**{now.decision.upper()}.** {md(signature_sentence(now))}"
    box = st.success if now.decision == "approved" else st.error
    box(text, icon=":material/verified:" if now.decision == "approved" else ":material/block:")
    signed = {d["item_id"]: d["version"] for d in now.decisions}
    changed = sum(signed.get(i.id) != i.version for i in items)
    if changed:
        st.warning(f"{plural(changed, 'decision')} changed after this sign-off; sign again to "
                   "record them.")  # fmt: skip


def history_table(history: Sequence[SignOff]) -> None:
    if len(history) < 2:
        return
    st.markdown("**History** (every sign-off stays stored; a newer one supersedes it)")
    st.dataframe(
        pd.DataFrame({
            "#": [s.id for s in history],
            "Decision": [s.decision for s in history],
            "Signature": [signature_sentence(s) for s in history],
            "Superseded by": pd.array([s.superseded_by for s in history], dtype="Int64"),
        }),
        hide_index=True,
        column_config={"Signature": st.column_config.TextColumn(width="large")},
    )  # fmt: skip


@st.cache_data(ttl=60, show_spinner="Checking the audit trail's hash chain...", max_entries=8)
def _chain_state(url: str, head: tuple[int, str]) -> ChainState:
    # Checking re-hashes every chained row (about 0.1 ms each): once a minute, or at once
    # when anything new was chained (the head moved), not on every click of the page.
    return rs.store().chain_state()


def chain_line(store: Store) -> None:
    """Whether the audit trail and sign-offs are as written: intact (with the chain's head,
    which the signed report carries) or broken at a named row, with what to do."""
    try:
        found = _chain_state(store.url, store.chain_head())
    except ChainError as exc:
        st.info(f"The audit trail has no hash chain to check ({md(exc)}). Open the database "
                "with this version of SynthLens once to set it up.", icon=":material/link_off:")  # fmt: skip
        return
    except SQLAlchemyError as exc:
        st.warning(f"The audit chain could not be checked: the database did not answer "
                   f"({md(exc)}). Reload the page to try again.", icon=":material/link_off:")  # fmt: skip
        return
    if found.intact and not found.rows_checked:
        st.markdown(":green[:material/link:] **Audit trail intact:** nothing recorded yet; every "
                    "decision and sign-off will be chained as it is stored.")  # fmt: skip
        return
    if found.intact:
        old = f", {found.predating} of them from before the chain" if found.predating else ""
        st.markdown(
            f":green[:material/link:] **Audit trail intact:** "
            f"{plural(found.rows_checked, 'row')} checked{old}; chain head "
            f"{md_code(found.head_hash[:12])}",
            help=f"Full chain head (the signed report carries it): {found.head_hash}",
        )
        return
    st.error(
        f"**Audit trail BROKEN** at {md(found.table)} row {found.row_id}: {md(found.reason)} "
        f"({md(found.detail)}). Rows were changed or removed outside SynthLens, so the record "
        f"cannot be trusted from there on. Run {md_code(VERIFY_CMD)} and tell your database "
        "admin.",
        icon=":material/link_off:",
    )
