"""How a large-data run was made, where its scores are shown: which numbers cover every row
and which come from the seeded sample (nothing to show for an in-memory run)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics.suite import Assessment
from outputs.escape import md


def banner(a: Assessment) -> None:
    """One line under the scores: the engine, what is exact, what is sampled and how big."""
    s = a.scale
    if s is None:
        return
    text = s.sample_words()
    if s.sketched:
        worst = max(s.sketched.values())
        text += (
            f" {len(s.sketched)} column shape(s) come from a quantile sketch, each within "
            f"{worst:.3f} of the exact score (a sketch compacts at random, so these can move "
            "within that bound from one run to the next)."
        )
    st.info(md(text), icon=":material/database:")


def chart_note(a: Assessment, metric: str) -> None:
    """Under a page's heading: its scores cover every row, its charts draw the sample."""
    s = a.scale
    if s is None or not s.sampled_any:
        return
    rows = ", ".join(f"{n:,} {role}" for role, n in s.sample_rows.items())
    where = "over all rows" if metric in s.exact else "on the seeded sample"
    note = s.notes.get(metric, "")
    st.caption(
        md(f"Large data on {s.engine_label}: the scores here are computed {where}; the charts and "
           f"row views draw the seeded sample ({rows}). {note}")
    )  # fmt: skip


def facts(a: Assessment, table: pd.DataFrame) -> pd.DataFrame:
    """The inputs' facts with each file's full row count beside the sample's."""
    s = a.scale
    if s is None or not s.sampled_any:
        return table
    out = table.copy()
    out["Fact"] = out["Fact"].replace(
        {"Rows": "Rows in the sample", "Missing cells": "Missing cells (sample)",
         "Duplicate rows": "Duplicate rows (sample)"}
    )  # fmt: skip
    whole = {"Fact": "Rows in the file"}
    whole |= {role.capitalize(): f"{n:,}" for role, n in s.rows.items()}
    return pd.concat([pd.DataFrame([whole]), out], ignore_index=True)


__all__ = ["banner", "chart_note", "facts"]
