"""``st.cache_data`` wrappers over the pure metrics.

Frames are passed with a leading underscore so Streamlit does not hash them on every rerun;
the content hashes in ``key`` stand for them. Never mutate a cached return value.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics import schema


@st.cache_data(max_entries=8, show_spinner=False)
def column_overview(_frame: pd.DataFrame, key: tuple[str, ...]) -> pd.DataFrame:
    """Examples, missing share and distinct count of every column (for the schema table)."""
    rows = []
    for name in _frame.columns:
        s = _frame[name]
        values = s.dropna().astype(str).unique()[:3] if s.notna().any() else []
        rows.append(
            {
                "Column": name,
                "Real examples": ", ".join(v if len(v) <= 24 else v[:21] + "..." for v in values),
                "Missing in real": float(s.isna().mean()) if len(s) else 0.0,
                "Distinct in real": int(s.nunique()),
            }
        )
    return pd.DataFrame(rows)


@st.cache_data(max_entries=8, show_spinner="Inferring column kinds...")
def inferred_schema(
    _real: pd.DataFrame, _synthetic: pd.DataFrame, key: tuple[str, ...]
) -> schema.Schema:
    return schema.infer(_real, _synthetic)


@st.cache_data(max_entries=8, show_spinner=False)
def dataset_facts(_frames: dict[str, pd.DataFrame], key: tuple[str, ...]) -> pd.DataFrame:
    """Rows, columns, missing cells and duplicate rows: one fact per line, one input per column
    (narrow enough to sit beside the findings; the file names are in the sidebar)."""
    facts = {}
    for role, df in _frames.items():
        facts[role.capitalize()] = {
            "Rows": f"{len(df):,}",
            "Columns": f"{df.shape[1]:,}",
            "Missing cells": f"{df.isna().to_numpy().mean():.1%}" if df.size else "n/a",
            "Duplicate rows": f"{df.duplicated().sum():,}",
        }
    return pd.DataFrame(facts).rename_axis("Fact").reset_index()
