"""The detection section of the Outliers page (AppTest on the real app.py)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from metrics.detection import info
from tests.app.conftest import no_exceptions, texts
from tests.demo_pair import assessment

OUTLIERS = "pages/outliers.py"
HEADING = "Can a classifier tell them apart?"


def test_the_section_shows_the_score_the_columns_and_where_they_differ(demo_app):
    demo_app.switch_page(OUTLIERS).run()
    no_exceptions(demo_app)
    body = texts(demo_app)
    assert HEADING in [h.value for h in demo_app.subheader]
    # The other sections stay, and this one comes last.
    assert [h.value for h in demo_app.subheader][-1] == HEADING
    assert "Flagged rows" in body and "Do real records leak?" not in body  # on Privacy now
    metrics = {m.label: m.value for m in demo_app.metric}
    res = assessment().result("detection")
    assert metrics["Detection score"] == f"{res.score:.2f}"
    assert "95% interval" in body and "an independent real sample scores about" in body
    assert "Which columns give the synthetic rows away?" in body
    # The demo's explanation, in the sentences a reviewer reads (same data, same seed).
    explained = info(res).explanation
    first = next(c for c in explained if c.ranges)
    assert first.ranges[0].text in body
    # The importance bars and one share chart per explained column, after the page's own one
    # (the flag shares; the distance histogram moved to the Privacy page).
    assert len(demo_app.get("plotly_chart")) == 1 + 1 + len(explained)


def _section_only(result) -> AppTest:
    """The section drawn alone for a stand-in assessment whose detection result is ``result``."""

    def script() -> None:
        import streamlit as st

        from components import detection_view as view

        view.section(st.session_state["loaded"])

    at = AppTest.from_function(script, default_timeout=30)

    class Assessed:
        def result(self, name):
            return result if name == "detection" else None

    class Loaded:
        assessment = Assessed()

    at.session_state["loaded"] = Loaded()
    at.run()
    return at


def test_skipped_or_failed_detection_is_said_in_words_without_a_traceback():
    from metrics.results import MetricResult

    skipped = _section_only(None)
    no_exceptions(skipped)
    assert "Detection was not run: it is not part of this assessment." in texts(skipped)
    failed = MetricResult("detection", "detection", float("nan"), error="needs 20 rows a side")
    shown = _section_only(failed)
    no_exceptions(shown)
    assert "Detection was not run: needs 20 rows a side" in texts(shown)
