"""Data: upload the real, synthetic and optional holdout tables, or load the demo pair."""

import streamlit as st

from components import inputs, state, tables
from outputs.escape import md

st.title("Data")
st.write(
    "Load the **real** data your generator learned from and the **synthetic** data it produced. "
    "A **real holdout** (real rows the generator never saw) is optional; it makes the privacy "
    "checks sharper. CSV, TSV, Parquet, JSON Lines and Excel files are read."
)

left, right = st.columns([1, 3], vertical_alignment="center")
left.button("Load demo data", type="primary", on_click=inputs.load_demo, icon=":material/science:")
right.caption(
    "The demo pairs 161 real student placement records (shipped with sdmetrics) with 600 "
    "synthetic ones from a seeded generator in `demo/make_demo.py`, which plants a few flaws "
    "to find: copied records, impossible values, a drifting column and a rare category."
)

cols = st.columns(3)
for col, role in zip(cols, state.ROLES, strict=True):
    with col:
        st.file_uploader(
            state.ROLE_LABELS[role] + (" (optional)" if role == "holdout" else ""),
            type=["csv", "tsv", "txt", "parquet", "jsonl", "ndjson", "xlsx"],
            key=inputs.uploader_key(role),
            on_change=inputs.on_upload,
            args=(role,),
        )
        error = inputs.upload_errors().get(role)
        if error:
            st.error(md(error), icon=":material/error:")
        tables.loaded_card(role)

if state.has_pair():
    schema = inputs.current_schema()
    assert schema is not None
    if tables.comparison_summary(schema):
        st.page_link("pages/schema.py", label="Check the schema", icon=":material/arrow_forward:")
elif state.tables():
    missing = [state.ROLE_LABELS[r] for r in ("real", "synthetic") if state.table(r) is None]
    st.info(f"Still needed: {' and '.join(missing).lower()}.")
