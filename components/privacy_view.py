"""The Privacy page's verdict line and its copies-and-distances section (moved here from the
Outliers page so that every privacy number lives on one page)."""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from components import scorecard
from components.assessment import Loaded
from metrics import flags as flags_mod
from metrics import privacy as privacy_mod
from metrics import privacy_attacks as attacks_mod
from metrics.flags_kinds import NEAR_COPY
from metrics.privacy_attacks_info import ATTACK_LABELS
from metrics.privacy_info import near_copy_sentence
from metrics.suite import Assessment
from metrics.uncertainty import interval_words
from outputs import row_charts
from outputs import score_words as sw
from outputs.escape import md
from outputs.result_words import DISTANCE_WORDS, copy_sentence, dcr_sentence, privacy_help
from outputs.result_words import pct as _pct
from outputs.words import plural


def rule_sentence(info: object) -> str:
    """Which rule set the privacy score, in a sentence ("" until the metric says it).

    ``score_rule_sentence`` when the privacy result has it; ``score_rule`` when that is
    itself a sentence (older shapes of :class:`metrics.privacy_info.PrivacyInfo`)."""
    sentence = str(getattr(info, "score_rule_sentence", "") or "")
    rule = str(getattr(info, "score_rule", "") or "")
    return sentence or (rule if rule.endswith(".") else "")


def largest_risk_sentence(loaded: Loaded) -> str:
    """The attack with the largest risk bound in a sentence, or why no attack ran."""
    found = attacks_mod.info(loaded.assessment.result("privacy_attacks"))
    if found.control == "none":
        return "No attack risk is measured: there are no real rows the generator never saw."
    worst = found.attack(found.max_risk_attack)
    if worst is None:
        return ""
    lo, hi = worst.interval
    return (
        f"The largest attack risk: {ATTACK_LABELS[worst.attack].lower()}, {worst.risk:.2f} "
        f"(interval {lo:.2f}-{hi:.2f})."
    )


def verdict_words(a: Assessment) -> str:
    """The privacy verdict and its high-severity findings side by side, in colour (fixed words
    only). The Overview's "N findings despite the score" would read oddly beside a low score."""
    word, highs = sw.family_verdict(a, "privacy")
    # Never green beside a high-severity finding (as the Overview's cards).
    text = f":{'red' if highs else sw.verdict_color(word)}[{word}]"
    return text + (f" · :red[{plural(highs, 'high-severity finding')}]" if highs else "")


def verdict(loaded: Loaded) -> None:
    """The privacy score, its verdict and the rule that decided it, in one line."""
    a = loaded.assessment
    res = a.result("privacy")
    left, right = st.columns([1, 4], vertical_alignment="center")
    value = a.scores.get("privacy", res.score if res is not None else float("nan"))
    left.metric("Privacy score", scorecard.score_text(value), help=privacy_help(), border=True)
    if res is None or res.error:
        why = res.error if res is not None else "it is not part of this run"
        right.warning(md(f"The privacy score was not computed: {why}"), icon=":material/warning:")
        right.markdown(md(largest_risk_sentence(loaded)))
        return
    ex = privacy_mod.info(res)
    rule = rule_sentence(ex) or largest_risk_sentence(loaded)
    right.markdown(f"**{verdict_words(a)}** · {md(rule)}")
    words = interval_words(res.score, res.interval, res.floor, confidence=a.options.confidence)
    right.caption(md(f"Privacy score {words}. 1 = no sign that real records leak."))


def _unique_copies_line(ex: privacy_mod.PrivacyInfo) -> None:
    uc = getattr(ex, "unique_copies", None)
    if uc is None:
        return
    st.markdown(md(
        f"{plural(uc.copies, 'synthetic row')} ({_pct(uc.rate)}) reproduce a training record "
        f"found nowhere else in the real data, against {_pct(uc.natural_rate)} of real rows "
        f"the generator never saw. {uc.note}"
    ))  # fmt: skip


def copies_summary(loaded: Loaded) -> None:
    """Exact copies, copies of unique records, near copies and the DCR share, each with what
    it means."""
    res = loaded.assessment.result("privacy")
    if res is None or res.error:
        st.warning(md(f"Copies were not counted: {res.error if res else 'no result'}"))
        return
    ex, n = privacy_mod.info(res), loaded.enc.synthetic.n_rows
    box = st.error if ex.exact_copies else st.success
    box(copy_sentence(ex, n), icon=":material/content_copy:")
    _unique_copies_line(ex)
    st.markdown(md(near_copy_sentence(ex)))
    st.markdown(dcr_sentence(ex, split=loaded.enc.holdout is None))
    st.caption(md(ex.holdout_note + " " + ex.sample_note))
    near = flags_mod.info(loaded.assessment.result("row_flags")).count_by_kind.get(NEAR_COPY, 0)
    a, b, c = st.columns(3)
    a.metric("Exact copies", f"{ex.exact_copies:,} of {n:,}", border=True,
             help="Synthetic rows equal to a real row on every compared column (id and text "
                  f"columns left out). {ex.baseline_note}")  # fmt: skip
    b.metric("Nearer training rows", _pct(ex.dcr_share), border=True,
             help="DCR share: of the synthetic rows, the share whose closest real record is a "
                  f"training row. Expected without memorisation: {_pct(ex.dcr_expected)}.")  # fmt: skip
    b.caption(f"expected {_pct(ex.dcr_expected)}")
    c.metric("Near copies", f"{near:,}", border=True,
             help="Synthetic rows (not exact copies) equal to a real row on every column but "
                  "one number, at most 1% of its range apart, or closer to a training record "
                  "than 99% of real holdout rows get.")  # fmt: skip
    c.caption(f"threshold: distance {ex.near_copy_threshold:.3g}")
    st.caption("Each copied row is listed, beside the real record it copies, among the flagged "
               "rows of the Outliers page.")  # fmt: skip


def distance_chart(loaded: Loaded, key: str = "dcr_hist") -> None:
    """Distances to the closest training record: synthetic rows against real holdout rows."""
    res = loaded.assessment.result("privacy")
    if res is None or res.error:
        return
    ex = privacy_mod.info(res)
    syn, hold = np.asarray(ex.dcr_synthetic), np.asarray(ex.dcr_holdout)
    thr = float(ex.near_copy_threshold)
    st.plotly_chart(row_charts.distance_histogram(syn, hold, thr), key=key)
    copies = int(np.sum(syn == 0))
    lines = [
        "Each bar is the share of rows at that distance from their closest training record. "
        "If the generator does not copy, the amber synthetic bars sit where the green holdout "
        "bars (real rows it never saw) sit; amber bars piled up to the left mean rows too close "
        "to real ones.",
        f"{plural(copies, 'synthetic row')} {'sits' if copies == 1 else 'sit'} at distance 0 "
        "(identical on every compared column)." if copies else "",
        f"Left of the red line ({thr:.3g}) only 1% of holdout rows fall: synthetic rows there "
        "are flagged as near copies." if math.isfinite(thr) else "",
    ]  # fmt: skip
    st.caption(" ".join(p for p in lines if p))
    st.caption(DISTANCE_WORDS)
