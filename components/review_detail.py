"""The detail view of one review item: its evidence, its decision and its history."""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd
import streamlit as st

from components import charts, state
from components import review_state as rs
from components.assessment import Loaded
from components.review_items import REAL_LIKE, is_row_kind
from components.review_queue import SEVERITY_BADGE, kind_label, show_flash
from components.review_queue import md as _md
from metrics.schema import Kind
from review import Item

HIDDEN = "(hidden)"
REAL_LIKE_FINDINGS = ("exact_copies", "copied_rows", "near_copy_rows")
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


def show(run: int, item: Item | None, loaded: Loaded, redact: bool) -> None:
    show_flash()
    if item is None:
        st.success("Nothing to review in this view.", icon=":material/task_alt:")
        return
    badge = SEVERITY_BADGE.get(item.severity, item.severity)
    title = kind_label(item.kind) + (f": synthetic row {item.row}" if item.row is not None else "")
    st.subheader(title, anchor=False)
    st.caption(f"{badge} · `{item.kind}`" + (
        f" · {', '.join(item.columns)}" if item.columns else ""))  # fmt: skip
    st.markdown(_md(item.message))
    decision_panel(run, item)
    _history(item)
    st.divider()
    if is_row_kind(item.kind):
        _row_evidence(item, loaded, redact)
    else:
        _finding_evidence(item, loaded, redact)


# -------------------------------------------------------------------------------- evidence


def _finding_evidence(item: Item, loaded: Loaded, redact: bool) -> None:
    ev, enc = item.evidence, loaded.enc
    chart = ev.get("chart")
    names = set(enc.schema.names())
    cols = [c for c in item.columns if c in names]
    try:
        if chart == "joint" and len(cols) == 2:
            continuous = {Kind.NUMERICAL, Kind.DATETIME}
            both = all(enc.schema.kind_of(c) in continuous for c in cols)
            if redact and both:
                st.caption("Scatter plot hidden: its points are real records. The two "
                           "distributions follow.")  # fmt: skip
                for c in cols:
                    st.plotly_chart(charts.distribution(enc, c), key=f"dist-{item.id}-{c}")
            else:
                st.plotly_chart(charts.joint_view(enc, *cols), key=f"joint-{item.id}")
        elif cols:
            shown = cols[0]
            if len(cols) > 1:
                shown = st.selectbox("Column", cols, key=state.widget_key("chart_col", item.id))
            st.plotly_chart(charts.distribution(enc, shown), key=f"dist-{item.id}-{shown}")
            st.caption("Share of rows per value range or category: real in indigo, "
                       "synthetic in amber.")  # fmt: skip
    except (KeyError, ValueError, IndexError) as exc:
        st.caption(f"No chart for this finding ({exc}).")
    rows = [int(r) for r in ev.get("rows") or []]
    if rows:
        _synthetic_rows(item, rows, int(ev.get("n_rows") or len(rows)), redact)


def _synthetic_rows(item: Item, rows: list[int], total: int, redact: bool) -> None:
    synthetic = state.table("synthetic")
    label = f"The synthetic rows involved ({len(rows)} shown of {total})"
    with st.expander(label, expanded=not item.columns):
        if redact and item.kind in REAL_LIKE_FINDINGS:
            st.caption(f"Rows {', '.join(map(str, rows))}: values hidden, as these rows "
                       "copy real records.")  # fmt: skip
        elif synthetic is not None:
            keep = [r for r in rows if 0 <= r < len(synthetic.frame)]
            st.dataframe(synthetic.frame.iloc[keep], height=240)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "(missing)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def side_by_side(values: dict[str, Any], real: pd.Series | None, redact_real: bool,
                 redact_synthetic: bool, reason: str = "") -> pd.DataFrame:  # fmt: skip
    """Column | synthetic value | closest real value | same or not | named by the flag."""
    syn_raw = [_cell(v) for v in values.values()]
    out = pd.DataFrame({"Column": list(values),
                        "Synthetic": [HIDDEN] * len(syn_raw) if redact_synthetic else syn_raw})  # fmt: skip
    if real is not None:
        raw = [_cell(real.get(c)) if c in real.index else "(no such column)" for c in values]
        out["Closest real record"] = [HIDDEN] * len(raw) if redact_real else raw
        if not redact_real:  # "=" beside a shown synthetic value would reveal the real one
            out["Same"] = ["=" if a == b else "≠" for a, b in zip(raw, syn_raw, strict=True)]
    named = [bool(re.search(rf"(^|[\s;(]){re.escape(c)}\b", reason)) for c in values]
    out["Flag"] = ["flagged" if n else "" for n in named]
    return out


def _row_evidence(item: Item, loaded: Loaded, redact: bool) -> None:
    ev = item.evidence
    reasons = ", ".join(r.replace("_", " ") for r in ev.get("reasons", []))
    st.caption(f"Reasons: {reasons} · seriousness {float(ev.get('score') or 0):.2f} (1 = certain)")
    real_table, closest = state.table("real"), ev.get("closest_real")
    real = None
    if real_table is not None and closest is not None and 0 <= closest < len(real_table.frame):
        real = real_table.frame.iloc[int(closest)]
    hide_syn = redact and any(r in REAL_LIKE for r in ev.get("reasons", []))
    table = side_by_side(dict(ev.get("values") or {}), real, redact, hide_syn,
                         str(ev.get("reason", "")))  # fmt: skip
    where = f"row {closest} of the real file" if real is not None else "none found"
    st.markdown(f"**The synthetic row beside its closest real record** ({where})")
    if redact:
        hidden = " and this row's values (it copies a real record)" if hide_syn else ""
        st.caption(f"Redact real values is on: real values{hidden} are hidden.")
    else:
        st.caption("Red: a column the flag is about. Yellow: differs from the closest real record.")

    def mark(row: pd.Series) -> list[str]:
        color = ("background-color: #fde2e2" if row.get("Flag") else
                 "background-color: #fff4d6" if row.get("Same") == "≠" else "")  # fmt: skip
        return [color] * len(row)

    st.dataframe(table.style.apply(mark, axis=1), hide_index=True,
                 height=min(640, 35 * len(table) + 40))  # fmt: skip


# -------------------------------------------------------------------------------- decision


def _status_line(item: Item) -> None:
    if item.status == "open":
        st.markdown("**Status:** open, nobody has decided yet.")
        earlier = item.evidence.get("earlier_decision")
        if earlier:
            st.caption(
                f"An earlier run had this item {_md(str(earlier.get('status')))} by "
                f"{_md(str(earlier.get('decided_by') or '?'))}"
                + (f" ({_md(str(earlier['reason']))})" if earlier.get("reason") else "")
                + f"; it is open again because it is worse now (was "
                f"{_md(str(earlier.get('severity')))}: {_md(str(earlier.get('message')))})."
            )
        return
    when = item.decided_at.strftime("%Y-%m-%d %H:%M UTC") if item.decided_at else ""
    line = f"**Status:** {item.status} by {_md(item.decided_by or '?')} ({when})"
    if item.reason:
        line += f". Reason: {_md(item.reason)}"
    st.markdown(line)
    if item.carried_from_item_id is not None:
        st.caption("Decision carried over from an earlier run on the same real data.")


def decision_panel(run: int, item: Item) -> None:
    _status_line(item)
    row = is_row_kind(item.kind)
    left, right = st.columns(2)
    left.text_input("Reason (needed to waive)", key=state.widget_key("reason", item.id),
                    placeholder="e.g. salary outliers are expected")  # fmt: skip
    right.text_input("Comment (optional)", key=state.widget_key("comment", item.id),
                     placeholder="saved with the decision")  # fmt: skip
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
    st.caption("Keyboard: **A** accept · **X** reject · **W** waive · **N** skip "
               "(when no text box has the focus).")  # fmt: skip


def _history(item: Item) -> None:
    store = rs.store()
    trail = store.audit(item_id=item.id)
    comments = store.comments(item.id)
    if not trail and not comments:
        return
    with st.expander(f"History ({len(trail)} changes, {len(comments)} comments)"):
        for c in comments:
            st.markdown(f"💬 **{_md(c.reviewer)}** ({c.created_at:%Y-%m-%d %H:%M}): {_md(c.text)}")
        for e in trail:
            before = (e.before or {}).get("status", "")
            after = (e.after or {}).get("status", "")
            change = f"{before} → {after}" if after else e.action
            st.caption(f"{e.at:%Y-%m-%d %H:%M:%S} · {e.actor} · {e.action}: {change}")
