"""Small widgets that show a loaded table."""

from __future__ import annotations

import streamlit as st

from components import state


def loaded_card(role: str) -> None:
    """File name, shape and a preview of one loaded input."""
    t = state.table(role)
    if t is None:
        return
    st.caption(f"`{t.name}`: {t.shape_text}, {t.size_bytes / 1e6:,.2f} MB")
    with st.expander("Preview the first rows"):
        st.dataframe(t.frame.head(20), hide_index=True)
