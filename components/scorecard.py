"""Score cards and findings lists, with the meaning of each number next to it."""

from __future__ import annotations

import math
from collections.abc import Sequence

import streamlit as st

from components import state
from metrics.results import Finding
from metrics.suite import FAMILY_LABELS, FAMILY_MEANINGS, Assessment
from outputs import score_words as sw
from outputs.escape import md
from outputs.finding_groups import FIRST, Group, beyond_text, first_and_rest
from outputs.words import plural

SEVERITY_ICON = {
    "high": ":material/error:",
    "medium": ":material/warning:",
    "low": ":material/info:",
}
SEVERITY_COLOR = {"high": "red", "medium": "orange", "low": "blue"}


def verdict(
    score: float, interval: tuple[float, float] | None = None, floor: float | None = None
) -> str:
    """good, fair, poor, not computed; "as good as an independent real sample" when the
    score's interval reaches its floor (``outputs.score_words.verdict``)."""
    return sw.verdict(score, interval, floor)


VERDICT_COLOR = sw.VERDICT_COLOR


def score_text(value: float) -> str:
    """Two decimals, or more where two would round a score that is not perfect up to 1.00."""
    return sw.score_text(value)


def verdict_words(a: Assessment, family: str) -> str:
    """The verdict under a score card, in colour; never "good" beside a high finding, and "not
    counted" for a score kept out of Overall."""
    if sw.excluded_result(a, family) is not None:
        return ":gray[not counted in Overall]"
    value = a.scores.get(family, float("nan"))
    if not math.isfinite(value):
        return md(sw.missing_words(a, family))
    word, highs = sw.family_verdict(a, family)
    color = "red" if highs else sw.verdict_color(word)
    # Fixed words and numbers only (no user text), so nothing in them needs escaping.
    return f":{color}[{sw.verdict_text(word, highs)}]"


def score_cards(a: Assessment) -> None:
    """Overall and per-family scores, each with what it means as its help text, its verdict,
    and below the cards each score in words with its interval and floor."""
    names = ["overall", *[f for f in FAMILY_LABELS if f != "overall"]]
    cols = st.columns(len(names))
    for col, name in zip(cols, names, strict=True):
        excluded = sw.excluded_result(a, name)
        value = excluded.score if excluded is not None else a.scores.get(name, float("nan"))
        col.metric(FAMILY_LABELS[name], score_text(value), help=FAMILY_MEANINGS[name], border=True)
        col.caption(verdict_words(a, name))
    lines = [sw.family_words(a, name) for name in names]
    if a.intervals or a.floors or any(sw.excluded_result(a, n) for n in names):
        st.markdown("\n".join(f"- {md(line)}" for line in lines))
        with st.expander("How the intervals and floors were made"):
            st.caption(md(sw.method_summary(a.options)))
            st.markdown("\n".join(
                f"- **{md(name.replace('_', ' ').capitalize())}**: {md(text)}"
                for name, text in sw.methods().items() if a.result(name) is not None))  # fmt: skip


# Where each metric's findings are drawn: the page and the words of the link.
FINDING_PAGES = {
    "column_shapes": ("pages/columns.py", "Columns", ":material/bar_chart:"),
    "missing_values": ("pages/columns.py", "Columns", ":material/bar_chart:"),
    "coverage": ("pages/columns.py", "Columns", ":material/bar_chart:"),
    "validity": ("pages/columns.py", "Columns", ":material/bar_chart:"),
    "pair_trends": ("pages/pairs.py", "Pairs", ":material/grid_on:"),
    "detection": ("pages/outliers.py", "Outliers", ":material/policy:"),
    "privacy": ("pages/privacy.py", "Privacy", ":material/shield_person:"),
    "privacy_attacks": ("pages/privacy.py", "Privacy", ":material/shield_person:"),
    "row_flags": ("pages/outliers.py", "Outliers", ":material/policy:"),
    "utility": ("pages/utility.py", "Utility", ":material/model_training:"),
    "subgroups": ("pages/subgroups.py", "Subgroups", ":material/groups:"),
    # The rows that break a rule are listed, with their values, among the flagged rows.
    "rules": ("pages/outliers.py", "Outliers", ":material/policy:"),
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


def _finding_box(f: Finding, item_id: int | None) -> None:
    """One finding: its sentence, how far below a real sample it sits, a link to the page that
    shows it and, when the review queue holds it, a button that opens it there."""
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
        beyond = beyond_text(f)
        if beyond:
            bar.caption(md(beyond), help="How far the score sits below what an independent "
                        "real sample scores, beyond its interval: findings rank by it.")  # fmt: skip


def _groups(findings: Sequence[Finding], ids: Sequence[int | None], groups: list[Group]) -> None:
    for g in groups:
        n = len(g.members)
        st.markdown(f"**{md(g.title)}**" + (f" ({n})" if n > 1 else ""))
        for i in g.members:
            _finding_box(findings[i], ids[i])


def findings_list(findings: list[Finding], item_ids: Sequence[int | None] = (),
                  first: int = FIRST) -> None:  # fmt: skip
    """The most serious findings (ranked by severity, then by distance beyond the noise floor),
    grouped by cause; the first ``first`` in view and the rest in one expander.

    ``item_ids``: the review item of each finding (None where the queue holds none).
    """
    if not findings:
        st.success("No findings: nothing departs from the real data enough to need a look.")
        return
    ids = list(item_ids)[: len(findings)] + [None] * (len(findings) - len(item_ids))
    shown, rest = first_and_rest(findings, first)
    _groups(findings, ids, shown)
    if rest:
        more = plural(sum(len(g.members) for g in rest), "more finding")
        with st.expander(f"{more}, grouped by cause"):
            _groups(findings, ids, rest)
