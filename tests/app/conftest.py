"""Helpers for AppTest: run the real app.py and poke its widgets."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")

TIMEOUT = 120


def new_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    return at


def no_exceptions(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def texts(at: AppTest) -> str:
    """All visible markdown, captions, alerts and titles of the last run, joined."""
    parts = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "success",
        "warning",
        "error",
    ):
        parts.extend(str(el.value) for el in getattr(at, kind))
    parts.extend(str(el.value) for el in at.sidebar.markdown)
    # User strings are Markdown-escaped on the page (employability\_perc); read them as shown.
    return "\n".join(parts).replace("\\", "")


def schema_table(at: AppTest):
    """The frame shown in the Schema page's editable table."""
    editors = [el for el in at.get("arrow_data_frame")] + list(at.get("data_editor"))
    assert editors, "the schema table is not on the page"
    return editors[0].value


def click(at: AppTest, label: str) -> AppTest:
    buttons = [b for b in at.button if b.label == label]
    assert buttons, f"no button {label!r}: {[b.label for b in at.button]}"
    buttons[0].click().run()
    return at


@pytest.fixture
def app() -> AppTest:
    return new_app()


@pytest.fixture
def demo_app() -> AppTest:
    at = new_app()
    click(at, "Load demo data")
    no_exceptions(at)
    return at
