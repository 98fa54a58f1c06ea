"""Data: upload the real, synthetic and optional holdout tables, or load the demo pair."""

import streamlit as st

from components import data_folder, inputs, state, tables
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


def uploader(role: str) -> None:
    st.file_uploader(
        state.ROLE_LABELS[role] + (" (optional)" if role == "holdout" else ""),
        # No type filter: the dropzone would list the types in a line too narrow for them. A
        # file of another type gets a message that names the types that can be read.
        help="CSV, TSV or TXT (any delimiter), Parquet, JSON Lines (.jsonl, .ndjson) or Excel "
        ".xlsx, up to 500 MB.",
        key=inputs.uploader_key(role),
        on_change=inputs.on_upload,
        args=(role,),
    )
    error = inputs.upload_errors().get(role)
    if error:
        st.error(md(error), icon=":material/error:")
    tables.loaded_card(role)


# Two uploaders a row: at a third of the page the accepted file types are cut off.
for row in (("real", "synthetic"), ("holdout", None)):
    cols = st.columns(2)
    for col, role in zip(cols, row, strict=True):
        with col:
            if role is not None:
                uploader(role)
            else:
                st.caption(
                    "A **holdout** is real data from the same source that the generator never "
                    "saw. With it, SynthLens compares how close synthetic rows come to the "
                    "training rows with how close unseen real rows come, and tests models on it."
                )

data_folder.section()  # files on the server (only when the administrator configured a folder)

if state.has_pair():
    schema = inputs.current_schema()
    assert schema is not None
    if tables.comparison_summary(schema):
        st.page_link("pages/schema.py", label="Check the schema", icon=":material/arrow_forward:")
elif state.tables():
    missing = [state.ROLE_LABELS[r] for r in ("real", "synthetic") if state.table(r) is None]
    st.info(f"Still needed: {' and '.join(missing).lower()}.")
