"""The detection section of the Outliers page: the score with its interval, the
columns that give the synthetic rows away, and where in those columns the two sides differ."""

from __future__ import annotations

import streamlit as st

from components import scorecard
from components.assessment import Loaded
from metrics import detection as detection_mod
from metrics.detection_explain import ColumnExplanation
from metrics.results import MetricResult
from metrics.uncertainty import interval_words
from outputs import detection_charts
from outputs import score_words as sw
from outputs.escape import md

SCORE_HELP = (
    "1 - 2 x (ROC AUC - 0.5) of a gradient-boosted classifier trained to tell real rows from "
    "synthetic ones, cross-validated: 1 means it does no better than a coin, 0 that it "
    "separates every synthetic row from every real one."
)


def section(loaded: Loaded) -> None:
    """The whole section; a plain sentence instead when detection was skipped or failed."""
    res = loaded.assessment.result("detection")
    if res is None:
        st.info("Detection was not run: it is not part of this assessment.")
        return
    if res.error:
        st.warning(md(f"Detection was not run: {res.error}"))
        return
    found = detection_mod.info(res)
    score(res, found)
    if not found.importances:
        return
    left, right = st.columns([2, 3])
    with left:
        st.plotly_chart(detection_charts.importance_bars(found.importances),
                        key="detection_importances")  # fmt: skip
    with right:
        st.markdown(
            "**Which columns give the synthetic rows away?** Each bar is how much the "
            "classifier's ROC AUC drops when that column's values are shuffled among the rows: "
            "the more it drops, the more the classifier relies on that column."
        )
    explanation(found.explanation)


def score(res: MetricResult, found: detection_mod.DetectionInfo) -> None:
    """The score card with its verdict and interval in words, and what was measured."""
    a, b = st.columns([1, 3])
    a.metric("Detection score", scorecard.score_text(res.score), help=SCORE_HELP, border=True)
    word = scorecard.verdict(res.score, res.interval, res.floor)
    a.caption(f":{sw.verdict_color(word)}[{word}]")  # fixed words: nothing to escape
    with b:
        st.markdown(md("Score " + interval_words(res.score, res.interval, res.floor) + "."))
        st.caption(md(found.message))
        if found.separates_all:
            st.error(
                "The classifier tells almost every synthetic row apart: the synthetic data "
                "differs as a whole. Start with the columns below.",
                icon=":material/visibility:",
            )


def explanation(explained: list[ColumnExplanation]) -> None:
    """Per explained column: real and synthetic shares per value range, the named ranges
    shaded, and the ranges in sentences beside the chart."""
    if not explained:
        st.caption(
            "No column costs the classifier anything when shuffled, so there is no range to "
            "point at."
        )
        return
    st.markdown(
        "**Where do they differ?** For the most important columns: the share of real and "
        "synthetic rows in each range of values (cut at the real data's quantiles) or each "
        "category. Shaded: the ranges where the two sides differ most, beyond chance. The "
        "classifier's chance is the mean probability of being synthetic it gives the rows "
        "there (0.5 = cannot tell)."
    )
    for i, col in enumerate(explained):
        with st.container(border=True):
            chart, words = st.columns([3, 2])
            chart.plotly_chart(detection_charts.share_bars(col), key=f"detection_shares_{i}")
            with words:
                st.markdown(
                    f"**{md(col.column)}**: the AUC drops by {col.importance:.3f} when it is "
                    "shuffled."
                )
                if col.ranges:
                    st.markdown("\n".join(f"- {md(r.text)}" for r in col.ranges))
                else:
                    st.caption(md(col.text))
