"""The review store as the pages use it: one cached Store, the run of the loaded assessment,
the filtered queue, and the decision callbacks.

The store is shared by every session of the server (``st.cache_resource``); writes commit before
``decide`` returns, so a decision the page reports as saved survives a killed server. Items are
added once per run and server process (cached by the run's identity), not on every rerun.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pandas as pd
import streamlit as st
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from components import identity as ident
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
from review.outbox import Deliverer
from review.records import NotAllowed
from review.roles import Identity, can

ALL_ITEMS, ALL_FINDINGS, ALL_ROWS = "All items", "All findings", "All flagged rows"
ANY = "Any"
STATUS_LABELS = {"open": "Open", "accepted": "Accepted", "rejected": "Rejected",
                 "waived": "Waived"}  # fmt: skip


@st.cache_resource(show_spinner=False, max_entries=4)
def _store(url: str) -> Store:
    opened = Store(url)
    if opened.webhooks is not None:
        # One delivery thread per store and process: a commit that queued a notification
        # wakes it; it also retries on its own every minute. Sign-offs never wait for it.
        deliverer = Deliverer(opened.engine, opened.webhooks)
        opened.after_notify = deliverer.kick
        deliverer.kick()  # anything left from before a restart
    return opened


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


def _reopen_expired(run: int) -> None:
    reopened = store().reopen_expired(run)
    if reopened:
        state.set_flash("warning", f"{reopened} waiver(s) expired: their items are open again "
                        "and block approval until someone decides again.")  # fmt: skip


def run_id(loaded: Loaded) -> int:
    """The stored run of the loaded assessment, its items added on first use."""
    synthetic = state.table("synthetic")
    assert synthetic is not None  # assessment.require() has checked the pair
    store()  # stops the page with a message when the database cannot be opened
    key = identity(loaded.assessment).cache_key()
    try:
        run = _synced_run(resolve_url(), key, loaded.assessment, synthetic.frame,
                          state.cleaned_from_run())  # fmt: skip
        _reopen_expired(run)
        return run
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
    mine: bool = False  # only the items assigned to the user


def filters() -> Filters:
    """The queue filters as the widgets on the Review page hold them."""
    d = Filters()
    return Filters(**{name: str(state.kept(f"filter_{name}", getattr(d, name)))
                      for name in ("kind", "severity", "status", "column")},
                   mine=bool(state.kept("filter_mine", False)))  # fmt: skip


def is_mine(item: Item, who: Identity) -> bool:
    """Whether ``item`` is assigned to ``who``: by email or by name, case-insensitively (the
    rule of ``Store.assigned_to``)."""
    keys = {who.key, who.name.strip().casefold()} - {""}
    return bool(item.assigned_to) and str(item.assigned_to).strip().casefold() in keys


def apply(items: Sequence[Item], f: Filters, who: Identity | None = None) -> list[Item]:
    """The items that pass the filters, in queue order (as the store returns them).
    ``who``: the user, for "assigned to me" (the session's user when not given)."""
    if f.mine and who is None:
        who = me()
    out = []
    for i in items:
        if f.mine and who is not None and not is_mine(i, who):
            continue
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


def me() -> Identity:
    """The person using this session (see ``components/identity.py``)."""
    return ident.identity()


def reviewer_name() -> str:
    """The verified user's name when a login or the proxy vouches for it, else the typed name."""
    return me().name


def authenticated() -> bool:
    """Whether a login or the trusted proxy vouches for the user (no name to type)."""
    return me().verified


def my_role() -> str | None:
    """The user's role under the policy in force (a typed name is capped by it)."""
    s = store()
    policy, _ = s.current_policy()
    return ident.role(me(), s.grants(), policy.sign_off.forbid_unverified)


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
    ends = waiver_end(st.session_state.get(state.widget_key("waiver_end", item_id)))
    try:
        saved = store().decide(item_id, status, me(), reason, comment, expected_version=version,
                               expires_at=ends if status == "waived" else None,
                               role=my_role())  # fmt: skip
    except NotAllowed as exc:
        state.set_flash("error", f"{md(exc)} {ASK_FOR_ROLE}")
        return
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
    st.session_state[state.widget_key("waiver_end", item_id)] = None  # a date box: no ""
    nxt = next_open(apply(current_items(run), filters()), saved)
    what = f"row {saved.row}" if saved.row is not None else kind_title(saved.kind).lower()
    verb = "reopened" if status == "open" else STATUS_LABELS[status].lower()
    text = f"Saved: {md(what)} {verb} by {md(saved.changed_by)}."
    if saved.status == "waived" and saved.expires_at is not None:
        text += f" The waiver ends {until(saved.expires_at)}."
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


ASK_FOR_ROLE = "Ask an admin for the reviewer role."


def may_not_decide(role: str | None) -> str:
    """Why a user with ``role`` may not decide items; empty when they may."""
    if can(role, "review"):
        return ""
    who = f"you are a {role}" if role else "you have no role here"
    return f"Only reviewers decide; {who}. {ASK_FOR_ROLE}"


def waiver_end(chosen: object) -> datetime | None:
    """The moment a waiver ends: the end of the chosen day in UTC (a datetime is kept, as UTC)."""
    if isinstance(chosen, datetime):
        return chosen if chosen.tzinfo else chosen.replace(tzinfo=UTC)
    if isinstance(chosen, date):
        return datetime.combine(chosen, END_OF_DAY, tzinfo=UTC)
    return None


END_OF_DAY = time(23, 59, 59)


def until(moment: datetime) -> str:
    """``2026-12-31 (UTC)`` for the end of a day, else ``2026-12-31 14:00 (UTC)``."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if utc.time().replace(microsecond=0) == END_OF_DAY:
        return f"{utc:%Y-%m-%d} (UTC)"
    return f"{utc:%Y-%m-%d %H:%M} (UTC)"


def add_comment(item_id: int) -> None:
    text = st.session_state.get(state.widget_key("comment", item_id), "")
    try:
        store().comment(item_id, me(), text, role=my_role())
    except InvalidInput as exc:
        state.set_flash("error", f"Not saved: {md(exc)}.")
        return
    except NotAllowed as exc:
        state.set_flash("error", f"Not saved: {md(exc)} {ASK_FOR_ROLE}")
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
