"""The sidebar: what is loaded, so every page says which data it is about."""

from __future__ import annotations

import streamlit as st

from components import state


def draw() -> None:
    with st.sidebar:
        st.markdown("### SynthLens")
        loaded = state.tables()
        if not loaded:
            st.caption("Nothing loaded yet. Start on the **Data** page.")
            return
        if state.source():
            st.caption(f"Inputs: {state.source()}")
        for role in state.ROLES:
            t = loaded.get(role)
            if t is None:
                continue
            st.markdown(f"**{state.ROLE_LABELS[role]}**  \n`{t.name}`  \n{t.shape_text}")
