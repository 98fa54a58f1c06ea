"""Pairs: correlation heatmaps, the worst pairs, and a chosen pair's joint view."""

import streamlit as st

from components import assessment, metric_panels, pair_view

st.title("Pairs")
loaded = assessment.require()
st.caption(
    "A pair keeps its trend when the synthetic data relates the two columns as the real data "
    "does: the same correlation for two numbers, the same contingency table otherwise. "
    "1 means the same relation."
)
res = loaded.assessment.result("pair_trends")
if res is not None and res.extra.get("sample_note"):
    st.info(res.extra["sample_note"], icon=":material/info:")
pair_view.heatmaps(loaded)
pair_view.worst_pairs_and_detail(loaded)
metric_panels.draw(loaded, "pairs")
