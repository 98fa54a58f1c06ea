"""The generic panel of a metric that has no view of its own (its catalogue ``rendering`` is
``"default"``), drawn by its result shape. A new metric shows up on the page of its shape (Columns
for per-column results, Pairs for per-pair ones, Overview for the rest) with no edit here."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.assessment import Loaded
from metrics import catalogue
from outputs import score_words as sw
from outputs.escape import md

# A details table's interval and floor columns, and their headings.
BOUNDS = {"low": "Low", "high": "High", "floor": "A real sample"}
PAGE_SHAPES = {"columns": ("columns",), "pairs": ("pairs",), "overview": ("rows", "table")}


def draw(loaded: Loaded, page: str) -> None:
    """Every default-rendered metric whose shape belongs on ``page``."""
    shapes = PAGE_SHAPES[page]
    for entry in catalogue.CATALOGUE:
        res = loaded.assessment.result(entry.name)
        if entry.rendering != "default" or entry.result not in shapes or res is None:
            continue
        title = entry.name.replace("_", " ").capitalize()
        counted = "" if entry.counts else " (reported, not counted in the scores)"
        with st.expander(f"{title}: {sw.score_text(res.score)}{counted}"):
            st.caption(md(entry.goal))
            interval, floor = sw.interval_of(res.interval), sw.floor_of(res.floor)
            if interval is not None or floor is not None:
                conf = loaded.assessment.options.confidence
                st.caption(md(sw.score_words(res.score, interval, floor, conf)))
            if res.excluded:
                st.caption(md(f"Not counted in its family or in Overall: {res.excluded}"))
            if res.error:
                st.warning(md(res.error), icon=":material/warning:")
            _details(entry, res.details)


def _details(entry: catalogue.Entry, d: pd.DataFrame | None) -> None:
    if d is None or d.empty or "score" not in d:
        return
    if entry.result == "pairs" and {"column_a", "column_b"} <= set(d):
        names = d["column_a"].astype(str) + " ~ " + d["column_b"].astype(str)
    elif "column" in d:
        names = d["column"].astype(str)
    else:
        names = pd.Series(range(len(d)), dtype=str)
    shown = pd.DataFrame({"Name": names, "Score": d["score"].astype(float)})
    for col, label in BOUNDS.items():
        if col in d and pd.to_numeric(d[col], errors="coerce").notna().any():
            shown[label] = pd.to_numeric(d[col], errors="coerce")
    if "error" in d:
        shown["Problem"] = d["error"].fillna("")
    st.dataframe(
        shown.sort_values("Score", na_position="last"), hide_index=True, width="stretch",
        column_config={"Score": st.column_config.ProgressColumn(
            "Score", min_value=0.0, max_value=1.0, format="%.3f"),
            **{label: st.column_config.NumberColumn(label, format="%.3f")
               for label in BOUNDS.values()}},
    )  # fmt: skip
