"""Hostile names and values through every page: nothing a user's file or a reviewer typed may be
interpreted as Markdown, HTML or a Streamlit directive (issue 10, items 7 and 8).

The check reads what each element hands the browser: a payload that arrives verbatim outside a
code span would be rendered (an image fetched, a link made, a colour applied); an escaped one
arrives with backslashes and renders as the literal text.
"""

from __future__ import annotations

import json
import re

from outputs.escape import md
from tests.app.conftest import click, new_app, no_exceptions
from tests.payloads import LIVE, hostile_pair, payloads

PAGES = ["pages/data.py", "pages/schema.py", "pages/overview.py", "pages/columns.py",
         "pages/pairs.py", "pages/subgroups.py", "pages/outliers.py", "pages/privacy.py",
         "pages/utility.py", "pages/review.py",
         "pages/signoff.py"]  # fmt: skip
W = "synthlens.w."
ITEM_KEY = "synthlens.review.item"
INTERPRETED = [payloads()[k] for k in (*LIVE, "directive", "latex")]
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)*?\1", re.S)


def _markdown_bodies(at) -> list[tuple[str, str]]:
    """(element type, Markdown source) of everything the page renders as Markdown."""
    out = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success",
                 "warning", "error", "exception"):  # fmt: skip
        out += [(kind, str(el.value)) for el in getattr(at, kind)]
    for kind in ("button", "text_input", "text_area", "selectbox", "radio", "toggle",
                 "checkbox", "multiselect"):  # fmt: skip
        out += [(kind + " label", str(el.label)) for el in getattr(at, kind)]
    out += [("expander", str(el.label)) for el in at.expander]
    out += [("tab", str(el.label)) for el in at.tabs]
    return out


def _raw_payloads(at) -> list[str]:
    found = []
    for kind, body in _markdown_bodies(at):
        text = CODE_SPAN.sub("", body)
        found += [f"{kind}: {p!r} in {body[:160]!r}" for p in INTERPRETED if p in text]
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        blob = json.dumps(spec, ensure_ascii=False)
        found += [f"plotly: {tag!r}" for tag in ("<a href", "<span style", "<img") if tag in blob]
    return found


def _decide_with_payloads(at) -> None:
    """A reviewer named with a payload waives an item with a payload reason and comment, then
    looks at it again: its status line and its history show what they typed, as text."""
    p = payloads()
    at.text_input(key=W + "reviewer_name").input(p["md_image"])
    click(at, "Start reviewing")
    item = at.session_state[ITEM_KEY]
    at.text_input(key=W + f"reason.{item}").input(p["directive"] + " " + p["html_img"])
    at.text_input(key=W + f"comment.{item}").input(p["md_link"] + " " + p["latex"])
    click(at, "Waive")
    no_exceptions(at)
    at.session_state[ITEM_KEY] = item
    at.run()
    no_exceptions(at)
    history = [e for e in at.expander if str(e.label).startswith("History")]
    assert history, "the waived item shows its history"


def test_hostile_names_and_values_are_shown_literally_on_every_page():
    real, synthetic = hostile_pair()
    at = new_app()
    ups = at.get("file_uploader")
    ups[0].set_value(("<img src=x>![r](http://127.0.0.1:9/f.png).csv", real, "text/csv"))
    ups[1].set_value(("[s](http://127.0.0.1:9/s).csv", synthetic, "text/csv"))
    at.run()
    no_exceptions(at)
    problems, shown = {}, {}
    for page in PAGES:
        at.switch_page(page).run()
        no_exceptions(at)
        if page.endswith("review.py"):
            _decide_with_payloads(at)
        problems[page] = _raw_payloads(at)
        shown[page] = sum(md(payloads()["md_image"]) in b for _, b in _markdown_bodies(at))
    assert not any(problems.values()), {p: v for p, v in problems.items() if v}
    # Not vacuous: the hostile column name does reach the pages, escaped.
    assert all(shown[p] for p in ("pages/overview.py", "pages/columns.py", "pages/review.py")), str(
        shown
    )


def test_a_bad_upload_named_with_a_payload_is_shown_literally():
    at = new_app()
    name = payloads()["md_image"] + ".csv"
    at.get("file_uploader")[0].set_value((name, b"a,b\n1,2\n3,4,5\n", "text/csv"))
    at.run()
    no_exceptions(at)
    assert at.error
    assert not _raw_payloads(at)


def test_privacy_attacks_on_hostile_names_are_shown_literally():
    """With a confirmed split the attacks run on the hostile pair: the secret columns' names
    reach the cards, the per-secret table and the charts, all inert."""
    real, synthetic = hostile_pair()
    at = new_app()
    ups = at.get("file_uploader")
    ups[0].set_value(("real.csv", real, "text/csv"))
    ups[1].set_value(("synthetic.csv", synthetic, "text/csv"))
    at.run()
    at.session_state["synthlens.privacy.unseen_share"] = 0.3  # 27 of the 90 rows as control
    at.switch_page("pages/privacy.py").run()
    no_exceptions(at)
    assert [m for m in at.metric if m.label == "Risk"], "the attacks ran against the split"
    assert at.get("plotly_chart")
    assert not _raw_payloads(at)
    # Not vacuous: the hostile names are secrets; a table cell shows them as typed.
    table = [d.value for d in at.dataframe if "Secret column" in d.value.columns][0]
    assert payloads()["html_img"] in set(table["Secret column"])
