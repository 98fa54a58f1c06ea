"""The Pairs page body."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from components.assessment import Loaded
from metrics.pair_findings import pair_words, worst_first
from metrics.pair_words import pair_profile
from metrics.pairs import info as pairs_info
from metrics.uncertainty import interval_words
from outputs import charts, pair_charts
from outputs.escape import md


def _details(loaded: Loaded) -> pd.DataFrame:
    res = loaded.assessment.result("pair_trends")
    if res is None or res.details.empty:
        return pd.DataFrame(
            columns=["column_a", "column_b", "metric", "score", "low", "high", "floor",
                     "beyond", "real", "synthetic", "relation", "error"]
        )  # fmt: skip
    return res.details


def heatmaps(loaded: Loaded) -> None:
    d = _details(loaded)
    corr = d[d["metric"] == "CorrelationSimilarity"]
    if corr.empty:
        st.info("Fewer than two numerical or date columns: no correlations to compare.")
        return
    names = [c for c in loaded.enc.continuous if c in set(corr["column_a"]) | set(corr["column_b"])]
    st.subheader("Correlations")
    info = pairs_info(loaded.assessment.result("pair_trends"))
    sdmetrics = info.mode == "sdmetrics_compatible"
    kind = "Pearson" if sdmetrics else info.correlation.capitalize()
    st.caption(f"{kind} correlation" + (", scored as sdmetrics does" if sdmetrics else "")
               + ". Change it under Scoring settings in the sidebar.")  # fmt: skip
    st.plotly_chart(
        charts.correlation_heatmaps(
            charts.pair_matrix(corr, "real", names), charts.pair_matrix(corr, "synthetic", names)
        ),
        width="stretch",
        key="corr_heatmaps",
    )


_COLUMN_CONFIG = {
    "pair": st.column_config.TextColumn("Pair", width=230),
    "score": st.column_config.ProgressColumn(
        "Score", min_value=0.0, max_value=1.0, format="%.3f", width=130
    ),
    "interval": st.column_config.TextColumn(
        "Interval", help="Where the score would land if both samples were drawn again"
    ),
    "floor": st.column_config.NumberColumn(
        "Real sample scores",
        format="%.3f",
        help="What an independent real sample of the synthetic data's size scores "
        "against the real data: a perfect generator scores about this.",
    ),
    "words": st.column_config.TextColumn(
        "What changed",
        width=220,
        help="beyond noise: the score sits below what a real sample scores by more "
        "than its uncertainty (a finding); within noise: sampling alone can do this",
    ),
    "real": st.column_config.NumberColumn(
        "Real",
        format="%.2f",
        help="Correlation (numbers) or association strength, Cramér's V (others), in the real data",
    ),
    "synthetic": st.column_config.NumberColumn("Synthetic", format="%.2f"),
    "measure": st.column_config.TextColumn(
        "Measured by",
        help="correlation: Pearson or Spearman, for two numbers or dates; association: "
        "Cramér's V over the contingency table, for any other pair",
    ),
}


def _pairs_caption(loaded: Loaded) -> str:
    res = loaded.assessment.result("pair_trends")
    conf = loaded.assessment.options.confidence
    text = (
        "Worst first: relations lost or invented beyond sampling noise (the findings, by how far "
        "the score sits below what a real sample scores), then the rest. "
        f"Interval: {conf:.0%}. *Real sample scores*: what an independent real sample of the "
        "synthetic data's size scores against the real data (the noise floor)."
    )
    if res is not None and np.isfinite(res.score):
        words = interval_words(res.score, res.interval, res.floor, 3, conf)
        text = f"Pair trends {words}. " + text
    return text


def _words(row: pd.Series) -> str:
    """The worst-pairs table's "What changed": the relation, and what moved when it is said."""
    change = row.get("change", "")
    said = pair_words(row)
    return f"{said}: {change}" if isinstance(change, str) and change else said


def worst_pairs_and_detail(loaded: Loaded) -> None:
    d = worst_first(_details(loaded)).reset_index(drop=True)
    if d.empty:
        st.info("Fewer than two comparable columns: no pairs to show.")
        return
    st.subheader("Worst pairs")
    st.caption(_pairs_caption(loaded))
    shown = d.assign(
        pair=d["column_a"].astype(str) + " ~ " + d["column_b"].astype(str),
        measure=d["metric"]
        .map({"CorrelationSimilarity": "correlation", "ContingencySimilarity": "association"})
        .fillna(d["metric"]),
        interval=[
            f"{lo:.3f} – {hi:.3f}" if np.isfinite(lo) and np.isfinite(hi) else ""
            for lo, hi in zip(d["low"], d["high"], strict=True)
        ],
        words=[_words(row) for _, row in d.iterrows()],
    )
    # The table takes the page's width: in half of it the pair names and the measure were cut.
    cols = ["pair", "score", "interval", "floor", "real", "synthetic", "words", "measure"]
    st.dataframe(
        shown[cols].head(200),
        hide_index=True,
        width="stretch",
        height=320,
        column_config=_COLUMN_CONFIG,
    )
    choice = st.selectbox("Look at a pair", shown["pair"].tolist(), index=0)
    row = shown[shown["pair"] == choice].iloc[0]
    change = row.get("change", "")
    if isinstance(change, str) and change:
        st.markdown(f"**What changed:** {md(change)}.")
    a, b = row["column_a"], row["column_b"]
    names = set(loaded.enc.schema.names())
    found = pair_profile(loaded.enc, a, b)
    if found is not None:
        st.plotly_chart(pair_charts.profile_chart(*found), width="stretch", key="pair_profile")
    if a in names and b in names:  # a calendar part ("start_date (month)") has no joint view
        st.plotly_chart(charts.joint_view(loaded.enc, a, b), width="stretch", key="joint_view")
