"""SynthLens: judge whether a synthetic tabular dataset is good enough to train on.

Router only: page config, the page list, and the sidebar's account of what is loaded.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components import inputs, sidebar

# A local file: a Material icon here makes the browser fetch the favicon from the internet.
ICON = str(Path(__file__).resolve().parent / "assets" / "icon.png")
st.set_page_config(page_title="SynthLens", page_icon=ICON, layout="wide")

PAGES = {
    "Inputs": [
        st.Page("pages/data.py", title="Data", icon=":material/upload_file:", default=True),
        st.Page("pages/schema.py", title="Schema", icon=":material/table_rows:"),
    ],
    "Fidelity": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:"),
        st.Page("pages/columns.py", title="Columns", icon=":material/bar_chart:"),
        st.Page("pages/pairs.py", title="Pairs", icon=":material/grid_on:"),
        st.Page("pages/subgroups.py", title="Subgroups", icon=":material/groups:"),
    ],
    "Rows & utility": [
        st.Page("pages/outliers.py", title="Outliers", icon=":material/policy:"),
        st.Page("pages/privacy.py", title="Privacy", icon=":material/shield_person:"),
        st.Page("pages/utility.py", title="Utility", icon=":material/model_training:"),
    ],
    "Review": [
        st.Page("pages/review.py", title="Review", icon=":material/rule:"),
        st.Page("pages/signoff.py", title="Sign-off", icon=":material/approval:"),
    ],
}

inputs.autoload_demo_once()
page = st.navigation(PAGES)
sidebar.draw()
page.run()
