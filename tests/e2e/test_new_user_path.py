"""The path a new user takes, in a real browser (issue 9): the demo, then their own files (the
demo holdout goes with the demo), another target (the page says the review moved and what
carried over), the copies finding rejected (its rows leave the cleaned data; Reopen brings them
back), the cleaned data assessed, a sign-off, and the HTML report with every section."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from demo.make_demo import demo_csv_bytes
from outputs.html_report import SECTIONS
from tests.e2e.conftest import assert_no_exception, goto_page, shot, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _choose(page, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=re.compile("^" + re.escape(option))).first.click()
    wait_idle(page)


def _cleaned_caption(page) -> str:
    return page.get_by_text(re.compile(r"The cleaned dataset keeps")).first.inner_text()


def test_demo_then_own_files_target_rejection_undo_cleaned_review_and_report(page, tmp_path):
    demo = demo_csv_bytes()
    mine_real, mine_synth = tmp_path / "my_real.csv", tmp_path / "my_synthetic.csv"
    # The user's own files: not byte-equal to the demo's, so no review stored by another test
    # on the demo files carries decisions over into this one.
    pd.read_csv(io.BytesIO(demo["real"])).head(160).to_csv(mine_real, index=False)
    synthetic = pd.read_csv(io.BytesIO(demo["synthetic"])).head(595)
    synthetic.to_csv(mine_synth, index=False)

    page.get_by_role("button", name="Load demo data").click()
    page.get_by_text("54 rows x 17 columns").first.wait_for()
    wait_idle(page)
    drop = page.locator("[data-testid=stFileUploaderDropzoneInput]")
    drop.nth(0).set_input_files(str(mine_real))
    page.get_by_text("Still needed: synthetic data").wait_for()
    wait_idle(page)
    sidebar = page.locator("[data-testid=stSidebar]")
    assert "holdout" not in sidebar.inner_text(), "the demo holdout must go with the demo"
    drop.nth(1).set_input_files(str(mine_synth))
    page.get_by_text("595 rows x 17 columns").first.wait_for()
    wait_idle(page)
    page.get_by_text("all 17 columns can be compared").wait_for()
    assert "student_placements" not in sidebar.inner_text()
    shot(page, "path_own_files")

    goto_page(page, "Review")
    page.get_by_label("Your name").fill("Ana Lima")
    page.get_by_role("button", name="Start reviewing").click()
    wait_idle(page)
    page.get_by_text(re.compile(r"version \d+ of \d+")).first.wait_for()

    goto_page(page, "Utility")
    _choose(page, "Column to predict (target)", "high_spec")
    page.get_by_text("The review moved to version").wait_for()
    page.get_by_text(re.compile("target: high_spec")).first.wait_for()
    page.get_by_text(re.compile("carried over from run")).first.wait_for()
    assert_no_exception(page)
    shot(page, "path_target_changed")

    goto_page(page, "Sign-off")
    kept = 595
    assert f"keeps {kept} rows of 595" in _cleaned_caption(page)

    goto_page(page, "Review")
    _choose(page, "Kind", "Exact copies of real rows")
    note = page.get_by_text(re.compile(r"Rejecting this finding leaves its \d+ synthetic rows"))
    n_rows = int(re.search(r"its (\d+) synthetic", note.first.inner_text()).group(1))
    page.get_by_role("button", name="Reject").first.click()
    wait_idle(page)
    page.get_by_text(f"The cleaned dataset now leaves out its {n_rows} rows").wait_for()
    shot(page, "path_copies_rejected")

    goto_page(page, "Sign-off")
    assert f"keeps {kept - n_rows} rows of 595" in _cleaned_caption(page)

    goto_page(page, "Review")
    _choose(page, "Status", "Any")
    _choose(page, "Kind", "Exact copies of real rows")
    page.get_by_role("button", name="Reopen").first.click()
    wait_idle(page)
    page.get_by_text(f"The cleaned dataset keeps its {n_rows} rows again").wait_for()
    goto_page(page, "Sign-off")
    assert f"keeps {kept} rows of 595" in _cleaned_caption(page)

    goto_page(page, "Review")
    _choose(page, "Kind", "Exact copies of real rows")
    page.get_by_role("button", name="Reject").first.click()
    wait_idle(page)
    goto_page(page, "Sign-off")
    page.get_by_role("button", name=f"Assess the cleaned data ({kept - n_rows} rows)").click()
    wait_idle(page)
    page.get_by_text("You are reviewing the").first.wait_for()
    page.get_by_text(re.compile(r"cleaned from run \d+")).first.wait_for()
    assert f"{kept - n_rows} rows x 17 columns" in sidebar.inner_text()
    assert_no_exception(page)
    shot(page, "path_cleaned_review")

    form = page.locator("[data-testid=stForm]")
    form.get_by_label("Comment").fill("Cleaned copies; utility for high_spec still to check.")
    form.get_by_role("button", name="Reject").click()
    wait_idle(page)
    page.get_by_text("REJECTED").first.wait_for()
    with page.expect_download() as got:
        page.get_by_role("button", name="HTML report").click()
    report = got.value.path().read_text(encoding="utf-8")
    for anchor, title in SECTIONS:
        assert f"id='{anchor}'" in report and f"<h2>{title}</h2>" in report, title
    assert "Cleaned copies; utility for high_spec still to check." in report
    assert "my_synthetic_cleaned.csv" in report
    assert_no_exception(page)
