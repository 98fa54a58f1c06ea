"""The Subgroups page body: what was searched, the findings in words, every group and level
tested (filter by grouping column, sort), and a chosen test drawn inside its level."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from components.assessment import Loaded
from metrics.subgroups import info as subgroups_info
from outputs.escape import md
from outputs.html_subgroups import METRIC_WORDS, level_figure, level_label, test_label

MAX_SHOWN = 500
SORTS = {
    "Farthest below the whole table beyond noise": ("beyond", False),
    "Largest gap to the whole table": ("gap", False),
    "Lowest score": ("score", True),
    "Smallest q-value": ("q_value", True),
}
_CONFIG = {
    "group": st.column_config.TextColumn("Group", width=220),
    "test": st.column_config.TextColumn("Column or pair", width=200),
    "measure": st.column_config.TextColumn(
        "Measure", help="column shape: KS complement (numbers, dates) or TV complement "
        "(categories); rank correlation or contingency table: the pair's trend"),
    "rows_real": st.column_config.NumberColumn("Real rows", format="%d"),
    "rows_synthetic": st.column_config.NumberColumn("Synthetic rows", format="%d"),
    "score": st.column_config.ProgressColumn("Score in the group", min_value=0.0, max_value=1.0,
                                             format="%.3f"),
    "whole_table_score": st.column_config.NumberColumn("Whole table", format="%.3f"),
    "gap": st.column_config.NumberColumn("Gap", format="%.3f",
                                         help="Whole-table score minus the group's score"),
    "interval": st.column_config.TextColumn(
        "Interval", help="Where the group's score would land, the noise of its size included"),
    "q_value": st.column_config.NumberColumn(
        "q-value", format="%.3g", help="Benjamini-Hochberg adjusted p-value over every test"),
    "verdict": st.column_config.TextColumn("Verdict"),
}  # fmt: skip


def _shown(d: pd.DataFrame, groupings) -> pd.DataFrame:
    return d.assign(
        group=[level_label(r, groupings) for _, r in d.iterrows()],
        test=[test_label(r) for _, r in d.iterrows()],
        measure=d["metric"].map(METRIC_WORDS).fillna(d["metric"]),
        interval=[f"{lo:.3f} – {hi:.3f}" if np.isfinite(lo) and np.isfinite(hi) else ""
                  for lo, hi in zip(d["low"], d["high"], strict=True)],
        verdict=np.where(d["discovered"], "beyond noise", "within noise"),
    )  # fmt: skip


def draw(loaded: Loaded) -> None:
    """The whole page body below its title."""
    res = loaded.assessment.result("subgroups")
    if res is None:
        st.info("Subgroups were not searched in this run (the metric was skipped or is not "
                "part of this version).", icon=":material/info:")  # fmt: skip
        return
    extra = subgroups_info(res)
    if res.error or res.details.empty:
        st.info(md(f"Subgroups could not be searched: {res.error or 'no test was run'}."),
                icon=":material/info:")  # fmt: skip
        return
    st.caption(md(" ".join(x for x in (extra.searched, extra.sample_note, *extra.notes) if x)))
    st.subheader("Subgroups that fall short")
    if res.findings:
        for f in res.findings:
            st.markdown(f"- **{f.severity}** · {md(f.message)}")
    else:
        st.success("No subgroup falls below the whole table beyond noise.")
    _table_and_chart(loaded, res, extra)


def _table_and_chart(loaded: Loaded, res, extra) -> None:
    st.subheader("Every group and level tested")
    d = res.details
    left, right = st.columns(2)
    groups = ["All grouping columns", *dict.fromkeys(d["group_column"])]
    chosen = left.selectbox("Grouping column", groups, key="subgroups_group")
    sort = right.selectbox("Sort by", list(SORTS), key="subgroups_sort")
    if chosen != groups[0]:
        d = d[d["group_column"] == chosen]
    by, ascending = SORTS[sort]
    d = d.sort_values(by, ascending=ascending, kind="stable", na_position="last")
    shown = _shown(d.head(MAX_SHOWN), extra.groupings).reset_index(drop=True)
    st.caption(f"{len(shown):,} of {len(d):,} tests" + (" (the first 500)" if len(d) > MAX_SHOWN
               else "") + ". Score 1 = the same shape or trend as the real data.")  # fmt: skip
    cols = ["group", "test", "measure", "rows_real", "rows_synthetic", "score", "interval",
            "whole_table_score", "gap", "q_value", "verdict"]  # fmt: skip
    st.dataframe(shown[cols], hide_index=True, width="stretch", height=320,
                 column_config=_CONFIG)  # fmt: skip
    labels = [f"{r['test']} among {r['group']}" for _, r in shown.iterrows()]
    pick = st.selectbox("Look at a test", range(len(labels)), format_func=lambda i: labels[i],
                        key="subgroups_pick")  # fmt: skip
    if pick is None:
        return
    fig = level_figure(loaded.enc, res, shown.iloc[int(pick)])
    if fig is not None:
        st.plotly_chart(fig, width="stretch", key="subgroups_chart")
