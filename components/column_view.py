"""The Columns page body: search, worst-first ordering, a chart and its verdict per column."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from components import scorecard
from components.assessment import Loaded
from metrics.coverage import info as coverage_info
from outputs import charts
from outputs.escape import md

PAGE_SIZE = 10


def _column_table(loaded: Loaded) -> pd.DataFrame:
    res = loaded.assessment.result("column_shapes")
    if res is None or res.details.empty:
        return pd.DataFrame(columns=["column", "kind", "metric", "score"])
    return res.details.sort_values("score", na_position="first").reset_index(drop=True)


def column_list(loaded: Loaded) -> None:
    table = _column_table(loaded)
    if table.empty:
        st.info("No numerical, date, categorical or boolean columns to compare.")
        return
    query = st.text_input("Find a column", placeholder="type part of a column name")
    if query:
        table = table[table["column"].astype(str).str.contains(query, case=False, regex=False)]
        if table.empty:
            st.info(f"No column name contains '{md(query)}'.")
            return
    pages = max(1, math.ceil(len(table) / PAGE_SIZE))
    page = 1
    if pages > 1:
        page = st.number_input(
            f"Page (of {pages}, {PAGE_SIZE} columns each, worst first)", 1, pages, 1
        )
    by_column: dict[str, list] = {}
    # Findings about this column alone first, then those it shares with other columns.
    for f in sorted(loaded.assessment.findings, key=lambda f: len(f.columns) > 1):
        for c in f.columns:
            by_column.setdefault(c, []).append(f)
    for _, row in table.iloc[(page - 1) * PAGE_SIZE : page * PAGE_SIZE].iterrows():
        _column_block(loaded, row, by_column.get(row["column"], []))


def _column_block(loaded: Loaded, row: pd.Series, findings: list) -> None:
    name = str(row["column"])
    with st.container(border=True):
        chart, facts = st.columns([3, 1])
        with facts:
            score = row.get("score", float("nan"))
            st.markdown(f"**{md(name)}**  \n{md(row.get('kind', ''))}")
            shown = f"{score:.3f}" if pd.notna(score) else "n/a"
            label, meaning = METRIC_WORDS.get(str(row.get("metric")), ("Score", ""))
            st.metric(label, shown, help=f"{meaning} 1 = the synthetic distribution matches the "
                      "real one, 0 = they do not overlap at all.")  # fmt: skip
            if isinstance(row.get("error"), str) and row["error"]:
                st.error(md(row["error"]))
            for f in findings[:3]:
                scorecard.finding_line(f)
            if not findings and pd.notna(score):
                st.caption(f"Verdict: {scorecard.verdict(float(score))}.")
        with chart:
            st.plotly_chart(
                charts.distribution(loaded.enc, name), width="stretch", key=f"dist_{name}"
            )
            with st.expander("Statistics side by side"):
                st.dataframe(stats_table(loaded, name), hide_index=True, width="stretch")


# The metric's name in words; the sdmetrics name stays in the JSON report for pipelines.
METRIC_WORDS = {
    "KSComplement": ("Distribution match", "1 minus the largest gap between the real and the "
                     "synthetic cumulative distributions (KS complement)."),
    "TVComplement": ("Category share match", "1 minus half the summed differences of the "
                     "category shares (total-variation complement)."),
}  # fmt: skip


def stats_table(loaded: Loaded, name: str) -> pd.DataFrame:
    """Statistic | Real | Synthetic for one column: summary statistics, then the missing
    share, coverage and validity scores of the column."""
    a = loaded.assessment
    summary = coverage_info(a.result("coverage")).summary
    lines = []
    if not summary.empty:
        part = summary[summary["column"] == name]
        lines += [{"Statistic": r.statistic, "Real": r.real_text, "Synthetic": r.synthetic_text}
                  for r in part.itertuples()]  # fmt: skip
    for metric, label in (("coverage", "coverage of the real range or categories"),
                          ("validity", "share of synthetic values that are valid")):  # fmt: skip
        res = a.result(metric)
        if res is None or res.details.empty:
            continue
        row = res.details[res.details["column"] == name]
        if not row.empty and pd.notna(row["score"].iloc[0]):
            lines.append(
                {"Statistic": label, "Real": "", "Synthetic": f"{row['score'].iloc[0]:.1%}"}
            )
    return pd.DataFrame(lines, columns=["Statistic", "Real", "Synthetic"])
