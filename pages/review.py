"""Review: every finding and flagged row, decided by a person, one after the other."""

import streamlit as st

from components import (
    assessment,
    review_detail,
    review_queue,
    review_state,
    run_versions,
    state,
)
from outputs import review_report

st.title("Review")
loaded = assessment.require()
st.caption(
    "Each finding and each flagged synthetic row is a review item. Accept what is fine, reject "
    "what must not be used (rejected rows are left out of the cleaned dataset on the Sign-off "
    "page), waive an exception with a reason. Decisions are saved at once, with your name."
)
run = review_state.run_id(loaded)  # reopens expired waivers and says so
run_versions.banner(run)
review_queue.show_warning()
reviewer = review_queue.reviewer_gate()
items = review_state.current_items(run)
review_queue.header(items, reviewer, len(review_report.rows_to_remove(loaded.assessment, items)))
review_queue.filter_bar(items)
shown = review_state.apply(items, review_state.filters())
selected = review_queue.pick(items, shown)

left, right = st.columns([1, 1], gap="medium")
with left:
    review_queue.queue_table(shown, selected)
with right:
    review_detail.show(run, selected, loaded, state.redact(), items)
st.page_link("pages/signoff.py", label="Go to Sign-off", icon=":material/approval:")
