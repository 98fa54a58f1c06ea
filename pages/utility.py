"""Utility: does a model trained on the synthetic data work on real data?"""

import streamlit as st

from components import assessment, run_versions, utility_view

st.title("Utility")
loaded = assessment.require()
st.caption(
    "Two models (a linear one and a gradient-boosted one) learn the target three ways: from the "
    "real training rows (TRTR), from the synthetic rows (TSTR), and from both; all are tested on "
    "the same real holdout rows."
)
utility_view.target_picker(loaded)
run_versions.banner_for(loaded)
res = utility_view.result(loaded)
if res is None:
    st.info("Utility was not computed for this pair.")
    st.stop()

if res.error:
    utility_view.error_message(res)
else:
    utility_view.verdict(res)
if res.details.empty:
    st.stop()

st.subheader("Trained on synthetic against trained on real", anchor=False)
utility_view.model_comparison(res)

st.subheader("Per-class recall", anchor=False)
utility_view.class_recall(res)

st.subheader("Which features the models rely on", anchor=False)
utility_view.importance_view(res)

st.subheader("Adding synthetic rows to the real ones", anchor=False)
utility_view.augmentation_view(res)
