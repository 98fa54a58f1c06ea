"""Subgroups: shapes and relations that hold in the whole table but break inside a group."""

import streamlit as st

from components import assessment, subgroup_view

st.title("Subgroups")
loaded = assessment.require()
st.caption(
    "Inside each level of a grouping column (a category, or a quarter of a number's real "
    "values), each column's shape and each related pair's trend is compared with the same "
    "score on the whole table. A group falls short when its score sits below the whole "
    "table's by more than the noise of its size explains, after controlling false discoveries "
    "over every test."
)
subgroup_view.draw(loaded)
