"""The review store as the pages use it: one cached Store, the run of the loaded assessment,
the filtered queue, and the decision callbacks.

The store is shared by every session of the server (``st.cache_resource``); writes commit before
``decide`` returns, so a decision the page reports as saved survives a killed server. Items are
added once per run and server process (cached by the run's identity), not on every rerun.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from streamlit.errors import StreamlitAPIException

from components import state
from components.assessment import Loaded
from metrics.results import SEVERITY_ORDER as SEVERITY_RANK
from metrics.suite import Assessment
from outputs.escape import md, md_code
from outputs.review_items import identity, is_row_kind, items_for, kind_title, matches_kind
from outputs.review_report import finding_rows
from outputs.words import plural
from review import InvalidInput, Item, StaleUpdate, Store, StoreError
from review.db import resolve_url

ALL_ITEMS, ALL_FINDINGS, ALL_ROWS = "All items", "All findings", "All flagged rows"
ANY = "Any"
STATUS_LABELS = {"open": "Open", "accepted": "Accepted", "rejected": "Rejected",
                 "waived": "Waived"}  # fmt: skip


@st.cache_resource(show_spinner=False, max_entries=4)
def _store(url: str) -> Store:
    return Store(url)


def store() -> Store:
    """The review store for ``SYNTHLENS_DATABASE_URL`` / ``SYNTHLENS_DB_PATH``; the page stops
    with a readable message when the database cannot be opened."""
    url = resolve_url()
    try:
        return _store(url)
    except (StoreError, SQLAlchemyError, OSError) as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        st.error(
            f"The review database at {md_code(shown)} cannot be opened: {md(exc)}",
            icon=":material/error:",
        )
        st.stop()
        raise  # unreachable: st.stop() raises


@st.cache_resource(show_spinner="Preparing the review queue...", max_entries=32)
def _synced_run(url: str, key: str, _a: Assessment, _synthetic: pd.DataFrame,
                cleaned_from: int | None = None) -> int:  # fmt: skip
    ident = identity(_a)
    settings = dict(ident.settings)
    if cleaned_from is not None:
        # The cleaned data of a review: its own run, linked to the run it came from and
        # taking that run's decisions (row decisions follow the rows' values).
        settings["cleaned_from_run"] = cleaned_from
    s = _store(url)
    run = s.get_or_create_run(ident.inputs, ident.names, ident.tool_version, settings,
                              ident.scores, carry_from=cleaned_from)  # fmt: skip
    s.add_items(run.id, items_for(_a, _synthetic))
    return run.id


def run_id(loaded: Loaded) -> int:
    """The stored run of the loaded assessment, its items added on first use."""
    synthetic = state.table("synthetic")
    assert synthetic is not None  # assessment.require() has checked the pair
    store()  # stops the page with a message when the database cannot be opened
    key = identity(loaded.assessment).cache_key()
    try:
        return _synced_run(resolve_url(), key, loaded.assessment, synthetic.frame,
                           state.cleaned_from_run())  # fmt: skip
    except (StoreError, SQLAlchemyError) as exc:
        st.error(f"The review queue could not be stored: {md(exc)}", icon=":material/error:")
        st.stop()
        raise


# -------------------------------------------------------------------------------- the queue


@dataclass(frozen=True)
class Filters:
    kind: str = ALL_ITEMS
    severity: str = ANY
    status: str = "open"
    column: str = ANY


def filters() -> Filters:
    """The queue filters as the widgets on the Review page hold them."""
    d = Filters()
    return Filters(**{name: str(state.kept(f"filter_{name}", getattr(d, name)))
                      for name in ("kind", "severity", "status", "column")})  # fmt: skip


def apply(items: Sequence[Item], f: Filters) -> list[Item]:
    """The items that pass the filters, in queue order (as the store returns them)."""
    out = []
    for i in items:
        row = is_row_kind(i.kind)
        if f.kind == ALL_FINDINGS and row or f.kind == ALL_ROWS and not row:
            continue
        groups = (ALL_ITEMS, ALL_FINDINGS, ALL_ROWS)
        if f.kind not in groups and not matches_kind(i.kind, i.evidence, f.kind):
            continue
        if f.severity != ANY and i.severity != f.severity:
            continue
        if f.status != ANY and i.status != f.status:
            continue
        if f.column != ANY and f.column not in i.columns:
            continue
        out.append(i)
    return out


def _rank(item: Item) -> tuple[int, int]:
    return SEVERITY_RANK.get(item.severity, 3), item.id


def next_open(items: Sequence[Item], after: Item | None) -> Item | None:
    """The first open item after ``after`` in queue order, wrapping around; None if none."""
    candidates = [i for i in items if i.status == "open" and (after is None or i.id != after.id)]
    if not candidates:
        return None
    if after is None:
        return candidates[0]
    later = [i for i in candidates if _rank(i) > _rank(after)]
    return (later or candidates)[0]


def current_items(run: int) -> list[Item]:
    """Every item of the run, fresh from the database, in queue order."""
    return store().items(run)


def reviewer_name() -> str:
    """The signed-in user when Streamlit authentication is configured, else the typed name."""
    try:
        if st.user.is_logged_in:
            return str(st.user.get("name") or st.user.get("email") or "").strip()
    except (AttributeError, KeyError, StreamlitAPIException):
        pass  # no [auth] section: Streamlit has no logged-in user to offer
    return state.reviewer()


def authenticated() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except (AttributeError, KeyError, StreamlitAPIException):
        return False


# ---------------------------------------------------------------------------- the callbacks


def on_filter_change(name: str) -> None:
    state.keep(name)
    # A new filter shows a new queue: start at its first open item.
    state.set_review_item(None)


def select_from_table(table_key: str, ids: list[int]) -> None:
    rows = (st.session_state.get(table_key) or {}).get("selection", {}).get("rows", [])
    if rows and 0 <= rows[0] < len(ids):
        state.set_review_item(ids[rows[0]], from_table=True)


def skip(run: int, item_id: int) -> None:
    items = current_items(run)
    here = next((i for i in items if i.id == item_id), None)
    nxt = next_open(apply(items, filters()), here)
    if nxt is None:
        state.set_flash("info", "No other open item in this view.")
    else:
        state.set_review_item(nxt.id)


def decide(run: int, item_id: int, version: int, status: str) -> None:
    """Save a decision for the item as the reviewer saw it (``version``), then move on.

    Refused saves (stale, or a waiver without a reason) keep the item on screen with the
    typed reason and comment in their boxes, and say why in a message.
    """
    reason = st.session_state.get(state.widget_key("reason", item_id), "")
    comment = st.session_state.get(state.widget_key("comment", item_id), "")
    try:
        saved = store().decide(item_id, status, reviewer_name(), reason, comment,
                               expected_version=version)  # fmt: skip
    except StaleUpdate as exc:
        state.set_flash("error", md(exc))
        return
    except InvalidInput as exc:
        state.set_flash("error", f"Not saved: {md(exc)}.")
        return
    except SQLAlchemyError as exc:
        state.set_flash("error", f"Not saved: the review database did not answer ({md(exc)}).")
        return
    state.clear_widget("reason", item_id)
    state.clear_widget("comment", item_id)
    nxt = next_open(apply(current_items(run), filters()), saved)
    what = f"row {saved.row}" if saved.row is not None else kind_title(saved.kind).lower()
    verb = "reopened" if status == "open" else STATUS_LABELS[status].lower()
    text = f"Saved: {md(what)} {verb} by {md(saved.changed_by)}."
    removes = finding_rows(saved)
    if removes and status == "rejected":
        text += f" The cleaned dataset now leaves out its {plural(removes, 'row')}."
    elif removes and status == "open":
        text += f" The cleaned dataset keeps its {plural(removes, 'row')} again."
    if nxt is not None and status != "open":
        state.set_review_item(nxt.id)
        text += " Here is the next open item."
    elif status != "open":
        text += " No open item is left in this view."
    state.set_flash("success", text)


def add_comment(item_id: int) -> None:
    text = st.session_state.get(state.widget_key("comment", item_id), "")
    try:
        store().comment(item_id, reviewer_name(), text)
    except InvalidInput as exc:
        state.set_flash("error", f"Not saved: {md(exc)}.")
        return
    state.clear_widget("comment", item_id)
    state.set_flash("success", "Comment saved.")


def set_reviewer_from_widget() -> None:
    name = str(st.session_state.get(state.widget_key("reviewer_name"), "")).strip()
    if name:
        state.set_reviewer(name)
    else:
        state.set_flash("error", "Type your name first: every decision records who made it.")


def clear_reviewer() -> None:
    state.set_reviewer("")
