"""Helpers for AppTest: run the real app.py and poke its widgets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from review import Store
from review.roles import Identity

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


# A policy whose score gates the demo passes, for tests about the review gates.
LENIENT_POLICY = """
[gates]
overall_min = 0.5
privacy_min = false
max_exact_copy_rate = false
max_singling_out_risk = false
max_linkability_risk = false
max_inference_risk = false
max_membership_auc = false
"""


# The admin colleague who saves policies: the policy lives in the review database now, and only
# an admin changes it, so a test that needs another policy has one saved for it.
ADMIN = Identity(name="Ada Admin", email="ada@example.org", verified=True, source="oidc")


def save_policy(store: Store, text: str = LENIENT_POLICY, note: str = "for the test") -> int:
    """Save ``text`` as the next policy version, as an admin would; returns the version."""
    base = store.policy_version().version
    return store.save_policy(text, ADMIN, "admin", note, expected_version=base).version


def log_in(at: AppTest, name: str, email: str) -> AppTest:
    """A provider is configured ([auth] in the secrets) and Streamlit reports this login."""
    at.secrets["auth"] = {"client_id": "synthlens", "redirect_uri": "http://x/oauth2callback"}
    at.user = {"is_logged_in": True, "name": name, "email": email}
    return at


@pytest.fixture
def roles_file(tmp_path, monkeypatch):
    """Write a roles file (TOML) and point SYNTHLENS_ROLES_FILE at it."""

    def write(text: str) -> Path:
        path = tmp_path / "roles.toml"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("SYNTHLENS_ROLES_FILE", str(path))
        return path

    return write


@pytest.fixture(autouse=True)
def _own_review_db(tmp_path, monkeypatch) -> None:
    """Every app test gets its own SQLite review database, never ./synthlens.db."""
    monkeypatch.delenv("SYNTHLENS_DATABASE_URL", raising=False)
    monkeypatch.setenv("SYNTHLENS_DB_PATH", str(tmp_path / "review.db"))


@pytest.fixture
def db(_own_review_db) -> Iterator[Store]:
    """A second connection to the app's review database: a colleague in another browser."""
    with Store() as other:
        yield other


@pytest.fixture
def downloads(monkeypatch) -> dict:
    """File name -> the callable a download button runs when clicked."""
    seen: dict = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        seen[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return seen
