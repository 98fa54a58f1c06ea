"""Assess the cleaned data: the synthetic rows a review kept, as a new review linked to the
run it came from, with that run's decisions carried over. The way forward when a gate fails
because of rows the reviewers rejected (exact copies, invalid rows)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st

from components import inputs, state
from components.assessment import Loaded
from outputs import review_report as rr
from outputs.escape import md_code
from outputs.words import plural
from review import Item


def assess_cleaned(run_id: int, rows: list[int]) -> None:
    """Callback: load the cleaned synthetic data in place of the synthetic file."""
    synthetic = state.table("synthetic")
    if synthetic is None:
        return
    frame = rr.cleaned(synthetic.frame, rows).reset_index(drop=True)
    data = frame.to_csv(index=False).encode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    stem = Path(synthetic.name).stem
    table = state.Table(name=f"{stem}_cleaned.csv", sha256=sha, size_bytes=len(data), frame=frame)
    original = state.cleaned().original if state.cleaned() else synthetic
    link = state.Cleaned(run_id=run_id, original=original, removed=len(rows), sha256=sha)
    state.use_cleaned(link, table, inputs.current_schema())
    state.set_flash("success", f"Now reviewing the cleaned data: {plural(len(rows), 'row')} left "
                    f"out, decisions of run {run_id} carried over where they still apply.")  # fmt: skip


def back_to_original() -> None:
    """Callback: put the original synthetic file back (its review is still stored)."""
    link = state.cleaned()
    if link is not None:
        state.use_cleaned(None, link.original, inputs.current_schema())


def notice() -> None:
    """At the top of the Sign-off page: say so when the cleaned data is what is reviewed."""
    link = state.cleaned()
    if link is not None:
        st.info(
            f"You are reviewing the **cleaned data**: {md_code(link.original.name)} without "
            f"{plural(link.removed, 'row')} rejected in run {link.run_id}. Its decisions carried "
            "over where the findings still apply.",
            icon=":material/cleaning_services:",
        )
        st.button("Back to the original synthetic data", on_click=back_to_original,
                  icon=":material/undo:")  # fmt: skip


def offer(run_id: int, loaded: Loaded, items: list[Item]) -> None:
    """Below the gates: what the review removes, and the button to assess the rest."""
    if state.cleaned() is not None:
        return
    rows = rr.rows_to_remove(loaded.assessment, items)
    if not rows:
        return
    synthetic = state.table("synthetic")
    assert synthetic is not None
    st.markdown(
        f"The review rejects {plural(len(rows), 'row')} of {len(synthetic.frame):,} in "
        f"{md_code(synthetic.name)}. **Assess the cleaned data** to check that what is left "
        "passes: it becomes a new review, linked to this one, with these decisions carried over."
    )
    st.button(f"Assess the cleaned data ({plural(len(synthetic.frame) - len(rows), 'row')})",
              on_click=assess_cleaned, args=(run_id, rows), icon=":material/cleaning_services:",
              key=state.widget_key("assess_cleaned"))  # fmt: skip
