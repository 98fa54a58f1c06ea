"""Hostile names and values in a real browser: no page, review note, sign-off or downloaded
report may fetch a URL, follow a link or apply a style that came from a user's file or a
reviewer's typing (issue 10, items 7, 8 and 10).

A canary HTTP server on loopback stands behind every payload URL; the test fails on any hit,
on any request that leaves the app's own server, and on any dialog.
"""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from urllib.parse import urlparse

import pandas as pd
import pytest

from tests.e2e.conftest import assert_no_exception, goto_page, shot, wait_idle
from tests.payloads import FORMULAS, hostile_pair, payloads

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PAGES = ["Schema", "Overview", "Columns", "Pairs", "Subgroups", "Outliers", "Privacy", "Utility",
         "Review", "Sign-off"]  # fmt: skip


@pytest.fixture
def canary() -> Iterator[tuple[int, list[str]]]:
    """A loopback HTTP server that records every path asked of it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], hits
    server.shutdown()


def _watch(page, app_url: str) -> tuple[list[str], list[str]]:
    """Requests that leave the app's server, and dialogs opened, as they happen."""
    app = urlparse(app_url).netloc
    outside: list[str] = []
    dialogs: list[str] = []

    def on_request(request) -> None:
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.netloc != app:
            outside.append(request.url)

    page.on("request", on_request)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return outside, dialogs


def _no_live_markup(page) -> None:
    """No link, image or style in the page that a payload made."""
    for selector in ("a[href*='127.0.0.1:'][href*='-link']", "img[src*='html-img']",
                     "img[src*='md-image']", "span[style*='color:red']", "a[href*='plotly-link']"):  # fmt: skip
        found = page.locator(selector)
        assert found.count() == 0, (
            selector,
            found.first.evaluate("e => e.parentElement.outerHTML"),
        )


def test_payloads_stay_text_through_pages_review_sign_off_and_reports(
    page, server, canary, tmp_path
):
    port, hits = canary
    p = payloads(port)
    outside, dialogs = _watch(page, server)
    real, synthetic = hostile_pair(port)
    files = []
    for name, data in (("real [x](#a) <b>.csv", real), ("synthetic =1+1 <i>.csv", synthetic)):
        path = tmp_path / name
        path.write_bytes(data)
        files.append(path)
    drop = page.locator("[data-testid=stFileUploaderDropzoneInput]")
    drop.nth(0).set_input_files(str(files[0]))
    page.get_by_text("90 rows x 4 columns").first.wait_for()
    wait_idle(page)
    drop.nth(1).set_input_files(str(files[1]))
    page.get_by_text("90 rows x 5 columns").first.wait_for()
    wait_idle(page)
    for title in PAGES:
        goto_page(page, title)
        if title == "Review":
            page.get_by_label("Your name").fill(p["md_image"])
            page.get_by_role("button", name="Start reviewing").click()
            wait_idle(page)
            page.get_by_role("button", name="Accept").first.click()
            wait_idle(page)
        assert_no_exception(page)
        _no_live_markup(page)
    form = page.locator("[data-testid=stForm]")
    form.get_by_label("Comment").fill(p["plotly_link"] + " " + p["md_link"])
    form.get_by_role("button", name="Reject").click()
    wait_idle(page)
    page.get_by_text("REJECTED").first.wait_for()
    _no_live_markup(page)
    shot(page, "hostile_signoff")

    with page.expect_download() as got:
        page.get_by_role("button", name="HTML report").click()
    report = got.value.path()
    with page.expect_download() as got:
        page.get_by_role("button", name=re.compile(r"^Cleaned dataset")).click()
    cleaned = pd.read_csv(got.value.path(), dtype=str, keep_default_na=False)
    with page.expect_download() as got:
        page.get_by_role("button", name=re.compile(r"^Decisions")).click()
    decisions = pd.read_csv(got.value.path(), dtype=str, keep_default_na=False,
                            encoding="utf-8-sig")  # fmt: skip
    for table in (cleaned, decisions):
        cells = [*table.columns, *table.to_numpy().ravel().tolist()]
        live = [c for c in cells if c.lstrip(" \r\n\t")[:1] in ("=", "+", "-", "@")]
        assert not live, live[:5]
    assert any(p[k] in " ".join(cleaned.columns) + " ".join(cleaned.to_numpy().ravel())
               or "'" + p[k] in cleaned.to_numpy().ravel() for k in FORMULAS)  # fmt: skip

    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    page.wait_for_timeout(1000)
    _no_live_markup(page)
    assert page.locator("script[src], link[href^='http'], img[src^='http']").count() == 0

    assert not hits, f"the canary was fetched: {hits}"
    assert not outside, f"requests left the app: {outside[:5]}"
    assert not dialogs, dialogs
