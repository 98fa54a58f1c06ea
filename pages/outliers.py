"""Outliers & privacy: copied real records, the flagged synthetic rows, how close rows come and
whether a classifier tells synthetic rows from real ones."""

import streamlit as st

from components import assessment, detection_view, outliers_view

st.title("Outliers & privacy")
loaded = assessment.require()
st.caption(
    "Which synthetic rows deserve a look, and whether real records leak into the synthetic "
    "data. Row numbers are 0-based positions in each file."
)

st.subheader("Do real records leak?", anchor=False)
outliers_view.privacy_summary(loaded)

st.subheader("Flagged rows", anchor=False)
outliers_view.reason_overview(loaded)
picked = outliers_view.flagged_table(loaded)
if picked is not None:
    with st.container(border=True):
        outliers_view.row_comparison(loaded, picked)

st.subheader("How close do synthetic rows come to real records?", anchor=False)
outliers_view.distance_chart(loaded)

st.subheader("Can a classifier tell them apart?", anchor=False)
detection_view.section(loaded)
