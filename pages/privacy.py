"""Privacy: whether someone holding the synthetic data learns about the people in the real data
(attacks against a control set), which real people it singles out on their quasi-identifiers,
and which real records it copies or nearly copies."""

import streamlit as st

from components import assessment, attacks_view, privacy_quasi, privacy_view
from metrics import privacy_attacks

st.title("Privacy")
loaded = assessment.require()
st.caption(
    "Whether someone holding the synthetic data can learn about the people in the real data: "
    "attacks tried on training records and on real records the generator never saw, the people "
    "singled out on their quasi-identifiers, and copies of real records."
)
privacy_view.verdict(loaded)

st.subheader("Attacks", anchor=False)
attacks_view.draw(loaded)

st.subheader("Quasi-identifiers", anchor=False)
privacy_quasi.draw(privacy_attacks.info(loaded.assessment.result("privacy_attacks")))

st.subheader("Copies of real records", anchor=False)
privacy_view.copies_summary(loaded)

st.subheader("How close do synthetic rows come to real records?", anchor=False)
privacy_view.distance_chart(loaded)
