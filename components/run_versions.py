"""Which version of a review is on screen: the files it is about, the settings that make this
version, what carried over from the run before, and every version's sign-off.

A review belongs to its input files; the target, the column kinds and the scoring settings are
versions of it. Changing one of them moves the pages to another stored run: this banner says so
on the page where it happens, so nobody signs a version they did not mean.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import inputs, state
from components import review_state as rs
from metrics.schema import Kind
from outputs.escape import md
from outputs.words import plural
from review import Run
from review.versions import Version, carry_over, describe, setting_changes, versions

_LAST_RUN = "synthlens.review.last_run"


def _files(run: Run) -> str:
    return ", ".join(md(run.names.get(r, "")) for r in state.ROLES if r in run.names)


def banner_for(loaded) -> None:
    """The banner for the loaded assessment's run, on pages that do not need the store
    otherwise: left out (with a caption) when the review database cannot be opened."""
    try:
        rs._store(rs.resolve_url())
    except Exception:  # noqa: BLE001 - the Review page explains database problems in full
        st.caption("The review database cannot be opened: the Review page says why.")
        return
    banner(rs.run_id(loaded))


def banner(run_id: int) -> None:
    """The version line, the carry-over and move notices, and every version in an expander."""
    store = rs.store()
    run = store.run(run_id)
    all_versions = versions(store, run)
    me = next(v for v in all_versions if v.run.id == run_id)
    st.markdown(
        f"**Review of** {_files(run)}: **version {me.number} of {len(all_versions)}** "
        f"({md(describe(run.settings))}; run {run.id})."
    )
    _moved_notice(store, run, me)
    _carry_line(store, run)
    others = [v for v in all_versions if v.run.id != run_id]
    signed_elsewhere = [v for v in others if v.sign_off is not None]
    if signed_elsewhere:
        st.info(
            "Other versions of these files are signed: "
            + "; ".join(
                f"version {v.number} ({md(describe(v.run.settings))}) "
                f"{v.sign_off.decision} by {md(v.sign_off.name)}"
                for v in signed_elsewhere
                if v.sign_off
            )  # fmt: skip
            + ". A sign-off holds for the version it was made on.",
            icon=":material/history:",
        )
    if others:
        _version_table(all_versions, run_id)


def _moved_notice(store, run: Run, me: Version) -> None:
    """Say so when this session's review moved to another version since the last page."""
    last = st.session_state.get(_LAST_RUN)
    st.session_state[_LAST_RUN] = run.id
    if last is None or last == run.id:
        return
    try:
        before = store.run(int(last))
    except Exception:  # noqa: BLE001 - a run from another database: nothing to compare
        return
    if before.inputs != run.inputs:
        return
    changes = setting_changes(before.settings, run.settings)
    st.warning(
        f"**The review moved to version {me.number}** because the settings changed: "
        f"{md('; '.join(changes) or 'settings')}. Decisions made in run {before.id} stay there; "
        "matching ones carried over as counted below.",
        icon=":material/swap_horiz:",
    )


def _carry_line(store, run: Run) -> None:
    carried = carry_over(store, run)
    if carried is None:
        return
    src = carried.source
    whence = ("the review of " + _files(src)) if src.inputs != run.inputs else (
        f"run {src.id} ({md(describe(src.settings))})")  # fmt: skip
    took = plural(carried.carried, "decision") if carried.carried else "No decision"
    parts = [f"{took} carried over from {whence}"]
    if carried.reopened:
        parts.append(f"{plural(carried.reopened, 'item')} reopened because the finding got worse")
    if carried.new:
        parts.append(f"{plural(carried.new, 'item')} new in this version")
    st.caption("; ".join(parts) + ".")


def _version_table(all_versions: list[Version], current: int) -> None:
    with st.expander(f"Every version of this review ({len(all_versions)})"):
        first = all_versions[0].run.settings
        rows = []
        for v in all_versions:
            s = v.sign_off
            rows.append({
                "Version": v.number,
                "Shown": "on screen" if v.run.id == current else "",
                "Settings": describe(v.run.settings),
                "Differs from version 1": "; ".join(setting_changes(first, v.run.settings)),
                "Reviewed": f"{v.decided} of {v.items}",
                "Sign-off": f"{s.decision} by {s.name}, {s.created_at:%Y-%m-%d %H:%M}" if s else "",
            })  # fmt: skip
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        choices = [v for v in all_versions if v.run.id != current]
        pick = st.selectbox("Open another version", choices, index=None,
                            format_func=lambda v: f"Version {v.number}: {describe(v.run.settings)}",
                            key=state.widget_key("open_version"),
                            placeholder="Choose a version to look at its settings and decisions")  # fmt: skip
        if pick is not None:
            st.button(f"Switch to version {pick.number}", on_click=open_version,
                      args=(pick.run.settings,), icon=":material/swap_horiz:")  # fmt: skip


def open_version(settings: dict) -> None:
    """Callback: make the session's settings those of a stored version."""
    state.set_target(settings.get("target"))
    st.session_state[state.scoring_key()] = {
        "correlation": settings.get("correlation") or "pearson",
        "sdmetrics_compatible": bool(settings.get("sdmetrics_compatible")),
    }
    schema = inputs.current_schema()
    kinds = settings.get("schema") or {}
    if schema is not None:
        for c in schema.columns:
            wanted = kinds.get(c.name)
            if wanted and wanted != c.kind.value:
                schema = schema.with_kind(c.name, Kind(wanted))
        state.set_schema(schema)
