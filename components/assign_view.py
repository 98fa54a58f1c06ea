"""Who a review item is assigned to and by when: the line that says it, the "Assign" control
for approvers and admins, and the count of the user's own items.

A due date is a day: the item is due by the end of that day in UTC (stored as 23:59:59 UTC),
the way a waiver's end date is read.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import UTC, datetime

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit.delta_generator import DeltaGenerator

from components import review_state as rs
from components import state
from outputs.escape import md
from review import InvalidInput, Item, StaleUpdate
from review.records import NotAllowed
from review.roles import Identity, can
from review.signature import as_utc, due_state

ASK_FOR_APPROVER = "Ask an admin for the approver role."


def overdue(item: Item, now: datetime | None = None) -> bool:
    """Past its due date and still open (a decided item is done, however late)."""
    moment = now or datetime.now(UTC)
    return item.status == "open" and due_state(item.due_at, moment) == "overdue"


def due_text(item: Item, now: datetime | None = None) -> str:
    """``2026-12-01`` or ``2026-12-01 (overdue)``; empty without a due date."""
    if item.due_at is None:
        return ""
    day = rs.until(item.due_at).removesuffix(" (UTC)")
    return f"{day} (overdue)" if overdue(item, now) else day


def due_short(item: Item, now: datetime | None = None) -> str:
    """The queue table's Due cell: ``overdue``, or the day (``Dec 01``; with the year when it
    is not this year's)."""
    if item.due_at is None:
        return ""
    if overdue(item, now):
        return "overdue"
    day = as_utc(item.due_at)
    return f"{day:%b %d}" if day.year == (now or datetime.now(UTC)).year else f"{day:%b %d %Y}"


def assignment_words(item: Item, now: datetime | None = None) -> str:
    """``Assigned to Bo, due 2026-12-01 (overdue)``; empty when nobody is assigned."""
    if not item.assigned_to:
        return ""
    due = due_text(item, now)
    return f"Assigned to {md(item.assigned_to)}" + (f", due {due}" if due else "")


def my_count(items: Sequence[Item], who: Identity) -> str:
    """``3 assigned to you (1 overdue)``; empty when nothing is assigned to the user."""
    mine = [i for i in items if rs.is_mine(i, who)]
    if not mine:
        return ""
    late = sum(overdue(i) for i in mine)
    return f"{len(mine)} assigned to you" + (f" ({late} overdue)" if late else "")


def people(items: Sequence[Item]) -> list[str]:
    """Who already decided or was assigned items of this run: suggestions for assigning."""
    names = {str(n).strip() for i in items for n in (i.decided_by, i.changed_by, i.assigned_to)}
    return sorted(n for n in names - {"", "synthlens"} if n)


def line(item: Item) -> None:
    """``Assigned to Bo, due 2026-12-01 (overdue)`` under the status; red when overdue."""
    words = assignment_words(item)
    if words:
        colour = "red" if overdue(item) else "gray"
        st.markdown(f":{colour}[:material/assignment_ind: {words}]")


def control(bar: DeltaGenerator, item: Item, items: Sequence[Item], role: str | None) -> None:
    """The "Assign" popover in the item's button bar, for those who may assign."""
    if not can(role, "assign"):
        return
    label = "Reassign" if item.assigned_to else "Assign"
    with bar.popover(label, icon=":material/person_add:", help="Who should decide this item, "
                     "and by when"):  # fmt: skip
        _assign_form(item, items)


def _tag(*values: object) -> int:
    return zlib.crc32("|".join(map(str, values)).encode())


def _assign_form(item: Item, items: Sequence[Item]) -> None:
    # The defaults go in ``value=`` and the keys change with them: a browser builds a closed
    # popover's widgets from their defaults when it opens, so a value put in the session state
    # would show an empty box, or a stale name after someone else reassigned the item.
    tag = _tag(item.assigned_to, item.due_at)
    pick_key = state.widget_key("assignee_pick", item.id, tag)
    known = [p for p in people(items) if p != item.assigned_to]
    if known:
        st.selectbox("People in this review", known, index=None, placeholder="Pick someone",
                     key=pick_key)  # fmt: skip
    prefill = str(st.session_state.get(pick_key) or item.assigned_to or "")
    who_key = state.widget_key("assignee", item.id, tag, _tag(prefill))
    due_key = state.widget_key("due", item.id, tag)
    st.text_input("Assign to (email or name)", value=prefill, key=who_key,
                  placeholder="e.g. bo@example.org", max_chars=254)  # fmt: skip
    st.date_input("Due by (end of day, UTC; optional)", key=due_key, format="YYYY-MM-DD",
                  value=as_utc(item.due_at).date() if item.due_at else None)  # fmt: skip
    bar = st.container(horizontal=True, gap="small")
    bar.button("Save assignment", key=state.widget_key("assign", item.id), type="primary",
               on_click=assign, args=(item.id, item.version, who_key, due_key))  # fmt: skip
    if item.assigned_to:
        bar.button("Unassign", key=state.widget_key("unassign", item.id),
                   on_click=unassign, args=(item.id, item.version))  # fmt: skip


def assign(item_id: int, version: int, who_key: str, due_key: str) -> None:
    """Save the assignment typed in the popover (an email or a name, and maybe a due day)."""
    target = str(st.session_state.get(who_key) or "").strip()
    if not target:
        state.set_flash("error", "Type who the item is assigned to (an email or a name), or "
                        "use **Unassign**.")  # fmt: skip
        return
    day = st.session_state.get(due_key)
    due = datetime.combine(day, rs.END_OF_DAY, tzinfo=UTC) if day else None
    if _save(item_id, target, due, version):
        saved = rs.store().item(item_id)
        state.set_flash("success", f"Saved: {assignment_words(saved)}.")


def unassign(item_id: int, version: int) -> None:
    if _save(item_id, None, None, version):
        state.set_flash("success", "Saved: nobody is assigned to this item now.")


def _save(item_id: int, target: str | None, due: datetime | None, version: int) -> bool:
    try:
        rs.store().assign(item_id, target, due, rs.me(), rs.my_role(), expected_version=version)
    except NotAllowed as exc:
        state.set_flash("error", f"{md(exc)} {ASK_FOR_APPROVER}")
    except StaleUpdate as exc:
        state.set_flash("error", md(exc))
    except InvalidInput as exc:
        state.set_flash("error", f"Not assigned: {md(exc)}. Correct it and save again.")
    except SQLAlchemyError as exc:
        state.set_flash("error", f"Not assigned: the review database did not answer ({md(exc)}). "
                        "Try again in a moment.")  # fmt: skip
    else:
        return True
    return False
