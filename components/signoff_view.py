"""The Sign-off page's parts: the policy editor, the gates, what blocks approval, the sign-off
form, and the sign-off in force with its history."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from components import review_state as rs
from components import state
from components.review_queue import show_flash
from outputs.escape import md
from outputs.review_items import kind_title
from outputs.review_report import open_high, rejected_findings
from outputs.words import plural
from review import Gate, InvalidInput, Item, Policy, PolicyError, SignOff, SignOffRefused
from review.policy import DEFAULT_POLICY_PATH, load_policy
from review.records import jsonable

GATE_ICON = {"passed": ":green[:material/check_circle:]", "failed": ":red[:material/cancel:]",
             "undecided": ":orange[:material/help:]",
             "not evaluated": ":gray[:material/remove_circle:]"}  # fmt: skip


def default_policy_text() -> str:
    return DEFAULT_POLICY_PATH.read_text(encoding="utf-8")


def reset_policy() -> None:
    state.set_kept("policy_text", default_policy_text())


def policy_editor() -> Policy | None:
    """The policy in force: the default file, or the user's edit of it. None (with the
    problems listed) when the edit cannot be used."""
    default = default_policy_text()
    text = str(state.kept("policy_text", default))
    try:
        # A trailing newline makes load_policy read the text as TOML, never as a file path.
        policy, problem = load_policy(text + "\n"), None
    except PolicyError as exc:
        policy, problem = None, str(exc)
    label = "Policy: the thresholds each gate applies (edit to change them)"
    with st.expander(label, expanded=problem is not None):
        st.text_area(
            "Policy (TOML)", key=state.kept_widget("policy_text", default), height=420,
            on_change=state.keep, args=("policy_text",),
            help="Click outside the box (or press Ctrl+Enter) to apply your changes.",
        )  # fmt: skip
        st.button("Reset to the default policy", on_click=reset_policy)
    if problem is not None:
        st.error(f"{problem}\n\nFix the policy above (or reset it) to see the gates.",
                 icon=":material/error:")  # fmt: skip
    elif text.strip() != default.strip():
        st.caption("Using **your edited policy** (the default thresholds are in the file "
                   "`review/default_policy.toml`).")  # fmt: skip
    return policy


def tally(gate_list: Sequence[Gate]) -> str:
    """``6 of 7 pass; 1 is not evaluated, ...``: what a policy that blocks nothing let through,
    so that "approved" never hides an undecided or missing score."""
    count = Counter(g.status for g in gate_list)
    words = [f"{count['passed']} of {len(gate_list)} pass"]
    if count["undecided"]:
        words.append(f"{count['undecided']} {'is' if count['undecided'] == 1 else 'are'} "
                     "undecided, which the policy accepts (allow_undecided = true)")  # fmt: skip
    if count["not evaluated"]:
        words.append(f"{count['not evaluated']} {'is' if count['not evaluated'] == 1 else 'are'} "
                     "not evaluated, which the policy allows for optional scores")  # fmt: skip
    return "; ".join(words)


def gates(gate_list: Sequence[Gate]) -> None:
    """Each gate with pass / fail / undecided / not evaluated and its plain-words message."""
    blocking = [g for g in gate_list if g.blocking]
    if not gate_list:
        st.info("The policy turns every gate off: approval needs no score.")
    elif blocking:
        # Undecided gates ask for more rows, not for fixing the data: say how many there are.
        undecided = sum(g.status == "undecided" for g in blocking)
        which = f" ({undecided} undecided)" if undecided else ""
        st.warning(
            f"**Approval is blocked by {len(blocking)} of {len(gate_list)} gates{which}.** "
            "You can still record a rejection.",
            icon=":material/block:",
        )
    elif all(g.status == "passed" for g in gate_list):
        st.success(f"**All {len(gate_list)} gates pass.** This run can be approved.",
                   icon=":material/verified:")  # fmt: skip
    else:
        st.success(f"**No gate blocks approval:** {tally(gate_list)}. This run can be approved.",
                   icon=":material/verified:")  # fmt: skip
    for g in gate_list:
        st.markdown(f"{GATE_ICON[g.status]} **{g.label}: {g.status}.** {md(g.message)}")


BLOCKERS_SHOWN = 10


def _item_list(items: Sequence[Item]) -> None:
    # A list, not a table: the messages are sentences and a table cell would cut them off.
    for i in items[:BLOCKERS_SHOWN]:
        st.markdown(f"- **{md(kind_title(i.kind))}**: {md(i.message)}")
    if len(items) > BLOCKERS_SHOWN:
        st.caption(f"and {len(items) - BLOCKERS_SHOWN} more on the Review page.")


def blockers(items: Sequence[Item]) -> None:
    """The open items that keep the review gate from passing, and what else is open."""
    high = open_high(items)
    still_open = [i for i in items if i.status == "open"]
    if high:
        st.markdown(f"**{plural(len(high), 'open high-severity finding')}** (settle them on the Review "
                    "page: accept, reject or waive):")  # fmt: skip
        _item_list(high)
    rejected = rejected_findings(items)
    if rejected:
        st.markdown(f"**{plural(len(rejected), 'rejected finding')}** "
                    "(a reviewer found them not acceptable: fix the data and assess it again, "
                    "or change the decision on the Review page):")  # fmt: skip
        _item_list(rejected)
    rest = len(still_open) - len(high)
    if rest:
        st.caption(f"{plural(rest, 'other item')} still open (medium or low findings and flagged "
                   "rows); they do not block sign-off, but their decisions go into the record.")  # fmt: skip
    if still_open:
        st.page_link("pages/review.py", label="Open the review queue", icon=":material/rule:")


def _sign(run: int, decision: str, policy: Policy, scores: dict, gate_list: list[Gate],
          review_state: str) -> None:  # fmt: skip
    # A signed-in user signs under the name the identity provider gives, nothing else.
    name = rs.reviewer_name() if rs.authenticated() else st.session_state.get(
        state.widget_key("signoff_name"), "")  # fmt: skip
    statement = st.session_state.get(state.widget_key("signoff_statement"), "")
    try:
        signed = rs.store().sign_off(run, decision, name, statement, policy, jsonable(scores), gate_list,
                                     expected_state=review_state)  # fmt: skip
    except (SignOffRefused, InvalidInput) as exc:
        blocking = [g for g in gate_list if g.blocking]
        if isinstance(exc, SignOffRefused) and decision == "approved" and blocking:
            # One line per gate: a run-on paragraph of every gate's message is unreadable.
            verb = "blocks" if len(blocking) == 1 else "block"
            text = f"Not approved: {plural(len(blocking), 'gate')} still {verb} approval.\n" + "".join(
                f"\n- **{md(g.label)}**: {md(g.message)}" for g in blocking)  # fmt: skip
        else:
            text = f"Not signed: {md(exc)}" if isinstance(exc, InvalidInput) else md(exc)
        state.set_flash("error", text)
        return
    state.clear_widget("signoff_statement")
    state.set_flash("success", f"Signed: {signed.decision} by {md(signed.name)}. The record is "
                    "stored and can only be superseded by a new sign-off.")  # fmt: skip


def sign_form(run: int, policy: Policy, scores: dict, gate_list: list[Gate]) -> None:
    """Approve or reject with a name and a statement."""
    review_state = rs.store().review_state(run)
    with st.form(state.widget_key("signoff_form")):
        st.text_input("Your name", value=rs.reviewer_name(), max_chars=200,
                      key=state.widget_key("signoff_name"), disabled=rs.authenticated(),
                      help="Signed-in users sign under their account's name."
                      if rs.authenticated() else None)  # fmt: skip
        st.text_area("Statement", key=state.widget_key("signoff_statement"), height=100,
                     placeholder="e.g. Fit for training the churn model; rejected rows removed.")  # fmt: skip
        st.caption("The record keeps the input files' hashes, this policy, the scores, the gates "
                   "and every decision. It cannot be edited afterwards, only superseded.")  # fmt: skip
        bar = st.container(horizontal=True)
        args = (run, "approved", policy, scores, gate_list, review_state)
        blocked = sum(g.blocking for g in gate_list)
        # While gates block approval, Approve is not the suggested action: no primary colour.
        bar.form_submit_button("Approve", type="secondary" if blocked else "primary",
                               icon=":material/verified:", on_click=_sign, args=args,
                               help=f"Blocked by {plural(blocked, 'gate')}: see Gates above."
                               if blocked else None)  # fmt: skip
        bar.form_submit_button("Reject", icon=":material/block:", on_click=_sign,
                                 args=(run, "rejected", *args[2:]))  # fmt: skip
    show_flash()


def _when(s: SignOff) -> str:
    return s.created_at.strftime("%Y-%m-%d %H:%M UTC")


def current(history: Sequence[SignOff], items: Sequence[Item]) -> None:
    """The sign-off in force, and whether decisions changed after it."""
    now = next((s for s in reversed(history) if s.superseded_by is None), None)
    if now is None:
        st.info("Not signed off yet.", icon=":material/pending:")
        return
    text = f"**{now.decision.upper()}** by {md(now.name)} on {_when(now)}: “{md(now.statement)}”"
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
            "By": [s.name for s in history],
            "When": [_when(s) for s in history],
            "Statement": [s.statement for s in history],
            "Superseded by": pd.array([s.superseded_by for s in history], dtype="Int64"),
        }),
        hide_index=True,
    )  # fmt: skip
