"""The sidebar: who is using the app, and what is loaded, so every page says which data it is
about."""

from __future__ import annotations

import streamlit as st

from components import identity as ident
from components import state
from outputs.escape import md, md_code
from outputs.words import plural


def draw() -> None:
    with st.sidebar:
        st.markdown("### SynthLens")
        _who()
        loaded = state.tables()
        if not loaded:
            st.caption("Nothing loaded yet. Start on the **Data** page.")
            return
        scale = state.scale_source()
        if scale is not None:  # says where the pair comes from, with the whole files' rows
            st.caption(md(scale.text()))
        elif state.source():
            st.caption(f"Inputs: {state.source()}")
        link = state.cleaned()
        for role in state.ROLES:
            t = loaded.get(role)
            if t is None:
                continue
            st.markdown(f"**{state.ROLE_LABELS[role]}**  \n{md_code(t.name)}  \n{t.shape_text}")
            if role == "synthetic" and link is not None:
                st.caption(f"Cleaned: {md_code(link.original.name)} without "
                           f"{plural(link.removed, 'row')} rejected in review run {link.run_id}.")  # fmt: skip
        _scoring()


def _who() -> None:
    """Who am I: the verified account (with Log out) or the typed name (with Log in when a
    provider is configured). The role is on the Sign-off page, where it decides something."""
    me = ident.identity()
    configured = ident.login_configured()
    if me.verified:
        how = "company login" if me.source == "oidc" else "company proxy"
        email = f" <{md(me.email)}>" if me.email and me.email != me.name else ""
        st.caption(f":material/verified_user: Signed in as **{md(me.name)}**{email} ({how})")
    elif me.name:
        st.caption(f":material/person: **{md(me.name)}** (typed name: unverified)")
    else:
        st.caption(":material/person: Not signed in" + ("." if configured else
                   ": you type your name on the Review page."))  # fmt: skip
    if configured and ident.logged_in():
        st.button("Log out", icon=":material/logout:", on_click=st.logout,
                  key=state.widget_key("sidebar_logout"))  # fmt: skip
    elif configured and not me.verified:
        st.button("Log in", icon=":material/login:", on_click=st.login,
                  key=state.widget_key("sidebar_login"))  # fmt: skip


def _scoring() -> None:
    """The scoring settings: changing one re-runs the assessment (cached per setting)."""
    corr, compat = state.scoring_widgets()
    with st.expander("Scoring settings"):
        st.radio("Correlation for number pairs", ["pearson", "spearman"], key=corr,
                 format_func=str.capitalize, on_change=state.scoring_chosen,
                 help="Pearson measures straight-line relations; Spearman any steady rise or "
                 "fall (rank correlation), less swayed by outliers. sdmetrics-compatible "
                 "scoring always uses Pearson.")  # fmt: skip
        st.toggle("Score as sdmetrics does", key=compat, on_change=state.scoring_chosen,
                  help="Column shapes and pair trends exactly as sdmetrics' QualityReport "
                  "computes them (its pair definitions, without its subsampling), to compare "
                  "with numbers from SDV tooling. Off: SynthLens' definitions (bins fitted "
                  "on the real data, bias-corrected association).")  # fmt: skip
