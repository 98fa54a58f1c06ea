"""The Subgroups page on the demo pair, as a user opens it (AppTest).

Until the page is in app.py's navigation and the metric in the catalogue, the page runs on
its own over the demo (the same components and assessment cache app.py uses), with the
catalogue entry added for the test when it is not there yet.
"""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from metrics import catalogue, suite
from tests.app.conftest import TIMEOUT, no_exceptions, texts

ENTRY = catalogue.Entry(
    "subgroups", "fidelity", "Do shapes and relations hold inside groups?",
    "metrics.subgroups:subgroups", "table", counts=False, info="metrics.subgroups:SubgroupsInfo",
)  # fmt: skip


def _page() -> None:
    import runpy
    from pathlib import Path

    import components
    from components import inputs, state

    if not state.tables():
        inputs.load_demo()
    runpy.run_path(str(Path(components.__file__).resolve().parents[1] / "pages" / "subgroups.py"))


def _open() -> AppTest:
    at = AppTest.from_function(_page, default_timeout=TIMEOUT)
    at.run()
    no_exceptions(at)
    return at


@pytest.fixture(autouse=True)
def _fresh_assessments():
    """Assessments are cached per data and settings, not per catalogue: start and end clean."""
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def with_subgroups(monkeypatch):
    if "subgroups" not in catalogue.BY_NAME:
        entries = (*catalogue.CATALOGUE, ENTRY)
        monkeypatch.setattr(suite, "run_order", lambda: catalogue.run_order(entries))
        monkeypatch.setitem(catalogue.BY_NAME, "subgroups", ENTRY)


def test_the_page_says_what_was_searched_and_draws_a_picked_test(with_subgroups):
    at = _open()
    body = texts(at)
    assert at.title[0].value == "Subgroups"
    assert "Searched 16 grouping columns" in body and "Benjamini-Hochberg, 5%" in body
    assert "No subgroup falls below the whole table beyond noise." in body
    [table] = [d.value for d in at.dataframe]
    assert list(table.columns[:3]) == ["group", "test", "measure"]
    assert len(table) > 100 and set(table["verdict"]) <= {"beyond noise", "within noise"}
    assert len(at.get("plotly_chart")) == 1
    # Filter by grouping column: only its levels remain, and a picked row is drawn.
    at.selectbox(key="subgroups_group").select("gender").run()
    no_exceptions(at)
    [table] = [d.value for d in at.dataframe]
    assert len(table) and table["group"].str.startswith("gender = ").all()
    at.selectbox(key="subgroups_pick").select(1).run()
    no_exceptions(at)
    assert len(at.get("plotly_chart")) == 1


def test_sorting_by_gap_puts_the_largest_gap_first(with_subgroups):
    at = _open()
    at.selectbox(key="subgroups_sort").select("Largest gap to the whole table").run()
    no_exceptions(at)
    [table] = [d.value for d in at.dataframe]
    assert table["gap"].is_monotonic_decreasing


def test_without_the_metric_the_page_says_so_without_a_traceback(monkeypatch):
    if "subgroups" in catalogue.BY_NAME:
        monkeypatch.setattr(suite, "run_order", lambda: [
            e for e in catalogue.run_order() if e.name != "subgroups"])  # fmt: skip
    at = _open()
    assert "Subgroups were not searched in this run" in texts(at)
