"""The Overview's verdict: ready to sign off or not, why, and where each finding is shown.

Each test has its own SQLite review database, and a second ``Store`` on it plays the colleague
who settles findings in another browser.
"""

from __future__ import annotations

import re

from tests.app.conftest import click, new_app, no_exceptions, save_policy, texts

ITEM_KEY = "synthlens.review.item"  # components.state: the item in the Review detail view


def overview():
    at = new_app()
    click(at, "Load demo data")
    at.switch_page("pages/overview.py").run()
    no_exceptions(at)
    return at


def links(at) -> dict[str, str]:
    """Link label -> the page's URL path (pages/pairs.py -> "pairs")."""
    return {link.value: link.proto.page for link in at.page_link}


def test_overview_says_not_ready_and_why(db):
    at = overview()
    body = texts(at)
    assert "Not ready to sign off" in body
    # The failing gates of the default policy, and the open high findings, by number.
    assert "Privacy score" in body and "default policy" in body
    # (how many: as the demo's metrics find them; the planted copies and invalid values are two)
    opened = re.search(r"(\d+) open high-severity findings? wait", body)
    assert opened and int(opened.group(1)) >= 2, body
    assert any("red[" in m.value and "Not ready to sign off" in m.value for m in at.markdown)
    assert {"review", "signoff"} <= set(links(at).values())
    assert "Seed" not in body


def test_overview_follows_the_stored_policy(db):
    at = overview()
    run = db.runs()[0].id
    for item in db.items(run, severity="high", status="open"):
        if item.row is None:
            db.decide(item.id, "accepted", "Ana", expected_version=item.version)
    save_policy(db)  # an admin saves a lenient policy (the Sign-off page's editor does this)
    at.run()
    no_exceptions(at)
    body = texts(at)
    assert "Ready to sign off" in body and "Not ready" not in body
    assert "policy version 1" in body
    assert any("green[" in m.value and "Ready to sign off" in m.value for m in at.markdown)


def test_each_finding_links_to_its_page_and_opens_its_review_item(db):
    at = overview()
    pages = set(links(at).values())
    # The demo's findings: a pair, a column, rows and privacy, utility.
    assert {"pairs", "columns", "outliers"} <= pages
    buttons = [b for b in at.button if b.label == "Open in Review"]
    assert len(buttons) >= 4
    run = db.runs()[0].id
    pair = next(i for i in db.items(run) if i.kind == "pair")
    at.button(key=f"synthlens.w.open_item.{pair.id}").click().run()
    no_exceptions(at)
    assert at.session_state[ITEM_KEY] == pair.id
    assert at.title[0].value == "Review"


def test_verdict_words_are_coloured_and_never_good_beside_a_high_finding(db):
    at = overview()
    captions = [c.value for c in at.caption]
    # Coverage (0.997) holds the planted invalid values' high finding: not called good.
    assert ":red[1 high-severity finding despite the score]" in captions, captions
    assert not [c for c in captions if c.startswith(":red[") and "good" in c]
    # Utility for 'placed' is trivially predictable: shown, not counted.
    assert ":gray[not counted in Overall]" in captions
    assert {m.label: m.value for m in at.metric}["Utility"] == "1.00"


def _plain(markdown: str) -> str:
    """Markdown text as read: the backslash escapes ``outputs.escape.md`` adds removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def test_each_score_is_said_with_its_interval_and_floor_and_how_they_were_made(db):
    at = overview()
    [lines] = [_plain(m.value) for m in at.markdown if m.value.startswith("- Overall")]
    # The planted copies put privacy far below what the holdout (a real sample) scores.
    assert re.search(
        r"Privacy 0\.\d\d \(95% interval 0\.\d\d-0\.\d\d\); an independent "
        r"real sample scores about 0\.9\d\.",
        lines,
    ), lines
    assert re.search(
        r"Fidelity 0\.\d+(: as good as an independent real sample)? \(95% interval", lines
    ), lines
    assert "Utility 1.00 is not counted in Overall: 'placed' is trivially predictable" in lines
    [method] = [x for x in at.expander if x.label == "How the intervals and floors were made"]
    said = _plain(" ".join(str(m.value) for m in [*method.markdown, *method.caption]))
    assert "200 seeded resamples (seed 0)" in said and "Wilson" in said and "DeLong" in said


def test_a_score_just_below_one_is_not_shown_as_1_00():
    from components.scorecard import score_text

    assert score_text(0.997) == "0.997" and score_text(1.0) == "1.00" and score_text(0.93) == "0.93"
    assert score_text(0.9996) == "0.9996" and score_text(0.003) == "0.003"


def test_a_high_finding_about_invalid_rows_keeps_coverage_from_being_good():
    from components.scorecard import verdict_words
    from tests.demo_pair import assessment

    a = assessment()
    # The demo plants invalid values (a high "invalid rows" flag finding): coverage's 0.997
    # speaks of the same values, so it is not called good.
    assert a.scores["coverage"] > 0.99
    words = verdict_words(a, "coverage")
    assert words.startswith(":red[") and "good" not in words, words
