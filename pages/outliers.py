"""Outliers: the flagged synthetic rows (copied real records among them), each beside its
closest real record, and whether a classifier tells synthetic rows from real ones."""

import streamlit as st

from components import assessment, detection_view, outliers_view

st.title("Outliers")
loaded = assessment.require()
st.caption(
    "Which synthetic rows deserve a look, and whether a classifier tells the synthetic rows "
    "from real ones. Row numbers are 0-based positions in each file."
)
st.page_link("pages/privacy.py", icon=":material/shield_person:",
             label="Copies, distances and privacy attacks: see the Privacy page")  # fmt: skip

st.subheader("Flagged rows", anchor=False)
outliers_view.reason_overview(loaded)
picked = outliers_view.flagged_table(loaded)
if picked is not None:
    with st.container(border=True):
        outliers_view.row_comparison(loaded, picked)

st.subheader("Can a classifier tell them apart?", anchor=False)
detection_view.section(loaded)
