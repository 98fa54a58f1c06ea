"""Pairs: correlation heatmaps, the worst pairs, and a chosen pair's joint view."""

import streamlit as st

from components import assessment, metric_panels, pair_view, scale_view
from metrics.pairs import info as pairs_info

st.title("Pairs")
loaded = assessment.require()
st.caption(
    "A pair keeps its trend when the synthetic data relates the two columns as the real data "
    "does: the same correlation for two numbers, the same contingency table otherwise (numbers "
    "and dates cut at the real data's deciles), and each group of one column sitting where it "
    "sat in the other's distribution (a peak, a rise then fall, a group's median). "
    "1 means the same relation."
)
scale_view.chart_note(loaded.assessment, "pair_trends")
found = pairs_info(loaded.assessment.result("pair_trends"))
if found.sample_note:
    st.info(found.sample_note, icon=":material/info:")
calendar = getattr(found, "calendar_note", "")  # a session's result from before it existed
if calendar:
    st.caption(calendar)
pair_view.heatmaps(loaded)
pair_view.worst_pairs_and_detail(loaded)
metric_panels.draw(loaded, "pairs")
