"""One synthetic row beside its closest real record: the view the Review detail and the Outliers
& privacy page share, with one rule for "same".

The rule: numbers (and dates) are the same when equal within a tiny relative tolerance, missing
equals missing, categories compare as text; id and text columns are not compared (an id is
unique by design, so a copied row always differs there), nor are columns outside the schema.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from components import state
from components.assessment import Loaded
from metrics import privacy as privacy_mod
from metrics.schema import Kind, Schema
from outputs.escape import md

HIDDEN = "(hidden)"
REL_TOL = 1e-9
SAME, DIFFERS = "yes", "differs"
NOT_COMPARED = {Kind.ID: "not compared (id)", Kind.TEXT: "not compared (text)"}
NOT_IN_SCHEMA = "not compared (not in both files)"
# Reasons whose synthetic values are (nearly) a real record: hidden too when redacting.
REAL_LIKE = ("copied", "near_copy")
FLAGGED, DIFFERENT = "#FDE2E2", "#FEF3C7"


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def cell(value: Any) -> str:
    """A value as the table shows it: whole floats without ``.0``, missing as ``(missing)``."""
    if _missing(value):
        return "(missing)"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.6g}"
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _date(value: Any, fmt: str | None) -> pd.Timestamp | None:
    parsed = pd.to_datetime(value, format=fmt, errors="coerce")
    return None if pd.isna(parsed) else parsed


def same(a: Any, b: Any, kind: Kind, datetime_format: str | None = None) -> bool:
    """Whether two cells hold the same value under the shared rule (see the module doc)."""
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    if kind == Kind.DATETIME:
        x, y = _date(a, datetime_format), _date(b, datetime_format)
        if x is not None and y is not None:
            return x == y
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        return math.isclose(x, y, rel_tol=REL_TOL, abs_tol=0.0) or x == y
    return str(a) == str(b)


def verdicts(synthetic: Mapping[str, Any], real: Mapping[str, Any], schema: Schema) -> list[str]:
    """Per column of ``synthetic``: "yes", "differs" or why it is not compared."""
    known = set(schema.names())
    out = []
    for col, value in synthetic.items():
        if col not in known or col not in real:
            out.append(NOT_IN_SCHEMA)
            continue
        spec = schema.spec(col)
        if spec.kind in NOT_COMPARED:
            out.append(NOT_COMPARED[spec.kind])
            continue
        equal = same(value, real[col], spec.kind, spec.datetime_format)
        out.append(SAME if equal else DIFFERS)
    return out


def named_columns(reason: str, names: Iterable[str]) -> set[str]:
    """The columns a flag's reason is about (its sentences start "<column> = ..." or
    "<column> is/holds ...")."""
    return {c for c in names
            if re.search(rf"(?:^|[\s;:(]){re.escape(c)} (?:=|is |holds )", reason)}  # fmt: skip


def compare_frame(synthetic: pd.Series, real: pd.Series | None, schema: Schema, reason: str,
                  redact: bool, copies_real: bool,
                  columns: Iterable[str] = ()) -> pd.DataFrame:  # fmt: skip
    """Column | Synthetic | Closest real record | Same | Flag: one line per synthetic column.

    ``redact`` hides the real values (and "Same", which would reveal them beside a shown
    synthetic value); ``copies_real`` hides the synthetic values too when redacting.
    ``columns``: the columns the flag names (its ``columns``), marked besides those its
    reason's sentences start with.
    """
    names = [str(c) for c in synthetic.index]
    values = [synthetic[c] for c in synthetic.index]
    out = pd.DataFrame({
        "Column": names,
        "Synthetic": [HIDDEN if redact and copies_real else cell(v) for v in values],
    })  # fmt: skip
    if real is not None:
        out["Closest real record"] = [
            HIDDEN if redact else cell(real[c]) if c in real.index else "(no such column)"
            for c in names
        ]
        if not redact:
            out["Same"] = verdicts(dict(zip(names, values, strict=True)), real.to_dict(), schema)
    named = named_columns(reason, names) | {str(c) for c in columns}
    out["Flag"] = ["named in the reason" if c in named else "" for c in names]
    return out


def _mark(line: pd.Series) -> list[str]:
    colour = FLAGGED if line.get("Flag") else DIFFERENT if line.get("Same") == DIFFERS else ""
    return [f"background-color: {colour}" if colour else ""] * len(line)


def _lookup(loaded: Loaded, row: int, closest: int | None) -> tuple[pd.Series | None, float, float]:
    """The closest real record, the row's distance to it and the near-copy threshold."""
    real_table = state.table("real")
    real = None
    if real_table is not None and closest is not None and 0 <= closest < len(real_table.frame):
        real = real_table.frame.iloc[int(closest)]
    found = privacy_mod.info(loaded.assessment.result("privacy"))  # empty when it failed
    dist = found.closest_distance
    distance = float(dist[row]) if 0 <= row < len(dist) else math.nan
    return real, distance, float(found.near_copy_threshold)


def show(loaded: Loaded, row: int, closest: int | None, reason: str, reasons: Iterable[str],
         redact: bool, values: pd.Series | None = None,
         columns: Iterable[str] = ()) -> None:  # fmt: skip
    """Synthetic row ``row`` (or its stored ``values``) beside its closest real record, with
    the distance between them and the differing cells marked; ``columns`` (the flag's) in red."""
    if values is None:
        syn = state.table("synthetic")
        in_file = syn is not None and 0 <= row < len(syn.frame)
        values = syn.frame.iloc[row] if in_file else pd.Series(dtype=object)
    real, distance, threshold = _lookup(loaded, row, closest)
    copies_real = any(r in REAL_LIKE for r in reasons)
    where = f"real row {closest}" if real is not None else "no closest real record known"
    st.markdown(f"**Synthetic row {row} beside its closest real record ({where})**")
    if math.isfinite(distance):
        near = f"; near copies are below {threshold:.3g}" if math.isfinite(threshold) else ""
        st.caption(f"Distance to the closest real record: {distance:.3f} (0 = identical{near}).")
    table = compare_frame(values, real, loaded.enc.schema, reason, redact, copies_real, columns)
    named = [md(c) for c, f in zip(table["Column"], table["Flag"], strict=True) if f]
    if named:
        st.caption(f"The flag's reason names {', '.join(named)} (in red).")
    if redact:
        also = " and this row's values (it copies a real record)" if copies_real else ""
        st.caption(f"Redact real values is on: real values{also} are hidden.")
    else:
        st.caption(
            "Amber: the value differs from the closest real record. Numbers count as the same "
            "within a relative 1e-9; id and text columns are not compared."
        )
    # "Flag" stays in the data (it drives the red) but is not drawn: the caption names those
    # columns, and four columns fit the Review page's half-width detail view.
    shown = [c for c in table.columns if c != "Flag"]
    st.dataframe(table.style.apply(_mark, axis=1), hide_index=True, width="stretch",
                 height=min(680, 35 * (len(table) + 1) + 3), column_order=shown,
                 column_config={"Column": st.column_config.TextColumn(width=135),
                                "Synthetic": st.column_config.TextColumn(width=90),
                                "Closest real record": st.column_config.TextColumn(
                                    "Closest real", width=95, help="The closest real record"),
                                "Same": st.column_config.TextColumn(width=120)})  # fmt: skip
