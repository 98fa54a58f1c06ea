"""Sign-off: the policy's gates, what still blocks approval, the signed record, the downloads."""

import streamlit as st

from components import (
    assessment,
    cleaned_review,
    downloads,
    review_state,
    run_versions,
    signoff_view,
)
from outputs import review_report

st.title("Sign-off")
loaded = assessment.require()
st.caption(
    "A policy sets the gates a run must pass before it can be approved for training: minimum "
    "scores per family, no open high-severity or rejected findings, no copied real rows, and "
    "limits on the privacy attacks' risks. "
    "Approve or reject with your name and a statement; the record is stored for good."
)
run = review_state.run_id(loaded)
store = review_state.store()
run_versions.banner(run)
cleaned_review.notice()
items = review_state.current_items(run)
history = store.sign_offs(run)

st.subheader("Current sign-off", anchor=False)
signoff_view.current(history, items)

st.subheader("Gates", anchor=False)
policy = signoff_view.policy_editor()
gates = review_report.gates_for(policy, loaded.assessment, items) if policy else []
if policy is not None:
    signoff_view.gates(gates)
signoff_view.blockers(items)
cleaned_review.offer(run, loaded, items)

st.subheader("Sign off", anchor=False)
if policy is None:
    st.info("Fix the policy above first: the record stores the policy it was signed under.")
else:
    signoff_view.sign_form(run, policy, loaded.assessment.scores, gates)
signoff_view.history_table(store.sign_offs(run))

st.subheader("Downloads", anchor=False)
downloads.buttons(store, run, loaded, policy, gates)
