"""The Outliers page body: flagged rows by reason, each beside its closest real record.

Copies, distances and the privacy attacks are on the Privacy page (components/privacy_view.py).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

from components import row_compare, state
from components.assessment import Loaded
from metrics import flags as flags_mod
from metrics.flags_combos import IMPLAUSIBLE_SHARE
from metrics.flags_kinds import BROKEN_RULE, FLAG_KINDS, IMPLAUSIBLE
from metrics.results import MetricResult
from outputs import row_charts
from outputs.escape import md
from outputs.result_words import KIND_LABELS, reason_meanings
from outputs.result_words import pct as _pct
from outputs.review_items import COUNT_RULE
from outputs.words import plural

# Labels and meanings of the reasons outputs.result_words does not know yet (it owns the others).
_NEW_LABELS = {IMPLAUSIBLE: "Implausible combination", BROKEN_RULE: "Broken rule"}
LABELS = {k: KIND_LABELS.get(k) or _NEW_LABELS.get(k) or k.replace("_", " ").capitalize()
          for k in dict.fromkeys((*FLAG_KINDS, *KIND_LABELS))}  # fmt: skip
MAX_TABLE_ROWS = 2000  # rows sent to the browser per page of the flagged-rows table
ROW_HEIGHT = 66  # taller than 64 px: Streamlit then wraps a long "Why" onto more lines


def reason_overview(loaded: Loaded) -> None:
    """The share of rows per reason, and what each reason means with the thresholds used."""
    res = _flags(loaded)
    if res is None:
        return
    ex, n = flags_mod.info(res), loaded.enc.synthetic.n_rows
    counts = ex.count_by_kind
    st.markdown(
        f"**{ex.n_flagged:,} of {n:,} synthetic rows ({_pct(ex.flagged_share)})"
        f"** deserve a look. {COUNT_RULE}"
    )
    if ex.obvious_once:
        st.info(ex.obvious_once, icon=":material/groups:")
    left, right = st.columns([2, 3])
    left.plotly_chart(row_charts.flag_share_bars(counts, n, LABELS), key="flag_shares")
    with right:
        for kind, words in meanings(ex).items():
            st.markdown(f"- **{LABELS[kind]}** ({counts.get(kind, 0):,}): {words}")
    if ex.runs_by_kind:
        st.caption(stability_words(ex))
    for note in ex.notes:
        if note != ex.obvious_once:  # already shown above
            st.caption(note)


def meanings(ex: flags_mod.FlagsInfo) -> dict[str, str]:
    """What each reason means with this run's thresholds, every reason of the flags included."""
    level = ex.implausible_level
    pairs = len(ex.implausible_pairs)
    extra = {
        BROKEN_RULE: "breaks a rule declared for the data or discovered in the real data (see "
        "the rules on the Schema page); the reason gives the rule and the row's values.",
        IMPLAUSIBLE: "each value is in range, but one column is far from what real rows with "
        "the same value of a strongly related column have"
        + (f" ({pairs} related column pairs checked; a residual above {level:.1f} spreads, "
           f"which only {ex.implausible_share:.1%} of unseen real rows reach)"
           if level is not None and math.isfinite(level) else
           f" (only {IMPLAUSIBLE_SHARE:.1%} of unseen real rows go as far)")
        + ".",
    }  # fmt: skip
    known = reason_meanings(ex)
    return {k: known.get(k) or extra[k] for k in LABELS if k in known or k in extra}


def stability_words(ex: flags_mod.FlagsInfo) -> str:
    """How the seed-dependent reasons were made stable, in a sentence a reviewer reads."""
    runs = "; ".join(f"{LABELS[k].lower()}: {n} runs" for k, n in ex.runs_by_kind.items())
    return (
        "Unusual combinations and obviously synthetic rows depend on a random seed, so each is "
        f"checked in several seeded runs ({runs}); a row is flagged for it only when at least "
        f"{ex.stable_share:.0%} of those runs flag it. The table says how many did."
    )


def stable_in(stability: float, runs: int) -> str:
    """A flag's stability in words: "5 of 5 seeded runs", or "every run" for a check with no
    seed (it flags the same rows every time)."""
    if runs <= 0:
        return "every run (no seed)"
    return f"{round(stability * runs)} of {runs} seeded runs"


def _flags(loaded: Loaded) -> MetricResult | None:
    res = loaded.assessment.result("row_flags")
    if res is None or res.error:
        st.warning(f"Rows were not checked: {res.error if res else 'no result'}")
        return None
    return res


def flagged_table(loaded: Loaded) -> pd.Series | None:
    """Flagged rows filterable by reason, worst first; returns the row the user selected."""
    res = _flags(loaded)
    if res is None:
        return None
    details, counts = res.details, flags_mod.info(res).count_by_kind
    if details.empty:
        st.success("No synthetic row is flagged.", icon=":material/task_alt:")
        return None
    kinds = [k for k in LABELS if counts.get(k, 0)]
    chosen = st.multiselect(
        "Show rows flagged for", kinds, default=kinds, key=state.widget_key("flag_kinds"),
        format_func=lambda k: f"{LABELS[k]} ({counts.get(k, 0):,})",
        help="A row shows when it has at least one of the chosen reasons.",
    )  # fmt: skip
    shown = filter_flags(details, chosen)
    if shown.empty:
        st.info("No row has the chosen reasons. Pick at least one reason above.")
        return None
    pages = math.ceil(len(shown) / MAX_TABLE_ROWS)
    page = 1
    if pages > 1:
        page = int(st.number_input(f"Page (of {pages}, {MAX_TABLE_ROWS:,} rows each)", 1, pages))
    part = shown.iloc[(page - 1) * MAX_TABLE_ROWS : page * MAX_TABLE_ROWS]
    st.caption(
        f"{plural(len(shown), 'row')}, most serious first. Click a row to compare it with its "
        "closest real record below."
    )
    event = st.dataframe(
        table_view(part), hide_index=True, on_select="rerun", selection_mode="single-row",
        key=state.widget_key("flag_table", *chosen, page), row_height=ROW_HEIGHT,
        height=min(560, ROW_HEIGHT * len(part) + 38),
        selection_default={"selection": {"rows": [0], "columns": []}},
        column_config={
            "Synthetic row": st.column_config.NumberColumn(
                help="0-based position in the synthetic file", format="%d", width=105),
            "Reasons": st.column_config.TextColumn(width=190),
            "Seriousness": st.column_config.ProgressColumn(
                help="How sure or serious the surest reason is: 1 = certain", min_value=0.0,
                max_value=1.0, format="%.2f", width=100),
            "Flagged in": st.column_config.TextColumn(
                help="Of the seeded runs of its most stable reason, how many flagged the row. "
                     "Invalid values and copies use no seed: they flag the same rows every time.",
                width=150),
            "Columns": st.column_config.TextColumn(
                help="The columns that explain the flag: the out-of-range cell, the pair of an "
                     "implausible combination, a rule's columns, an unusual row's most extreme "
                     "cells.", width=160),
            "Why": st.column_config.TextColumn(width=400),
            "Closest real row": st.column_config.NumberColumn(
                help="0-based position in the real file of the closest real record", format="%d",
                width=120),
        },
    )  # fmt: skip
    picked = [r for r in event.selection.rows if r < len(part)]
    if not picked:
        st.caption("Select a row in the table to see it beside its closest real record.")
        return None
    return part.iloc[picked[0]]


def filter_flags(details: pd.DataFrame, kinds: list[str]) -> pd.DataFrame:
    """Rows with at least one of ``kinds``, most serious first (row order breaks ties)."""
    wanted = set(kinds)
    keep = np.fromiter((bool(wanted.intersection(k)) for k in details["kinds"]), bool,
                       len(details))  # fmt: skip
    out = details[keep]
    return out.sort_values(["score", "row"], ascending=[False, True], kind="stable")


def table_view(part: pd.DataFrame) -> pd.DataFrame:
    closest = part["closest_real"].to_numpy()
    stability = part["stability"] if "stability" in part else pd.Series(1.0, index=part.index)
    runs = part["runs"] if "runs" in part else pd.Series(0, index=part.index)
    columns = (
        part["columns"] if "columns" in part else pd.Series([()] * len(part), index=part.index)
    )
    return pd.DataFrame(
        {
            "Synthetic row": part["row"].to_numpy(),
            "Reasons": [", ".join(LABELS.get(k, k) for k in ks) for ks in part["kinds"]],
            "Seriousness": part["score"].to_numpy(),
            "Flagged in": [
                stable_in(float(s), int(r)) for s, r in zip(stability, runs, strict=True)
            ],
            "Closest real row": pd.array(np.where(closest >= 0, closest, None), dtype="Int64"),
            "Columns": [", ".join(map(str, c)) for c in columns],
            "Why": part["reason"].to_numpy(),  # last: the long sentence may run past the edge
        }
    )


def row_comparison(loaded: Loaded, flag: pd.Series) -> None:
    """The selected synthetic row next to its closest real record (the view the Review page
    shows too), its reason first."""
    closest = int(flag["closest_real"])
    st.markdown(md(str(flag["reason"])))
    row_compare.show(loaded, int(flag["row"]), closest if closest >= 0 else None,
                     str(flag["reason"]), list(flag["kinds"]), state.redact(),
                     columns=tuple(flag.get("columns", ())))  # fmt: skip
