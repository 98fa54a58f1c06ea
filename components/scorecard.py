"""Score cards and findings lists, with the meaning of each number next to it."""

from __future__ import annotations

import math

import streamlit as st

from metrics.results import Finding
from metrics.suite import FAMILY_LABELS, FAMILY_MEANINGS, Assessment

SEVERITY_ICON = {
    "high": ":material/error:",
    "medium": ":material/warning:",
    "low": ":material/info:",
}
SEVERITY_COLOR = {"high": "red", "medium": "orange", "low": "blue"}


def verdict(score: float) -> str:
    if not math.isfinite(score):
        return "not computed"
    if score >= 0.85:
        return "good"
    if score >= 0.7:
        return "fair"
    return "poor"


def score_cards(a: Assessment) -> None:
    """Overall and per-family scores, each with what it means as its help text."""
    names = ["overall", *[f for f in FAMILY_LABELS if f != "overall"]]
    cols = st.columns(len(names))
    for col, name in zip(cols, names, strict=True):
        value = a.scores.get(name, float("nan"))
        shown = f"{value:.2f}" if math.isfinite(value) else "n/a"
        col.metric(FAMILY_LABELS[name], shown, help=FAMILY_MEANINGS[name], border=True)
        col.caption(verdict(value) if math.isfinite(value) else _why_missing(a, name))


def _why_missing(a: Assessment, family: str) -> str:
    errors = [r.error for r in a.results.values() if r.family == family and r.error]
    if errors:
        return errors[0]
    if family == "utility":
        return "needs a target column (Utility page)"
    return "not computed"


def finding_line(f: Finding) -> None:
    color = SEVERITY_COLOR.get(f.severity, "gray")
    st.markdown(f":{color}-badge[{f.severity}] {_escape_md(f.message)}")


def findings_list(findings: list[Finding], limit: int = 8) -> None:
    if not findings:
        st.success("No findings: nothing departs from the real data enough to need a look.")
        return
    for f in findings[:limit]:
        finding_line(f)
    if len(findings) > limit:
        st.caption(f"{len(findings) - limit} more findings in the review queue and the report.")


def _escape_md(text: str) -> str:
    # Column names and values come from users' files: keep Markdown from interpreting them.
    for ch in "\\`*_{}[]<>#|$~":
        text = text.replace(ch, "\\" + ch)
    return text
