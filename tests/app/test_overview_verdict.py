"""The Overview's verdict: ready to sign off or not, why, and where each finding is shown.

Each test has its own SQLite review database, and a second ``Store`` on it plays the colleague
who settles findings in another browser.
"""

from __future__ import annotations

from tests.app.conftest import LENIENT_POLICY, click, new_app, no_exceptions, texts

ITEM_KEY = "synthlens.review.item"  # components.state: the item in the Review detail view
POLICY_KEY = "synthlens.w.kept.policy_text"  # what the Sign-off page's policy editor keeps


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
    assert "4 open high-severity findings" in body
    assert any("red[" in m.value and "Not ready to sign off" in m.value for m in at.markdown)
    assert {"review", "signoff"} <= set(links(at).values())
    assert "Seed" not in body


def test_overview_follows_the_policy_edited_on_the_sign_off_page(db):
    at = overview()
    run = db.runs()[0].id
    for item in db.items(run, severity="high", status="open"):
        if item.row is None:
            db.decide(item.id, "accepted", "Ana", expected_version=item.version)
    at.session_state[POLICY_KEY] = LENIENT_POLICY
    at.run()
    no_exceptions(at)
    body = texts(at)
    assert "Ready to sign off" in body and "Not ready" not in body
    assert "your edited policy" in body
    assert any("green[" in m.value and "Ready to sign off" in m.value for m in at.markdown)
    at.session_state[POLICY_KEY] = "[gates]\noveral_min = 0.9\n"
    at.run()
    no_exceptions(at)
    assert "policy you edited on the Sign-off page cannot be read" in texts(at)


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
    assert ":red[good score, but 1 high-severity finding]" in captions, captions
    assert any(c.startswith(":red[") or c.startswith(":green[") for c in captions)
    assert ":green[good]" in captions  # utility (target placed): good, no high finding of its own


def test_a_score_just_below_one_is_not_shown_as_1_00():
    from components.scorecard import score_text

    assert score_text(0.997) == "0.997" and score_text(1.0) == "1.00" and score_text(0.93) == "0.93"


def test_a_high_finding_about_invalid_rows_keeps_coverage_from_being_good():
    from components.scorecard import verdict_words
    from tests.demo_pair import assessment

    a = assessment()
    # The demo plants invalid values (a high "invalid rows" flag finding): coverage's 0.997
    # speaks of the same values, so it is not called good.
    assert a.scores["coverage"] > 0.99
    assert verdict_words(a, "coverage").startswith(":red[good score, but")
