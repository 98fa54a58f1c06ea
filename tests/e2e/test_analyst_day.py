"""The whole day of an analyst in a real browser: load the demo, review, sign off, download."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from demo.make_demo import demo_csv_bytes
from tests.e2e.conftest import assert_no_exception, goto_page, shot, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

STATEMENT = "Privacy too weak: 2% of rows copy real students. Regenerate before training."


def _detail_title(page) -> str:
    return page.locator("[data-testid=stHeadingWithActionElements] h3").first.inner_text()


def _row_of(title: str) -> int:
    found = re.search(r"synthetic row (\d+)", title)
    assert found, f"the detail view does not show a flagged row: {title!r}"
    return int(found.group(1))


def _choose(page, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=re.compile("^" + re.escape(option))).first.click()
    wait_idle(page)


def _press(page, key: str) -> None:
    """A keyboard shortcut, with the focus outside every text box."""
    page.locator("h1").first.click()
    page.keyboard.press(key)
    wait_idle(page)


def test_review_sign_off_and_download(page, tmp_path):
    page.get_by_role("button", name="Load demo data").click()
    page.get_by_text("600 rows x 17 columns").first.wait_for()
    wait_idle(page)

    goto_page(page, "Review")
    page.get_by_label("Your name").fill("Ana Lima")
    page.get_by_role("button", name="Start reviewing").click()
    wait_idle(page)
    page.get_by_text("Reviewing as").wait_for()
    page.get_by_text("0 of").first.wait_for()
    assert_no_exception(page)
    shot(page, "review_queue")

    _choose(page, "Kind", "All flagged rows")
    rejected = []
    for _ in range(2):  # reject two rows with the keyboard: X, and the next one appears
        row = _row_of(_detail_title(page))
        rejected.append(row)
        _press(page, "x")
        page.get_by_text(f"Saved: row {row} rejected by Ana Lima").wait_for()
    accepted = _row_of(_detail_title(page))
    assert accepted not in rejected
    page.get_by_role("button", name="Accept").click()
    wait_idle(page)
    page.get_by_text(f"Saved: row {accepted} accepted by Ana Lima").wait_for()
    page.get_by_text("3 of").first.wait_for()
    assert_no_exception(page)
    shot(page, "review_after_decisions")

    goto_page(page, "Sign-off")
    page.get_by_text("Approval is blocked by").wait_for()
    form = page.locator("[data-testid=stForm]")
    form.get_by_label("Comment").fill(STATEMENT)
    form.get_by_role("button", name="Approve").click()
    wait_idle(page)
    page.get_by_text("Not approved:").wait_for()
    page.get_by_text(re.compile("still blocks? approval")).first.wait_for()
    # The refused statement is still in its box: sign the rejection with it.
    assert form.get_by_label("Comment").input_value() == STATEMENT
    form.get_by_role("button", name="Reject").click()
    wait_idle(page)
    page.get_by_text(
        re.compile(r"Signed: rejected\. Signed by Ana Lima \(unverified")
    ).first.wait_for()
    page.get_by_text("REJECTED").first.wait_for()
    assert_no_exception(page)
    shot(page, "signoff")
    page.get_by_role("button", name="HTML report").scroll_into_view_if_needed()
    shot(page, "signoff_downloads")

    with page.expect_download() as got:
        page.get_by_role("button", name="HTML report").click()
    report = got.value.path().read_text(encoding="utf-8")
    assert "REJECTED" in report and "Ana Lima" in report
    assert STATEMENT in report
    assert "2 synthetic rows rejected" in report

    with page.expect_download() as got:
        page.get_by_role("button", name=re.compile(r"^Cleaned dataset")).click()
    cleaned = pd.read_csv(got.value.path())
    synthetic = pd.read_csv(io.BytesIO(demo_csv_bytes()["synthetic"]))
    expected = synthetic.drop(index=rejected).reset_index(drop=True)
    assert len(cleaned) == len(synthetic) - 2
    pd.testing.assert_frame_equal(cleaned, expected)
    wait_idle(page)
    assert_no_exception(page)
