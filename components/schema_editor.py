"""The editable schema table and SDV metadata import/export."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import streamlit as st

from components import cache, state
from metrics import schema as schema_mod
from metrics.schema import Kind, Schema
from outputs.escape import md, md_code

SHORT_REASON = 56


def _short(reason: str) -> str:
    """The first clause of a long reason (the table cell's width); the rest is listed below."""
    if len(reason) <= SHORT_REASON:
        return reason
    head = reason.split(":", 1)[0]
    return head + ": see below" if len(head) <= SHORT_REASON else reason[: SHORT_REASON - 1] + "…"


def kind_table(schema: Schema) -> None:
    """Show the kinds as an editable table; an edit becomes the schema in force at once."""
    real = state.table("real")
    synthetic = state.table("synthetic")
    assert real is not None and synthetic is not None
    overview = cache.column_overview(real.frame, state.pair_key()).set_index("Column")
    names = [c.name for c in schema.columns]
    rows = pd.DataFrame(
        {
            "Column": names,
            "Kind": [c.kind.value for c in schema.columns],
            "Why": [_short(c.reason) for c in schema.columns],
        }
    ).join(overview.loc[names].reset_index(drop=True))
    edited = st.data_editor(
        rows,
        # A new key whenever the schema in force changes, so stale edits never re-apply.
        key="schema_editor_"
        + hashlib.sha1(
            repr([(c.name, c.kind.value) for c in schema.columns]).encode()
            + "".join(state.pair_key()).encode()
        ).hexdigest()[:16],
        hide_index=True,
        disabled=["Column", "Why", "Real examples", "Missing in real", "Distinct in real"],
        column_config={
            "Column": st.column_config.TextColumn("Column", width=150),
            "Kind": st.column_config.SelectboxColumn(
                "Kind", options=[k.value for k in Kind], required=True, width=105
            ),
            "Why": st.column_config.TextColumn("Why", width=330),
            "Real examples": st.column_config.TextColumn("Real examples", width=140),
            "Missing in real": st.column_config.ProgressColumn(
                "Missing", format="percent", min_value=0.0, max_value=1.0, width=95
            ),
            "Distinct in real": st.column_config.NumberColumn("Distinct", width=70),
        },
        width="stretch",
        height="auto" if len(rows) <= 15 else 600,
    )
    changed = schema
    for name, kind in zip(edited["Column"], edited["Kind"], strict=True):
        if changed.kind_of(name).value != kind:
            changed = changed.with_kind(name, Kind(kind))
    if changed is not schema:
        # Re-check the pair against the new kinds: a kind that does not fit moves to conflicts.
        state.set_schema(schema_mod.compare(real.frame, synthetic.frame, changed))
        st.toast("Schema updated: the metrics will use your kinds.")
        st.rerun()
    long = [c for c in schema.columns if _short(c.reason).endswith(": see below")]
    if long:
        # A table cell does not wrap: the reasons worth reading in full stand below it.
        st.markdown("**Worth a second look:**\n" + "".join(
            f"\n- {md_code(c.name)} ({c.kind.value}): {md(c.reason)}" for c in long))  # fmt: skip
    counts = pd.Series([c.kind.value for c in schema.columns]).value_counts()
    st.caption(
        "In use: "
        + ", ".join(f"{n} {k}" for k, n in counts.items())
        + f" column{'s' if len(schema.columns) != 1 else ''}."
    )


def metadata_io(schema: Schema) -> None:
    """Download the schema as SDV metadata JSON, or load one to replace it."""
    st.subheader("SDV metadata")
    left, right = st.columns(2)
    left.download_button(
        "Download metadata JSON",
        data=json.dumps(schema_mod.to_sdv_metadata(schema), indent=2),
        file_name="metadata.json",
        mime="application/json",
        icon=":material/download:",
    )
    uploaded = right.file_uploader(
        "Load SDV metadata JSON", type=["json"], key=f"sdv_meta_{state.pair_key()[0][:12]}"
    )
    if uploaded is None:
        return
    real = state.table("real")
    assert real is not None
    try:
        loaded = schema_mod.from_sdv_metadata(
            uploaded.getvalue().decode("utf-8", errors="replace"),
            list(real.frame.columns),
            base=schema,
        )
    except schema_mod.SchemaError as exc:
        right.error(md(exc), icon=":material/error:")
        return
    if [(c.name, c.kind) for c in loaded.columns] != [(c.name, c.kind) for c in schema.columns]:
        synthetic = state.table("synthetic")
        assert synthetic is not None
        state.set_schema(schema_mod.compare(real.frame, synthetic.frame, loaded))
        st.rerun()
    right.success(f"Using the kinds from {md_code(uploaded.name)}.")
