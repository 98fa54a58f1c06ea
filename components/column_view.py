"""The Columns page body: search, worst-first ordering, a chart and its verdict per column."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from components import scorecard
from components.assessment import Loaded
from metrics.coverage import info as coverage_info
from outputs import charts
from outputs import score_words as sw
from outputs.escape import md

PAGE_SIZE = 10


def _column_table(loaded: Loaded) -> pd.DataFrame:
    """Column shapes' details, worst first as the findings rank them (farthest below what an
    independent real sample scores, then the lowest score)."""
    res = loaded.assessment.result("column_shapes")
    if res is None or res.details.empty:
        return pd.DataFrame(columns=["column", "kind", "metric", "score"])
    return sw.worst_first(res.details).reset_index(drop=True)


def _numbers(table: pd.DataFrame, col: str) -> pd.Series:
    if col not in table:
        return pd.Series(float("nan"), index=table.index)
    return pd.to_numeric(table[col], errors="coerce")


def sortable_table(table: pd.DataFrame) -> pd.DataFrame:
    """One line per column with numbers a person can sort: score, interval, what a real sample
    scores and how far below it the column sits, and the verdict in words."""
    words = [sw.verdict(r.get("score"), sw.interval_of(r), sw.floor_of(r.get("floor")))
             .replace(sw.REAL_SAMPLE, "a real sample") for _, r in table.iterrows()]  # fmt: skip
    return pd.DataFrame({
        "Column": table["column"].astype(str),
        "Kind": table.get("kind", pd.Series("", index=table.index)).astype(str),
        "Score": _numbers(table, "score"),
        "Low": _numbers(table, "low"),
        "High": _numbers(table, "high"),
        "A real sample": _numbers(table, "floor"),
        "Below a real sample by": _numbers(table, "beyond"),
        "Verdict": words,
    })  # fmt: skip


def _sortable(table: pd.DataFrame) -> None:
    shown = sortable_table(table)
    bounded = shown[["Low", "High", "A real sample"]].notna().any()
    shown = shown.drop(columns=[c for c in bounded.index if not bounded[c]])
    if not shown["Below a real sample by"].notna().any():
        shown = shown.drop(columns=["Below a real sample by"])
    number = "%.3f"
    st.dataframe(
        shown, hide_index=True, width="stretch", height=min(38 + 35 * len(shown), 400),
        column_config={
            "Kind": st.column_config.TextColumn("Kind", width="small"),
            "Score": st.column_config.ProgressColumn(
                "Score", min_value=0.0, max_value=1.0, format=number,
                help="1 = the synthetic distribution matches the real one."),
            "Low": st.column_config.NumberColumn(
                "Low", format=number, help="Lower end of the score's 95% interval."),
            "High": st.column_config.NumberColumn(
                "High", format=number, help="Upper end of the score's 95% interval."),
            "A real sample": st.column_config.NumberColumn(
                "A real sample", format=number, help="What an independent real sample of the "
                "synthetic data's size scores against the real data."),
            "Below a real sample by": st.column_config.NumberColumn(
                "Below a real sample by", format=number, help="How far the interval's upper "
                "end sits below what a real sample scores; 0 or less: as good as a real sample."),
        },
    )  # fmt: skip


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
    st.caption("Every column in one table: click a heading to sort. Below it, each column's "
               "chart, worst first.")  # fmt: skip
    _sortable(table)
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


def column_words(row: pd.Series, confidence: float = 0.95) -> str:
    """``KS complement 0.91 (0.88-0.94); a real sample scores about 0.95``, or with "as good
    as a real sample" when the interval reaches the floor; the bare score before the metric
    computes an interval or a floor."""
    interval, floor = sw.interval_of(row), sw.floor_of(row.get("floor"))
    name = SHORT_NAMES.get(str(row.get("metric")), "Score")
    words = f"{name} {sw.score_words(row.get('score'), interval, floor, confidence, short=True)}"
    if sw.reaches_floor(interval, floor):
        words += ": as good as a real sample"
    return words


def _column_block(loaded: Loaded, row: pd.Series, findings: list) -> None:
    name = str(row["column"])
    interval, floor = sw.interval_of(row), sw.floor_of(row.get("floor"))
    with st.container(border=True):
        chart, facts = st.columns([3, 1])
        with facts:
            score = row.get("score", float("nan"))
            st.markdown(f"**{md(name)}**  \n{md(row.get('kind', ''))}")
            shown = sw.score_text(score, sw.digits_for([score, floor], interval))
            label, meaning = METRIC_WORDS.get(str(row.get("metric")), ("Score", ""))
            st.metric(label, shown, help=f"{meaning} 1 = the synthetic distribution matches the "
                      "real one, 0 = they do not overlap at all.")  # fmt: skip
            if interval is not None or floor is not None:
                st.caption(md(column_words(row, loaded.assessment.options.confidence)))
            if isinstance(row.get("error"), str) and row["error"]:
                st.error(md(row["error"]))
            for f in findings[:3]:
                scorecard.finding_line(f)
            if not findings and pd.notna(score):
                st.caption(f"Verdict: {md(scorecard.verdict(float(score), interval, floor))}.")
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
SHORT_NAMES = {"KSComplement": "KS complement", "TVComplement": "TV complement"}


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
