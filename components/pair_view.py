"""The Pairs page body."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.assessment import Loaded
from metrics.pairs import info as pairs_info
from outputs import charts


def _details(loaded: Loaded) -> pd.DataFrame:
    res = loaded.assessment.result("pair_trends")
    if res is None or res.details.empty:
        return pd.DataFrame(
            columns=["column_a", "column_b", "metric", "score", "real", "synthetic"]
        )
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


def worst_pairs_and_detail(loaded: Loaded) -> None:
    d = _details(loaded).sort_values("score", na_position="last").reset_index(drop=True)
    if d.empty:
        st.info("Fewer than two comparable columns: no pairs to show.")
        return
    st.subheader("Worst pairs")
    shown = d.assign(
        pair=d["column_a"].astype(str) + " ~ " + d["column_b"].astype(str),
        measure=d["metric"]
        .map({"CorrelationSimilarity": "correlation", "ContingencySimilarity": "association"})
        .fillna(d["metric"]),
    )
    if "weight" in shown:
        # Pairs with no relation on either side do not count towards the score; list them last.
        shown = shown.assign(counted=shown["weight"] > 0).sort_values(
            ["counted", "score"], ascending=[False, True], na_position="last"
        )
    # The table takes the page's width: in half of it the pair names and the measure were cut.
    cols = [c for c in ["pair", "score", "real", "synthetic", "measure"] if c in shown]
    st.dataframe(
        shown[cols].head(200),
        hide_index=True,
        width="stretch",
        height=320,
        column_config={
            "pair": st.column_config.TextColumn("Pair", width=330),
            "score": st.column_config.ProgressColumn(
                "Score", min_value=0.0, max_value=1.0, format="%.3f", width=170
            ),
            "real": st.column_config.NumberColumn(
                "Real",
                format="%.3f",
                help="Correlation (numbers) or association strength, Cramér's V (others), "
                "in the real data",
            ),
            "synthetic": st.column_config.NumberColumn("Synthetic", format="%.3f"),
            "measure": st.column_config.TextColumn(
                "Measured by",
                help="correlation: Pearson or Spearman, for two numbers or dates; association: "
                "Cramér's V over the contingency table, for any other pair",
            ),
        },
    )
    choice = st.selectbox("Look at a pair", shown["pair"].tolist(), index=0)
    row = shown[shown["pair"] == choice].iloc[0]
    st.plotly_chart(
        charts.joint_view(loaded.enc, row["column_a"], row["column_b"]),
        width="stretch",
        key="joint_view",
    )
