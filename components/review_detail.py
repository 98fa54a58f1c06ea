"""The detail view of one review item: its evidence, its decision and its history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from components import assign_view, privacy_view, row_compare, state
from components import review_state as rs
from components.assessment import Loaded
from components.review_queue import SEVERITY_BADGE, kind_label, show_flash
from metrics.schema import Kind
from outputs import charts
from outputs.escape import md as _md
from outputs.html_subgroups import finding_test, level_figure
from outputs.review_items import REASON_WORDS, is_row_kind
from outputs.review_report import finding_rows
from outputs.words import plural
from review import AuditEntry, Item

REAL_LIKE_FINDINGS = ("exact_copies", "copied_rows", "near_copy_rows", "unique_copies")
# (status, label, shortcut, icon, help for a finding, help for a row)
ACTIONS = (
    ("accepted", "Accept", "A", ":material/check:",
     "The data is acceptable on this point.", "This row may be used for training."),
    ("rejected", "Reject", "X", ":material/block:",
     "Not acceptable: this must be fixed before the data is used.",
     "This row must not be used: it is left out of the cleaned dataset."),
    ("waived", "Waive", "W", ":material/do_not_disturb_on:",
     "Acceptable as an exception: write the reason first.",
     "Keep the row as an exception: write the reason first."),
)  # fmt: skip


def show(run: int, item: Item | None, loaded: Loaded, redact: bool,
         items: Sequence[Item] = ()) -> None:  # fmt: skip
    show_flash()
    if item is None:
        st.success("Nothing to review in this view.", icon=":material/task_alt:")
        return
    badge = SEVERITY_BADGE.get(item.severity, item.severity)
    title = kind_label(item.kind) + (f" · synthetic row {item.row}" if item.row is not None else "")
    st.subheader(title, anchor=False)
    columns = ", ".join(_md(c) for c in item.columns)
    st.caption(badge + (f" · {columns}" if columns else ""))
    st.markdown(_md(item.message))
    decision_panel(run, item, rs.my_role(), items)
    _history(item)
    st.divider()
    if is_row_kind(item.kind):
        _row_evidence(item, loaded, redact)
    else:
        _finding_evidence(item, loaded, redact)


# -------------------------------------------------------------------------------- evidence


def _finding_evidence(item: Item, loaded: Loaded, redact: bool) -> None:
    ev, enc = item.evidence, loaded.enc
    names = set(enc.schema.names())
    cols = [c for c in item.columns if c in names]
    try:
        if item.kind == "dcr_closer_to_training":
            privacy_view.distance_chart(loaded, key=f"dcr-{item.id}")
        elif item.kind == "subgroup" and _subgroup_chart(item, loaded):
            pass
        elif item.kind == "pair" and len(cols) >= 2 or ev.get("chart") == "joint":
            _pair_chart(item, loaded, cols, redact)
        elif cols:
            shown = cols[0]
            if len(cols) > 1:
                shown = st.selectbox("Column", cols, key=state.widget_key("chart_col", item.id))
            st.plotly_chart(charts.distribution(enc, shown), key=f"dist-{item.id}-{shown}")
            st.caption("Share of rows per value range or category: real in indigo, "
                       "synthetic in amber.")  # fmt: skip
    except (KeyError, ValueError, IndexError) as exc:
        st.caption(f"No chart for this finding ({_md(exc)}).")
    rows = [int(r) for r in ev.get("rows") or []]
    if rows:
        _synthetic_rows(item, rows, int(ev.get("n_rows") or len(rows)), redact)


def _subgroup_chart(item: Item, loaded: Loaded) -> bool:
    """Real against synthetic inside the finding's level (as the Subgroups page draws it);
    False when this run has no such test, so the column's whole-table chart is drawn instead."""
    res = loaded.assessment.result("subgroups")
    test = finding_test(res, tuple(item.columns), item.key)
    fig = None if test is None else level_figure(loaded.enc, res, test)
    if fig is None:
        return False
    st.plotly_chart(fig, key=f"subgroup-{item.id}")
    st.caption("Inside the group only: real in indigo, synthetic in amber.")
    return True


def _pair_chart(item: Item, loaded: Loaded, cols: list[str], redact: bool) -> None:
    """The joint view of the pair (the Pairs page's chart); a finding about one column's
    relations with several others offers each of its pairs."""
    enc = loaded.enc
    pairs = [(cols[0], other) for other in cols[1:]]
    a, b = pairs[0]
    if len(pairs) > 1:
        a, b = st.selectbox("Pair", pairs, key=state.widget_key("pair", item.id),
                            format_func=lambda p: f"{p[0]} ~ {p[1]}")  # fmt: skip
    continuous = {Kind.NUMERICAL, Kind.DATETIME}
    if redact and all(enc.schema.kind_of(c) in continuous for c in (a, b)):
        st.caption("Scatter plot hidden: its points are real records. The two distributions "
                   "follow.")  # fmt: skip
        for c in (a, b):
            st.plotly_chart(charts.distribution(enc, c), key=f"dist-{item.id}-{c}")
        return
    st.plotly_chart(charts.joint_view(enc, a, b), key=f"joint-{item.id}-{a}-{b}")


def _synthetic_rows(item: Item, rows: list[int], total: int, redact: bool) -> None:
    synthetic = state.table("synthetic")
    label = f"The synthetic rows involved ({len(rows):,} shown of {plural(total, 'row')})"
    with st.expander(label, expanded=not item.columns):
        if redact and item.kind in REAL_LIKE_FINDINGS:
            st.caption(f"Rows {', '.join(map(str, rows))}: values hidden, as these rows "
                       "copy real records.")  # fmt: skip
        elif synthetic is not None:
            keep = [r for r in rows if 0 <= r < len(synthetic.frame)]
            st.dataframe(synthetic.frame.iloc[keep], height=240)


def _row_evidence(item: Item, loaded: Loaded, redact: bool) -> None:
    ev = item.evidence
    reasons = [str(r) for r in ev.get("reasons", [])]
    words = ", ".join(REASON_WORDS.get(r, r.replace("_", " ")) for r in reasons)
    st.caption(f"Reasons: {words} · seriousness {float(ev.get('score') or 0):.2f} (1 = certain)")
    values = pd.Series(dict(ev.get("values") or {}), dtype=object)
    closest = ev.get("closest_real")
    row_compare.show(loaded, int(item.row or 0), None if closest is None else int(closest),
                     str(ev.get("reason", "")), reasons, redact, values=values,
                     columns=tuple(ev.get("columns") or ()))  # fmt: skip


# -------------------------------------------------------------------------------- decision


def _status_line(item: Item) -> None:
    if item.status == "open" and item.expires_at is not None:
        # Reopened by SynthLens when its waiver ran out (the store keeps the old end).
        st.markdown(f"**Status:** open again: the waiver expired on {rs.until(item.expires_at)}. "
                    "It blocks approval until someone decides again.")  # fmt: skip
        return
    if item.status == "open":
        st.markdown("**Status:** open, nobody has decided yet.")
        earlier = item.evidence.get("earlier_decision")
        if earlier:
            reason = f" Reason: {_md(earlier['reason'])}." if earlier.get("reason") else ""
            st.caption(
                "Open again because it is worse now. "
                f"An earlier run had it {_md(earlier.get('status'))} by "
                f"{_md(earlier.get('decided_by') or '?')}.{reason} "
                f"Then it was {_md(earlier.get('severity'))}: {_md(earlier.get('message'))}"
            )
        return
    when = item.decided_at.strftime("%Y-%m-%d %H:%M UTC") if item.decided_at else ""
    line = f"**Status:** {item.status} by {_md(item.decided_by or '?')} ({when})"
    if item.reason:
        line += f". Reason: {_md(item.reason)}"
    st.markdown(line)
    if item.status == "waived" and item.expires_at is not None:
        st.caption(f":material/schedule: This item is waived until {rs.until(item.expires_at)}; "
                   "then it opens again and blocks approval until someone decides again.")  # fmt: skip
    if item.carried_from_item_id is not None:
        st.caption("Decision carried over from an earlier run on the same real data.")


def decision_panel(run: int, item: Item, role: str | None = "reviewer",
                   items: Sequence[Item] = ()) -> None:  # fmt: skip
    _status_line(item)
    assign_view.line(item)
    refused = rs.may_not_decide(role)
    if refused:
        # A viewer reads the queue and the evidence; the buttons would only be refused.
        st.info(refused, icon=":material/visibility:")
        st.button("Skip", key=state.widget_key("skip", item.id), icon=":material/skip_next:",
                  help="Go to the next open item", on_click=rs.skip, args=(run, item.id))  # fmt: skip
        return
    row = is_row_kind(item.kind)
    # The waiver's reason and its end side by side: both only matter when waiving.
    left, right = st.columns([3, 2])
    left.text_input("Reason (needed to waive)", key=state.widget_key("reason", item.id),
                    placeholder="e.g. salary outliers are expected")  # fmt: skip
    right.date_input("Waiver ends on", key=state.widget_key("waiver_end", item.id), value=None,
                     min_value=datetime.now(UTC).date(), format="YYYY-MM-DD",
                     help="Optional, for a waiver: it ends at the end of that day (UTC); the "
                     "item then opens again and blocks approval until someone decides again.")  # fmt: skip
    st.text_input("Comment (optional)", key=state.widget_key("comment", item.id),
                  placeholder="saved with the decision")  # fmt: skip
    removes = finding_rows(item)
    if removes:
        # Say it before the click: rejecting a finding that names rows drops those rows.
        st.caption(f"Rejecting this finding leaves its {plural(removes, 'synthetic row')} out of "
                   "the cleaned dataset; **Reopen** brings them back.")  # fmt: skip
    bar = st.container(horizontal=True, gap="small")
    for status, label, key, icon, help_finding, help_row in ACTIONS:
        bar.button(
            label, key=state.widget_key("act", status, item.id), icon=icon, shortcut=key,
            type="primary" if status == "accepted" else "secondary",
            help=help_row if row else help_finding,
            on_click=rs.decide, args=(run, item.id, item.version, status),
        )  # fmt: skip
    bar.button("Skip", key=state.widget_key("skip", item.id), shortcut="N",
               icon=":material/skip_next:", help="Go to the next open item without deciding",
               on_click=rs.skip, args=(run, item.id))  # fmt: skip
    if item.status != "open":
        bar.button("Reopen", key=state.widget_key("reopen", item.id), icon=":material/undo:",
                   help="Undo the decision: the item is open again",
                   on_click=rs.decide, args=(run, item.id, item.version, "open"))  # fmt: skip
    else:
        bar.button("Save comment", key=state.widget_key("comment_only", item.id),
                   help="Save the comment without deciding", on_click=rs.add_comment,
                   args=(item.id,))  # fmt: skip
    assign_view.control(bar, item, items, role)
    st.caption("Keyboard: **A** accept · **X** reject · **W** waive · **N** skip "
               "(when no text box has the focus).")  # fmt: skip


def _history(item: Item) -> None:
    store = rs.store()
    trail = store.audit(item_id=item.id)
    comments = store.comments(item.id)
    if not trail and not comments:
        return
    with st.expander(f"History ({plural(len(trail), 'change')}, "
                     f"{plural(len(comments), 'comment')})"):  # fmt: skip
        for c in comments:
            st.markdown(f"💬 **{_md(c.reviewer)}** ({c.created_at:%Y-%m-%d %H:%M}): {_md(c.text)}")
        for e in trail:
            st.caption(history_line(e))


ACTION_WORDS = {"waiver_expired": "waiver expired", "carry_over": "carried over",
                "assign": "assigned"}  # fmt: skip


def trust(e: AuditEntry) -> str:
    """How far the actor was vouched for: verified, unverified, SynthLens itself, or nothing
    for rows written before identities were recorded."""
    if e.actor_source == "system":
        return "SynthLens"
    if e.actor_verified is None:
        return ""
    return "verified" if e.actor_verified else "unverified"


def history_line(e: AuditEntry) -> str:
    """One audit row as a line: when, who (and how verified), what changed."""
    how = trust(e)
    who = _md(e.actor) if how == "SynthLens" or not how else f"{_md(e.actor)} ({how})"
    action = ACTION_WORDS.get(e.action, e.action)
    before, after = e.before or {}, e.after or {}
    if e.action == "assign":
        target = after.get("assigned_to")
        change = f"to {_md(target)}" if target else "nobody"
        if after.get("due_at"):
            change += f", due {str(after['due_at'])[:10]}"  # an ISO date we wrote
    elif after.get("status"):
        change = f"{before.get('status', '')} → {after['status']}"
    else:
        change = action
    return f"{e.at:%Y-%m-%d %H:%M:%S} · {who} · {action}: {change}"
