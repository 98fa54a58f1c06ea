"""The Outliers & privacy page body: copies in plain words, flagged rows, distances."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from components import row_charts, scorecard, state
from components.assessment import Loaded
from metrics.encode import Encoded
from metrics.results import MetricResult

MAX_TABLE_ROWS = 2000  # rows sent to the browser per page of the flagged-rows table
HIDDEN = "(hidden)"
KIND_LABELS = {
    "invalid": "Invalid value",
    "anomalous": "Unusual combination",
    "copied": "Exact copy",
    "near_copy": "Near copy",
    "obviously_synthetic": "Obviously synthetic",
}
# metrics.privacy and metrics.flags are imported where used, not here: importing a metric module
# registers it, and the suite runs metrics in registration order (row flags need detection and
# privacy to have run first).
DISTANCE_WORDS = (
    "Distance between two rows: the root mean square of per-column differences, numbers in "
    "units of the real interquartile range, categories 0 when equal and 1 when not, a missing "
    "value against a present one 1. 0 means identical rows; two random rows are about 1 apart."
)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%" if math.isfinite(x) else "n/a"


def copy_sentence(extra: dict[str, Any], n_rows: int) -> str:
    """The exact-copy count in words a stakeholder understands."""
    k = int(extra.get("exact_copies", 0))
    if k == 0:
        return f"None of the {n_rows:,} synthetic rows is an exact copy of a real record."
    return (
        f"{k:,} of {n_rows:,} synthetic rows ({_pct(k / max(n_rows, 1))}) are exact copies of "
        "real records: whoever receives the synthetic data sees these real rows unchanged."
    )


def dcr_sentence(extra: dict[str, Any], split: bool = False) -> str:
    """What the DCR share means against the share a non-memorising generator gets.

    ``split``: no holdout was uploaded, so part of the real rows stood in for one; a share near
    the expected one then says little (a generator trained on every real row gets it too).
    """
    share, expected = extra.get("dcr_share", math.nan), extra.get("dcr_expected", math.nan)
    if not (math.isfinite(share) and math.isfinite(expected)):
        return "Without a holdout there is nothing to compare distances with: only copies count."
    score = extra.get("dcr_score", math.nan)
    verdict = (
        "close to that: no sign that the generator memorised its training rows"
        if share <= expected or score >= 0.9
        else "somewhat above: a mild sign that synthetic rows lean towards the training rows"
        if score >= 0.6
        else "well above: synthetic rows sit nearer the training rows than chance explains, "
        "a sign the generator reproduces them"
    )
    if split and (share <= expected or score >= 0.9):
        verdict = (
            "close to that; but without an uploaded holdout this clears the generator only if "
            "it never saw the stand-in rows"
        )
    n_t, n_h = extra.get("n_training"), extra.get("n_holdout")
    sizes = f" ({n_t:,} training rows of {n_t + n_h:,} real rows)" if n_t and n_h else ""
    return (
        f"{_pct(share)} of synthetic rows are closer to a training record than to any holdout "
        f"record. A generator that does not memorise lands near {_pct(expected)}{sizes}; this "
        f"is {verdict}."
    )


def privacy_help() -> str:
    from metrics.privacy import COPY_WEIGHT

    return (
        "1 = no sign that real records leak. score = min(copy score, DCR score); copy score = "
        f"max(0, 1 - {COPY_WEIGHT:g} x (exact-copy rate - holdout copy rate)); DCR score = "
        "min(1, (1 - DCR share) / (1 - expected share))."
    )


def privacy_summary(loaded: Loaded) -> None:
    """Copy count, DCR share and the privacy score, each with what it means."""
    res = loaded.assessment.result("privacy")
    if res is None or res.error:
        st.warning(f"Privacy was not measured: {res.error if res else 'no result'}")
        return
    ex, n = res.extra, loaded.enc.synthetic.n_rows
    box = st.error if ex.get("exact_copies") else st.success
    box(copy_sentence(ex, n), icon=":material/content_copy:")
    st.markdown(dcr_sentence(ex, split=loaded.enc.holdout is None))
    st.caption(ex.get("holdout_note", "") + " " + ex.get("sample_note", ""))
    flags = loaded.assessment.result("row_flags")
    near = (flags.extra.get("count_by_kind", {}) if flags else {}).get("near_copy", 0)
    a, b, c, d = st.columns(4)
    a.metric("Privacy score", f"{res.score:.2f}", help=privacy_help(), border=True)
    a.caption(f"Verdict: {scorecard.verdict(res.score)}")
    b.metric("Exact copies", f"{ex['exact_copies']:,} of {n:,}", border=True,
             help="Synthetic rows equal to a real row on every compared column (id and text "
                  f"columns left out). Holdout rows that equal a training row by chance: "
                  f"{_pct(ex.get('holdout_copy_rate', 0.0))}.")  # fmt: skip
    c.metric("Nearer training rows", _pct(ex["dcr_share"]), border=True,
             help="DCR share: of the synthetic rows, the share whose closest real record is a "
                  f"training row. Expected without memorisation: {_pct(ex['dcr_expected'])}.")  # fmt: skip
    c.caption(f"expected {_pct(ex['dcr_expected'])}")
    d.metric("Near copies", f"{near:,}", border=True,
             help="Synthetic rows (not exact copies) closer to a training record than 99% of "
                  "real holdout rows get.")  # fmt: skip
    d.caption(f"threshold: distance {ex.get('near_copy_threshold', math.nan):.3g}")


def reason_overview(loaded: Loaded) -> None:
    """The share of rows per reason, and what each reason means with the thresholds used."""
    res = _flags(loaded)
    if res is None:
        return
    ex, n = res.extra, loaded.enc.synthetic.n_rows
    counts = ex.get("count_by_kind", {})
    st.markdown(
        f"**{ex.get('n_flagged', 0):,} of {n:,} synthetic rows ({_pct(ex.get('flagged_share', 0))})"
        "** deserve a look. A row can have several reasons."
    )
    left, right = st.columns([2, 3])
    left.plotly_chart(row_charts.flag_share_bars(counts, n, KIND_LABELS), key="flag_shares")
    with right:
        for kind, words in reason_meanings(ex).items():
            st.markdown(f"- **{KIND_LABELS[kind]}** ({counts.get(kind, 0):,}): {words}")
    for note in ex.get("notes", []):
        st.caption(note)


def reason_meanings(extra: dict[str, Any]) -> dict[str, str]:
    """What each reason means, with the tolerance and thresholds this run used."""
    from metrics.flags import NATURAL_COPY_LIMIT

    tol, share = extra.get("range_tolerance", 0.01), extra.get("anomaly_share", 0.01)
    anomaly, near = extra.get("anomaly_threshold"), extra.get("near_copy_threshold", math.nan)
    level = f" (anomaly score above {anomaly:.2f})" if anomaly is not None else ""
    return {
        "invalid": f"a value the real data rules out: outside the real range by more than {tol:.0%}"
        " of that range, a category the real data never has, an unreadable value, a missing "
        "value where the real column is never missing, a broken whole-number or sign rule.",
        "anomalous": f"an unusual combination of values that only {share:.0%} of real rows "
        f"reach{level}, by an isolation forest fitted on the real rows.",
        "copied": "equal to a real row on every compared column (flagged only while fewer than "
        f"{NATURAL_COPY_LIMIT:.0%} of holdout rows equal a training row by chance).",
        "near_copy": f"closer to a training record (distance below {near:.3g}) than 99% of real "
        "holdout rows get.",
        "obviously_synthetic": "a classifier trained to tell real from synthetic rows gives it "
        f"at least a {extra.get('proba_level', 0.9):.0%} chance of being synthetic.",
    }


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
    details, counts = res.details, res.extra.get("count_by_kind", {})
    if details.empty:
        st.success("No synthetic row is flagged.", icon=":material/task_alt:")
        return None
    kinds = [k for k in KIND_LABELS if counts.get(k, 0)]
    chosen = st.multiselect(
        "Show rows flagged for", kinds, default=kinds, key=state.widget_key("flag_kinds"),
        format_func=lambda k: f"{KIND_LABELS[k]} ({counts.get(k, 0):,})",
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
        f"{len(shown):,} rows, most serious first. Click a row to compare it with its closest "
        "real record below."
    )
    event = st.dataframe(
        table_view(part), hide_index=True, on_select="rerun", selection_mode="single-row",
        key=state.widget_key("flag_table", *chosen, page), height=_height(len(part), 420),
        selection_default={"selection": {"rows": [0], "columns": []}},
        column_config={
            "Synthetic row": st.column_config.NumberColumn(
                help="0-based position in the synthetic file", format="%d", width="small"),
            "Reasons": st.column_config.TextColumn(width="medium"),
            "Seriousness": st.column_config.ProgressColumn(
                help="How sure or serious the surest reason is: 1 = certain", min_value=0.0,
                max_value=1.0, format="%.2f", width="small"),
            "Why": st.column_config.TextColumn(width="large"),
            "Closest real row": st.column_config.NumberColumn(
                help="0-based position in the real file of the closest real record", format="%d",
                width="small"),
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
    return pd.DataFrame(
        {
            "Synthetic row": part["row"].to_numpy(),
            "Reasons": [", ".join(KIND_LABELS.get(k, k) for k in ks) for ks in part["kinds"]],
            "Seriousness": part["score"].to_numpy(),
            "Closest real row": pd.array(np.where(closest >= 0, closest, None), dtype="Int64"),
            "Why": part["reason"].to_numpy(),  # last: the long sentence may run past the edge
        }
    )


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "(missing)"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.6g}"
    return str(value)


def same_values(enc: Encoded, syn_row: int, real_row: int) -> dict[str, bool | None]:
    """Per compared column: equal after encoding (``1`` = ``1.0``), or None for id/text."""
    out: dict[str, bool | None] = {}
    for col in enc.schema.names():
        if col in enc.synthetic.codes:
            out[col] = bool(enc.synthetic.codes[col][syn_row] == enc.real.codes[col][real_row])
        elif col in enc.synthetic.numeric:
            x, y = enc.synthetic.numeric[col][syn_row], enc.real.numeric[col][real_row]
            out[col] = bool(x == y or (np.isnan(x) and np.isnan(y)))
        else:
            out[col] = None
    return out


def compare_frame(loaded: Loaded, flag: pd.Series, redact: bool) -> pd.DataFrame:
    """Column | Synthetic | Closest real record | Same | Flag: one line per compared column."""
    syn, real = state.table("synthetic"), state.table("real")
    row, closest = int(flag["row"]), int(flag["closest_real"])
    names = loaded.enc.schema.names()
    hide_syn = redact and bool({"copied", "near_copy"}.intersection(flag["kinds"]))
    values = syn.frame.iloc[row] if syn is not None else pd.Series(dtype=object)
    named = named_columns(str(flag["reason"]), names)
    out = pd.DataFrame({
        "Column": names,
        "Synthetic": [HIDDEN if hide_syn else _cell(values.get(c)) for c in names],
    })  # fmt: skip
    if real is not None and 0 <= closest < len(real.frame):
        rec = real.frame.iloc[closest]
        out["Closest real record"] = [HIDDEN if redact else _cell(rec.get(c)) for c in names]
        if not redact:  # "same" beside a shown synthetic value would reveal the real one
            same = same_values(loaded.enc, row, closest)
            out["Same"] = ["not compared (id/text)" if same[c] is None else "yes" if same[c]
                           else "differs" for c in names]  # fmt: skip
    out["Flag"] = ["named in the reason" if c in named else "" for c in names]
    return out


def named_columns(reason: str, names: list[str]) -> set[str]:
    """The columns a flag's reason is about (its sentences start "<column> = ..." or
    "<column> is/holds ...")."""
    return {c for c in names
            if re.search(rf"(?:^|[\s;:(]){re.escape(c)} (?:=|is |holds )", reason)}  # fmt: skip


def row_comparison(loaded: Loaded, flag: pd.Series) -> None:
    """The selected synthetic row next to its closest real record, differing cells marked."""
    row, closest, redact = int(flag["row"]), int(flag["closest_real"]), state.redact()
    priv = loaded.assessment.result("privacy")
    dist = priv.extra.get("closest_distance", []) if priv is not None else []
    d = float(dist[row]) if len(dist) > row else math.nan
    where = f"real row {closest}" if closest >= 0 else "no closest real record known"
    st.markdown(f"**Synthetic row {row} beside its closest real record ({where})**")
    st.markdown(scorecard._escape_md(str(flag["reason"])))
    if math.isfinite(d):
        thr = priv.extra.get("near_copy_threshold", math.nan) if priv is not None else math.nan
        st.caption(f"Distance to the closest real record: {d:.3f} (0 = identical; near copies "
                   f"are below {thr:.3g}; the chart below explains the distance).")  # fmt: skip
    table = compare_frame(loaded, flag, redact)
    if redact:
        st.caption("Redact real values is on (Review page): real values are hidden.")
    else:
        st.caption("Red: a column the flag's reason names. Amber: the value differs from the "
                   "closest real record.")  # fmt: skip

    def mark(line: pd.Series) -> list[str]:
        color = ("background-color: #FDE2E2" if line.get("Flag") else
                 "background-color: #FEF3C7" if line.get("Same") == "differs" else "")  # fmt: skip
        return [color] * len(line)

    st.dataframe(table.style.apply(mark, axis=1), hide_index=True, width="stretch",
                 height=_height(len(table), 680))  # fmt: skip


def _height(rows: int, most: int) -> int:
    """A table height that shows every row up to ``most`` pixels (35 px a row and the header)."""
    return min(most, 35 * (rows + 1) + 3)


def distance_chart(loaded: Loaded) -> None:
    """Distances to the closest training record: synthetic rows against real holdout rows."""
    res = loaded.assessment.result("privacy")
    if res is None or res.error:
        return
    ex = res.extra
    syn, hold = np.asarray(ex["dcr_synthetic"]), np.asarray(ex.get("dcr_holdout", []))
    thr = float(ex.get("near_copy_threshold", math.nan))
    st.plotly_chart(row_charts.distance_histogram(syn, hold, thr), key="dcr_hist")
    copies = int(np.sum(syn == 0))
    lines = [
        "Each bar is the share of rows at that distance from their closest training record. "
        "If the generator does not copy, the amber synthetic bars sit where the green holdout "
        "bars (real rows it never saw) sit; amber bars piled up to the left mean rows too close "
        "to real ones.",
        f"{copies:,} synthetic rows sit at distance 0 (identical on every compared column)."
        if copies else "",
        f"Left of the red line ({thr:.3g}) only 1% of holdout rows fall: synthetic rows there "
        "are flagged as near copies." if math.isfinite(thr) else "",
    ]  # fmt: skip
    st.caption(" ".join(p for p in lines if p))
    st.caption(DISTANCE_WORDS)
