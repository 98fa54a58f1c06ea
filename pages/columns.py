"""Columns: every column's real and synthetic distributions, worst first."""

import streamlit as st

from components import assessment, column_view, metric_panels, scale_view

st.title("Columns")
loaded = assessment.require()
st.caption(
    "Each chart overlays the share of rows per value range (numbers, dates) or per category, "
    "real in indigo and synthetic in amber. The score is the KS complement for numbers and "
    "dates, the total-variation complement for categories: 1 means identical distributions. "
    f"Each comes with its {loaded.assessment.options.confidence:.0%} interval and what an "
    "independent real sample of the synthetic "
    "data's size scores: a column whose interval reaches that is as good as a real sample."
)
scale_view.chart_note(loaded.assessment, "column_shapes")
metric_panels.draw(loaded, "columns")
column_view.column_list(loaded)
