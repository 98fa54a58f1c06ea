"""Score cards and findings lists, with the meaning of each number next to it."""

from __future__ import annotations

import math
from collections.abc import Sequence

import streamlit as st

from components import state
from metrics.flags_kinds import FLAG_FAMILY
from metrics.results import Finding
from metrics.suite import FAMILY_LABELS, FAMILY_MEANINGS, Assessment
from outputs.escape import md
from outputs.words import plural

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


VERDICT_COLOR = {"good": "green", "fair": "orange", "poor": "red"}


def score_text(value: float) -> str:
    """Two decimals, or three where two would round a score that is not perfect up to 1.00."""
    if not math.isfinite(value):
        return "n/a"
    return f"{value:.3f}" if 0.995 <= value < 1 else f"{value:.2f}"


def _family(a: Assessment, f: Finding) -> str | None:
    """The scored family a finding speaks to; a row-flag finding by its reason."""
    family = getattr(a.results.get(f.metric), "family", None)
    if family == "rows":
        return FLAG_FAMILY.get(f.kind.removesuffix("_rows"))
    return family


def _highs(a: Assessment, family: str) -> int:
    """High-severity findings of a family (every family's for ``overall``)."""
    return sum(
        f.severity == "high" and (family == "overall" or _family(a, f) == family)
        for f in a.findings
    )


def verdict_words(a: Assessment, family: str) -> str:
    """The verdict under a score card, in colour; never "good" beside a high finding."""
    value = a.scores.get(family, float("nan"))
    if not math.isfinite(value):
        return md(_why_missing(a, family))
    word, highs = verdict(value), _highs(a, family)
    if highs:
        return f":red[{word} score, but {plural(highs, 'high-severity finding')}]"
    return f":{VERDICT_COLOR[word]}[{word}]"


def score_cards(a: Assessment) -> None:
    """Overall and per-family scores, each with what it means as its help text."""
    names = ["overall", *[f for f in FAMILY_LABELS if f != "overall"]]
    cols = st.columns(len(names))
    for col, name in zip(cols, names, strict=True):
        value = a.scores.get(name, float("nan"))
        col.metric(FAMILY_LABELS[name], score_text(value), help=FAMILY_MEANINGS[name], border=True)
        col.caption(verdict_words(a, name))


def _why_missing(a: Assessment, family: str) -> str:
    errors = [r.error for r in a.results.values() if r.family == family and r.error]
    if errors:
        return errors[0]
    if family == "utility":
        return "needs a target column (Utility page)"
    return "not computed"


# Where each metric's findings are drawn: the page and the words of the link.
FINDING_PAGES = {
    "column_shapes": ("pages/columns.py", "Columns", ":material/bar_chart:"),
    "missing_values": ("pages/columns.py", "Columns", ":material/bar_chart:"),
    "coverage": ("pages/columns.py", "Columns", ":material/bar_chart:"),
    "validity": ("pages/columns.py", "Columns", ":material/bar_chart:"),
    "pair_trends": ("pages/pairs.py", "Pairs", ":material/grid_on:"),
    "detection": ("pages/outliers.py", "Outliers & privacy", ":material/policy:"),
    "privacy": ("pages/outliers.py", "Outliers & privacy", ":material/policy:"),
    "row_flags": ("pages/outliers.py", "Outliers & privacy", ":material/policy:"),
    "utility": ("pages/utility.py", "Utility", ":material/model_training:"),
}


def finding_page(f: Finding) -> tuple[str, str, str] | None:
    """The page that shows a finding's evidence: (path, title, icon), or None."""
    if f.metric in FINDING_PAGES:
        return FINDING_PAGES[f.metric]
    return FINDING_PAGES["column_shapes"] if f.columns else None


def finding_line(f: Finding) -> None:
    """A finding's severity and sentence; column names and values in it are shown literally."""
    color = SEVERITY_COLOR.get(f.severity, "gray")
    st.markdown(f":{color}-badge[{f.severity}] {md(f.message)}")


def _open_in_review(item_id: int) -> None:
    state.set_review_item(item_id)
    st.switch_page("pages/review.py")


def findings_list(findings: list[Finding], item_ids: Sequence[int | None] = (),
                  limit: int = 8) -> None:  # fmt: skip
    """The most serious findings, each with a link to the page that shows it and, when the
    review queue holds it (``item_ids``, one per finding), a button that opens it there."""
    if not findings:
        st.success("No findings: nothing departs from the real data enough to need a look.")
        return
    ids = list(item_ids) + [None] * (len(findings) - len(item_ids))
    for f, item_id in list(zip(findings, ids, strict=True))[:limit]:
        with st.container(border=True, gap="small"):
            finding_line(f)
            bar = st.container(horizontal=True, gap="small", vertical_alignment="center")
            page = finding_page(f)
            if page is not None:
                path, title, icon = page
                bar.page_link(path, label=f"See it on {title}", icon=icon)
            if item_id is not None and bar.button(
                "Open in Review", key=state.widget_key("open_item", item_id), type="tertiary",
                icon=":material/rule:", help="Open this finding in the review queue",
            ):  # fmt: skip
                _open_in_review(item_id)
    if len(findings) > limit:
        more = plural(len(findings) - limit, "more finding")
        st.caption(f"{more} in the review queue and the report.")
