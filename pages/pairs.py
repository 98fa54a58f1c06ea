"""Pairs: correlation heatmaps, the worst pairs, and a chosen pair's joint view."""

import streamlit as st

from components import assessment, metric_panels, pair_view
from metrics.pairs import info as pairs_info

st.title("Pairs")
loaded = assessment.require()
st.caption(
    "A pair keeps its trend when the synthetic data relates the two columns as the real data "
    "does: the same correlation for two numbers, the same contingency table otherwise. "
    "1 means the same relation."
)
note = pairs_info(loaded.assessment.result("pair_trends")).sample_note
if note:
    st.info(note, icon=":material/info:")
pair_view.heatmaps(loaded)
pair_view.worst_pairs_and_detail(loaded)
metric_panels.draw(loaded, "pairs")
