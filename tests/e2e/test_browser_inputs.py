"""A user uploads two CSV files in a real browser and reads the schema."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_exception, goto_page, shot, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REAL = "id,score,group,when\n" + "".join(
    f"{i},{i % 17 * 1.5},{'abc'[i % 3]},2024-01-{1 + i % 28:02d}\n" for i in range(80)
)
SYNTH = "id,score,group,when\n" + "".join(
    f"{1000 + i},{i % 13 * 1.7},{'ab'[i % 2]},2024-02-{1 + i % 28:02d}\n" for i in range(70)
)


def test_upload_two_csv_files_and_see_the_schema(page, tmp_path):
    real, synth = tmp_path / "real.csv", tmp_path / "synthetic.csv"
    real.write_text(REAL)
    synth.write_text(SYNTH)
    inputs = page.locator("[data-testid=stFileUploaderDropzoneInput]")
    inputs.nth(0).set_input_files(str(real))
    page.get_by_text("80 rows x 4 columns").first.wait_for()
    wait_idle(page)
    inputs.nth(1).set_input_files(str(synth))
    page.get_by_text("70 rows x 4 columns").first.wait_for()
    wait_idle(page)
    assert_no_exception(page)
    shot(page, "data_uploaded")

    goto_page(page, "Schema")
    page.get_by_text("In use:").wait_for()
    assert page.locator("[data-testid=stDataFrame]").count() >= 1
    assert_no_exception(page)
    shot(page, "schema")

    goto_page(page, "Columns")
    charts = page.locator("[data-testid=stPlotlyChart]")
    charts.first.wait_for()
    # One chart per compared column: score, group and when (id is left out).
    assert charts.count() == 3
    assert page.locator("[data-testid=stPlotlyChart] .plot-container").count() == 3
    assert_no_exception(page)
    shot(page, "columns")

    goto_page(page, "Pairs")
    page.locator("[data-testid=stPlotlyChart] .plot-container").first.wait_for()
    # The correlation heatmaps, the chosen pair's profile (medians across the other's groups)
    # and its joint view.
    assert page.locator("[data-testid=stPlotlyChart]").count() == 3
    assert_no_exception(page)
    shot(page, "pairs")

    # The sidebar's scoring settings re-score the pair and say so on the page.
    page.get_by_text("Pearson correlation. Change it").wait_for()
    page.get_by_test_id("stExpander").get_by_text("Scoring settings").click()
    page.get_by_text("Spearman", exact=True).click()
    wait_idle(page)
    page.get_by_text("Spearman correlation. Change it").wait_for()
    assert_no_exception(page)

    for link in page.locator("[data-testid=stSidebarNav] a").all():
        link.click()
        wait_idle(page)
        assert_no_exception(page)
