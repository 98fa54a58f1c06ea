"""The Privacy page's quasi-identifier section: unique records the synthetic data reproduces,
synthetic rows that match a small group of real records, and the sensitive columns' diversity
in those groups; or where to mark the columns when none are marked."""

from __future__ import annotations

import math

import streamlit as st

from metrics.privacy_attacks_info import AttacksInfo
from metrics.quasi_identifiers import QuasiIdentifiers
from outputs.escape import md


def _pct(x: float) -> str:
    return f"{x:.1%}" if math.isfinite(x) else "n/a"


def _interval(ci: tuple[float, float] | None) -> str:
    return f" (interval {ci[0]:.1%}-{ci[1]:.1%})" if ci is not None else ""


def _names(columns: tuple[str, ...]) -> str:
    return md(", ".join(map(str, columns)))


def unique_words(q: QuasiIdentifiers) -> str:
    return (
        f"{q.unique_matched:,} of the {q.n_unique:,} real records that are alone with their "
        f"quasi-identifier values have those exact values in some synthetic row"
        f"{_interval(q.unique_match_interval)}: each such synthetic row points at one real "
        "person."
    )


def small_words(q: QuasiIdentifiers) -> str:
    return (
        f"{q.small:,} of the {q.n_synthetic:,} synthetic rows share their quasi-identifier "
        f"values with at least one and fewer than {q.k} real records"
        f"{_interval(q.small_interval)}: someone who knows those values narrows a real person "
        f"down to fewer than {q.k} people. {q.unmatched:,} synthetic rows match no real record."
    )


def _diversity(q: QuasiIdentifiers, box) -> None:
    if not q.sensitive:
        box.metric("Single-valued sensitive groups", "n/a", border=True)
        box.caption("No sensitive column is marked (Schema page), so what the small groups "
                    "disclose is not measured.")  # fmt: skip
        return
    worst = max(q.diversity, key=lambda d: d.single_share if math.isfinite(d.single_share) else -1)
    box.metric("Single-valued sensitive groups", _pct(worst.single_share), border=True,
               help="Of the small-group synthetic rows, the share whose matching real records "
                    "all hold one value of the sensitive column.")  # fmt: skip
    for d in q.diversity:
        box.caption(md(
            f"{d.column}: {d.single:,} of the {q.small:,} small-group rows ({_pct(d.single_share)}) "
            f"match real records that all share one value, {d.mean_distinct:.1f} distinct "
            "values on average: knowing the quasi-identifiers discloses it for those."
        ))  # fmt: skip


def draw(found: AttacksInfo) -> None:
    """The three counts with a sentence each, or where to mark the columns."""
    q = found.quasi
    if q is None:
        st.caption(
            "No quasi-identifier is marked. Mark the columns an attacker could learn elsewhere "
            "(age, sex, postcode...) and the sensitive ones on the Schema page to count the real "
            "people the synthetic data singles out on them."
        )
        st.page_link("pages/schema.py", label="Mark them on Schema", icon=":material/table_rows:")
        return
    sens = f"; sensitive: {_names(q.sensitive)}" if q.sensitive else ""
    st.caption(f"Quasi-identifiers: {_names(q.columns)}{sens}.")
    a, b, c = st.columns(3)
    a.metric("Unique records reproduced", _pct(q.unique_match_share), border=True,
             help="NIST SDNist's unique exact matches.")  # fmt: skip
    a.caption(unique_words(q))
    b.metric(f"Rows in groups under {q.k}", _pct(q.small_share), border=True,
             help=f"k-anonymity with k = {q.k}.")  # fmt: skip
    b.caption(small_words(q))
    _diversity(q, c)
