"""The Sign-off page's parts: the gates, what blocks approval, and the sign-off form.

The policy panel is in ``components/policy_view.py``; who signs, the signature in words, the
history and the audit chain are in ``components/signature_view.py``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import streamlit as st

from components import review_state as rs
from components import state
from components.review_queue import show_flash
from components.signature_view import cannot_sign, signature_sentence
from outputs.escape import md
from outputs.review_items import kind_title
from outputs.review_report import open_high, rejected_findings
from outputs.words import plural
from review import Gate, InvalidInput, Item, Policy, SignOffRefused
from review.records import GatesBlock, jsonable
from review.roles import Identity
from review.signature import MAX_MEANING, REJECTED_MEANING

GATE_ICON = {"passed": ":green[:material/check_circle:]", "failed": ":red[:material/cancel:]",
             "undecided": ":orange[:material/help:]",
             "not evaluated": ":gray[:material/remove_circle:]"}  # fmt: skip


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


def _signer(who: Identity) -> Identity:
    # A verified user signs under the name the login or proxy gives, nothing else; a typed
    # name is whatever is in the box (demos), and is recorded as unverified.
    if who.verified:
        return who
    return Identity.typed(str(st.session_state.get(state.widget_key("signoff_name"), "")))


def _refusal(exc: Exception, gate_list: Sequence[Gate]) -> str:
    blocking = [g for g in gate_list if g.blocking]
    if isinstance(exc, GatesBlock) and blocking:
        # One line per gate: a run-on paragraph of every gate's message is unreadable.
        verb = "blocks" if len(blocking) == 1 else "block"
        return f"Not approved: {plural(len(blocking), 'gate')} still {verb} approval.\n" + "".join(
            f"\n- **{md(g.label)}**: {md(g.message)}" for g in blocking)  # fmt: skip
    return f"Not signed: {md(exc)}" if isinstance(exc, InvalidInput) else md(exc)


def _sign(run: int, decision: str, policy: Policy, version: int, scores: dict,
          gate_list: list[Gate], review_state: str, who: Identity) -> None:  # fmt: skip
    statement = st.session_state.get(state.widget_key("signoff_statement"), "")
    meaning = None
    if decision == "approved":
        meaning = str(st.session_state.get(state.widget_key("signoff_meaning")) or "")
    try:
        signed = rs.store().sign_off(
            run, decision, _signer(who), statement, policy, jsonable(scores), gate_list,
            expected_state=review_state, meaning=meaning, role=rs.my_role(),
            policy_version=version,
        )  # fmt: skip
    except (SignOffRefused, InvalidInput) as exc:
        state.set_flash("error", _refusal(exc, gate_list))
        return
    state.clear_widget("signoff_statement")
    state.set_flash("success", f"Signed: {signed.decision}. {md(signature_sentence(signed))} "
                    "The record is stored and can only be superseded by a new sign-off.")  # fmt: skip


def _meaning_widget(policy: Policy) -> None:
    meanings = policy.sign_off.meanings
    key = state.widget_key("signoff_meaning")
    if meanings:
        st.selectbox("What an approval means", meanings, key=key,
                     help="The policy lists what a sign-off may mean; the record and the "
                     "reports show your choice.")  # fmt: skip
    else:
        st.text_input("What an approval means", key=key, max_chars=MAX_MEANING,
                      placeholder="e.g. approved for training the churn model")  # fmt: skip
    st.caption(f"A rejection always means “{REJECTED_MEANING}”.")


# long: one form whose widgets and buttons read best together.
def sign_form(run: int, policy: Policy, version: int, scores: dict, gate_list: list[Gate],
              who: Identity, role: str | None) -> None:  # fmt: skip
    """Approve or reject: the signer, what an approval means, and a comment."""
    review_state = rs.store().review_state(run)
    refused = cannot_sign(who, role, policy.sign_off)
    with st.form(state.widget_key("signoff_form")):
        if who.verified:
            st.text_input("Signing as", value=who.name, disabled=True,
                          help="Signed-in users sign under their account's name.")  # fmt: skip
        else:
            st.text_input("Your name", value=rs.reviewer_name(), max_chars=200,
                          key=state.widget_key("signoff_name"),
                          help="A typed name is recorded as unverified.")  # fmt: skip
        _meaning_widget(policy)
        st.text_area("Comment", key=state.widget_key("signoff_statement"), height=100,
                     placeholder="e.g. Fit for training the churn model; rejected rows removed.")  # fmt: skip
        st.caption(f"The record keeps who signed, the time (UTC), the meaning, policy version "
                   f"{version}, the input files' hashes, the scores, the gates and every "
                   "decision. It cannot be edited afterwards, only superseded.")  # fmt: skip
        bar = st.container(horizontal=True)
        args = (run, "approved", policy, version, scores, gate_list, review_state, who)
        blocked = sum(g.blocking for g in gate_list)
        # While gates block approval, Approve is not the suggested action: no primary colour.
        bar.form_submit_button("Approve", type="secondary" if blocked else "primary",
                               icon=":material/verified:", on_click=_sign, args=args,
                               disabled=refused is not None,
                               help=f"Blocked by {plural(blocked, 'gate')}: see Gates above."
                               if blocked else None)  # fmt: skip
        bar.form_submit_button("Reject", icon=":material/block:", on_click=_sign,
                               disabled=refused is not None,
                               args=(run, "rejected", *args[2:]))  # fmt: skip
        if refused is not None:
            st.warning(refused, icon=":material/lock:")
    show_flash()
