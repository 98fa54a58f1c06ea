"""The Overview's verdict: ready to sign off or not, and why, under the policy in force.

The policy in force is the one the Sign-off page applies: the latest version stored in the review
database (the built-in default until an admin saves one). The gates are counted from the stored
review, as on the Sign-off page.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from components import review_state as rs
from components.assessment import Loaded
from components.signoff_view import tally
from outputs.escape import md
from outputs.review_items import finding_items
from outputs.review_report import gates_for, open_high
from outputs.words import plural
from review import Gate, Item, Policy, PolicyError
from review.gating import evaluate_assessment
from review.governance import builtin_policy, parse_policy

READY, NOT_READY = "Ready to sign off", "Not ready to sign off"


def policy_in_force() -> tuple[Policy | None, str, str | None]:
    """(policy, which one in words, problem): the stored policy; None when its text cannot be
    read, and the problem says why."""
    try:
        saved = rs._store(rs.resolve_url()).policy_version()
    except Exception:  # noqa: BLE001 - no database: say the verdict uses the built-in policy
        return parse_policy(builtin_policy().text), "the default policy (database closed)", None
    which = "the default policy" if saved.version == 0 else f"policy version {saved.version}"
    try:
        return parse_policy(saved.text), which, None
    except PolicyError as exc:
        return None, which, str(exc)


def stored_items(loaded: Loaded) -> list[Item] | None:
    """The review items of the loaded run, or None when the review database cannot be
    opened (the Review page explains why; the Overview still shows its verdict)."""
    try:
        rs._store(rs.resolve_url())
    except Exception:  # noqa: BLE001 - any database problem: the verdict counts nothing reviewed
        return None
    return rs.current_items(rs.run_id(loaded))


def item_ids(loaded: Loaded, items: Sequence[Item] | None) -> list[int | None]:
    """The stored item id of each finding of the assessment, in the findings' order."""
    by_key = {i.key: i.id for i in items or ()}
    return [by_key.get(i.key) for i in finding_items(loaded.assessment.findings)]


def _headline(word: str, colour: str, why: str) -> None:
    st.markdown(f"### :{colour}[{word}]")
    st.markdown(why)


def banner(loaded: Loaded, items: Sequence[Item] | None) -> None:
    """Ready or not, in colour; the failing gates and the open high findings; where to go."""
    policy, which, problem = policy_in_force()
    with st.container(border=True):
        if policy is None:
            _headline("Cannot tell yet", "orange",
                      f"The stored policy ({which}) cannot be read. An admin can save a "
                      "corrected version on the Sign-off page.")  # fmt: skip
            st.caption(md(problem))
        else:
            _reasons(loaded, policy, which, items)
        links = st.container(horizontal=True, gap="medium")
        links.page_link("pages/review.py", label="Review the findings", icon=":material/rule:")
        links.page_link("pages/signoff.py", label="Go to Sign-off", icon=":material/approval:")


def _reasons(loaded: Loaded, policy: Policy, which: str, items: Sequence[Item] | None) -> None:
    a = loaded.assessment
    if items is None:
        gates: list[Gate] = evaluate_assessment(policy, a)  # every high finding counts as open
        high = sum(f.severity == "high" for f in a.findings)
    else:
        gates = gates_for(policy, a, items)
        high = len(open_high(items))
    blocking = [g for g in gates if g.blocking]
    failed = [g for g in blocking if g.passed is False]
    open_words = plural(high, "open high-severity finding")
    if not blocking:
        why = (f"Every gate of {which} passes" if all(g.status == "passed" for g in gates)
               else f"No gate of {which} blocks approval: {tally(gates)}")  # fmt: skip
        _headline(READY, "green", f"{why} ({open_words}).")
        return
    colour = "red" if failed else "orange"
    verb = "blocks" if len(blocking) == 1 else "block"
    waits = "waits" if high == 1 else "wait"
    _headline(NOT_READY, colour,
              f"{len(blocking)} of the {len(gates)} gates of {which} {verb} approval. "
              f"{open_words} {waits} for a decision on the Review page.")  # fmt: skip
    for g in blocking:
        st.markdown(f"- **{md(g.label)}** ({g.status}): {md(g.message)}")
    if items is None:
        st.caption("The review database cannot be opened: every high-severity finding counts as "
                   "open. The Review page says why.")  # fmt: skip
