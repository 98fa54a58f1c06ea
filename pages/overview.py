"""Overview: the verdict, the score card, the top findings and the inputs side by side."""

import streamlit as st

from components import assessment, cache, metric_panels, scale_view, scorecard, state, verdict
from outputs.words import plural

st.title("Overview")
loaded = assessment.require()
a = loaded.assessment

items = verdict.stored_items(loaded)
verdict.banner(loaded, items)

st.caption(
    "Scores run from 0 to 1; higher is better. Hover a score's **?** for what it measures; "
    f"below the cards, each score with its {a.options.confidence:.0%} interval and what an "
    "independent real sample of the same size scores."
)
scorecard.score_cards(a)
scale_view.banner(a)

left, right = st.columns([3, 2])
with left:
    st.subheader("What needs a look")
    scorecard.findings_list(a.findings, verdict.item_ids(loaded, items))
with right:
    st.subheader("The inputs")
    tables = state.tables()
    facts = cache.dataset_facts({r: t.frame for r, t in tables.items()}, state.pair_key())
    st.dataframe(scale_view.facts(a, facts), width="stretch", hide_index=True)
    if a.schema.only_real or a.schema.only_synthetic or a.schema.conflicts:
        st.warning("Some columns are not compared: see the Schema page.")
    st.caption(f"{plural(len(a.schema.columns), 'column')} compared.")
    metric_panels.draw(loaded, "overview")
