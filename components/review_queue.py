"""The review queue: who is reviewing, progress, filters and the table of items."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import pandas as pd
import streamlit as st

from components import assign_view, state
from components import review_state as rs
from outputs.escape import md
from outputs.review_items import (
    COUNT_RULE,
    ROW_REASONS,
    ROW_SUFFIX,
    is_row_kind,
    kind_counts,
    kind_title,
)
from outputs.words import plural
from review import Item

GROUPS = (rs.ALL_ITEMS, rs.ALL_FINDINGS, rs.ALL_ROWS)
SEVERITY_BADGE = {"high": ":red-badge[high]", "medium": ":orange-badge[medium]",
                  "low": ":blue-badge[low]"}  # fmt: skip
TEXT_COLOURS = {"high": "#b91c1c", "medium": "#b45309", "low": "#1d4ed8", "Accepted": "#15803d",
                "Rejected": "#b91c1c", "Waived": "#6b7280"}  # fmt: skip


def kind_label(kind: str) -> str:
    return kind_title(kind) if kind not in GROUPS else kind


def reviewer_gate() -> str:
    """The reviewer's name: the signed-in user, or asked once per browser session."""
    name = rs.reviewer_name()
    if name:
        return name
    st.write(
        "Every decision is saved with the name of the person who made it. "
        "Type your name once; it is kept while this browser tab is open."
    )
    with st.form(state.widget_key("reviewer_form"), border=False):
        st.text_input("Your name", key=state.widget_key("reviewer_name"),
                      placeholder="e.g. Ana Lima", max_chars=200)  # fmt: skip
        st.form_submit_button("Start reviewing", type="primary",
                              on_click=rs.set_reviewer_from_widget)  # fmt: skip
    show_flash()
    st.stop()
    raise AssertionError("unreachable")


def header(items: Sequence[Item], reviewer: str, removed: int) -> None:
    """Progress (N of M reviewed), who is reviewing, and the redact switch. ``removed``: the
    synthetic rows the decisions leave out of the cleaned dataset (rejected rows and the rows
    of rejected findings)."""
    reviewed = sum(i.reviewed for i in items)
    total = len(items)
    left, right = st.columns([3, 2], vertical_alignment="center")
    with left:
        st.progress(reviewed / total if total else 1.0,
                    text=f"**{reviewed} of {total} reviewed**")  # fmt: skip
        findings = [i for i in items if not is_row_kind(i.kind)]
        rows = [i for i in items if is_row_kind(i.kind)]
        st.caption(
            f"Findings: {sum(i.reviewed for i in findings)} of {len(findings)} reviewed · "
            f"flagged rows: {sum(i.reviewed for i in rows)} of {len(rows)} reviewed · "
            f"{plural(removed, 'synthetic row')} left out of the cleaned dataset."
        )
        mine = assign_view.my_count(items, rs.me())
        if mine:
            st.markdown(f":material/assignment_ind: **{mine}**: switch on **Assigned to me** "
                        "below to see only those.")  # fmt: skip
    with right:
        who, change = st.columns([3, 1], vertical_alignment="center")
        role = rs.my_role()
        who.markdown(f"Reviewing as **{md(reviewer)}**" + (f" · {role}" if role else " · no role"))
        if not rs.authenticated():
            change.button("Change", on_click=rs.clear_reviewer, type="tertiary",
                          help="Review under another name")  # fmt: skip
        st.toggle(
            "Redact real values",
            key=state.kept_widget("redact", False),
            on_change=state.keep,
            args=("redact",),
            help="Hide real records (the closest real record, synthetic rows that copy real "
            "ones, real points in scatter plots), e.g. to show the review to people who must "
            "not see the real data. Distributions stay visible.",
        )


def _select(label: str, name: str, options: list[str], default: str, fmt=None) -> str:
    if state.kept(name, default) not in options:  # e.g. a kind the new run does not have
        state.set_kept(name, default)
    return st.selectbox(
        label, options, key=state.kept_widget(name, default), on_change=rs.on_filter_change,
        args=(name,), format_func=fmt or str,
    )  # fmt: skip


def kind_options(items: Sequence[Item]) -> tuple[list[str], dict[str, int]]:
    """The Kind filter's values and counts: the groups, each finding kind (by its words), then
    one entry per flag reason, counting a row under every reason it has."""
    counts = kind_counts(items)
    n_rows = sum(is_row_kind(i.kind) for i in items)
    counts.update({rs.ALL_ITEMS: len(items), rs.ALL_FINDINGS: len(items) - n_rows,
                   rs.ALL_ROWS: n_rows})  # fmt: skip
    findings = sorted((k for k in counts if k not in GROUPS and not is_row_kind(k)),
                      key=kind_title)  # fmt: skip
    rows = [r + ROW_SUFFIX for r in ROW_REASONS if counts.get(r + ROW_SUFFIX)]
    rows += sorted(k for k in counts if is_row_kind(k) and k not in rows)
    return [*GROUPS, *findings, *rows], dict(counts)


def filter_bar(items: Sequence[Item]) -> rs.Filters:
    """Kind, severity, status and column filters; the queue and the flow follow them."""
    options, counts = kind_options(items)
    columns = sorted({c for i in items for c in i.columns})
    a, b, c, d = st.columns(4)
    with a:
        _select("Kind", "filter_kind", options, rs.ALL_ITEMS,
                lambda k: f"{kind_label(k)} ({counts.get(k, 0):,})")  # fmt: skip
    with b:
        _select("Severity", "filter_severity", [rs.ANY, "high", "medium", "low"], rs.ANY)
    with c:
        _select("Status", "filter_status", ["open", rs.ANY, "accepted", "rejected", "waived"], "open",
                lambda s: rs.STATUS_LABELS.get(s, s))  # fmt: skip
    with d:
        _select("Column", "filter_column", [rs.ANY, *columns], rs.ANY)
    mine, words = st.columns([1, 3], vertical_alignment="center")
    mine.toggle("Assigned to me", key=state.kept_widget("filter_mine", False),
                on_change=rs.on_filter_change, args=("filter_mine",),
                help="Only the items assigned to you, by your email or your name")  # fmt: skip
    words.caption(f"Kind counts every item, whatever its status. {COUNT_RULE} A flagged row is "
                  "listed once, under its most serious reason.")  # fmt: skip
    return rs.filters()


def pick(all_items: Sequence[Item], shown: Sequence[Item]) -> Item | None:
    """The item for the detail view: the chosen one (even when a filter now hides it, so a
    refused save keeps it on screen), else the first open one in the view."""
    chosen = state.review_item()
    by_id = {i.id: i for i in all_items}
    if chosen in by_id:
        return by_id[chosen]
    first = rs.next_open(shown, None) or (shown[0] if shown else None)
    state.set_review_item(first.id if first else None)
    return first


def item_title(i: Item) -> str:
    where = f"synthetic row {i.row}" if i.row is not None else ", ".join(i.columns)
    return kind_label(i.kind) + (f" · {where}" if where else "")


def _colour(value: object) -> str:
    return f"color: {TEXT_COLOURS[value]}; font-weight: 600" if value in TEXT_COLOURS else ""


def _late(value: object) -> str:
    return "color: #b91c1c; font-weight: 600" if value == "overdue" else ""


def queue_table(shown: Sequence[Item], selected: Item | None) -> None:
    """The filtered queue; clicking a row opens it in the detail view."""
    if not shown:
        st.info("No item matches these filters. Change a filter above to see more.")
        return
    ids = [i.id for i in shown]
    columns = {
        "Severity": [i.severity for i in shown],
        "Item": [item_title(i) for i in shown],
        "Status": [rs.STATUS_LABELS.get(i.status, i.status) for i in shown],
    }
    widths = {"Severity": 68, "Item": 280, "Status": 84}
    if any(i.assigned_to for i in shown):
        # Only once someone assigns: two empty columns would squeeze the item's words.
        # The left half of a 1400 px window holds about 420 px: a short Due cell, and the
        # item's words on up to three lines.
        columns["Due"] = [assign_view.due_short(i) for i in shown]
        columns["Assigned to"] = [i.assigned_to or "" for i in shown]
        widths = {"Severity": 60, "Item": 150, "Status": 62, "Due": 68, "Assigned to": 72}
    frame = pd.DataFrame(columns)
    at = [ids.index(selected.id)] if selected is not None and selected.id in ids else []
    # Same key while the user clicks through the table (it keeps its scroll position); a new
    # one when the list or the shown item changes otherwise, so the selection follows the view.
    key = state.widget_key("queue", state.queue_generation(), hash(tuple(ids)))
    # Fixed widths for the short columns, and rows tall enough for the item's words to wrap
    # onto a second line (Streamlit wraps text only in rows taller than 64 px), so nothing is
    # cut off in the left half of a 1400 px window.
    st.dataframe(
        frame.style.map(_colour, subset=["Severity", "Status"]).map(
            _late, subset=[c for c in ("Due",) if c in frame]),
        hide_index=True, height=min(640, ROW_HEIGHT * len(frame) + 38), key=key,
        on_select=partial(rs.select_from_table, key, ids), selection_mode="single-row",
        selection_default={"selection": {"rows": at}}, row_height=ROW_HEIGHT, width="stretch",
        column_config={c: st.column_config.TextColumn(width=w) for c, w in widths.items()},
    )  # fmt: skip
    st.caption(f"{plural(len(shown), 'item')} in this view. Click a row to open it.")


ROW_HEIGHT = 66


def show_warning() -> None:
    """A warning for the whole page (expired waivers reopened), shown above the queue."""
    message = state.flash()
    if message is not None and message[0] == "warning":
        show_flash()


def show_flash() -> None:
    message = state.pop_flash()
    if message is None:
        return
    kind, text = message
    icons = {"success": ":material/check_circle:", "error": ":material/block:",
             "info": ":material/info:", "warning": ":material/warning:"}  # fmt: skip
    getattr(st, kind, st.info)(text, icon=icons.get(kind))
