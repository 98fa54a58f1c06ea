"""The downloaded HTML report opened from disk in headless Chromium: no console errors, charts
drawn offline, and hostile strings from the user's files shown as text, never run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metrics import suite
from metrics.encode import encode
from metrics.schema import infer
from outputs import html_report
from outputs import review_report as rr
from outputs.review_items import identity, items_for
from review import Store, load_policy
from tests.e2e.conftest import shot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

HOSTILE = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
# Inside a <script> block, "<!--<script>" makes the HTML parser wait for a second "</script>".
COMMENT = "<!--<script>visits"
# Plotly draws <a href> and <span style> from labels unless they are escaped.
LINK = '<a href="http://x">a</a>'


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(3)
    n = 300
    real = pd.DataFrame({
        HOSTILE: rng.normal(50, 10, n).round(1),
        "city": rng.choice(["Lyon", "Nice", IMG, LINK], n),
        COMMENT: rng.integers(0, 20, n),
    })  # fmt: skip
    synthetic = real.sample(frac=1.0, random_state=1).reset_index(drop=True)
    synthetic[HOSTILE] = synthetic[HOSTILE] * 1.4 + 10  # a drift to find
    synthetic.loc[:4, COMMENT] = -5  # impossible values: flagged rows
    return real, synthetic


@pytest.fixture
def report_file(tmp_path):
    real, synthetic = frames()
    enc = encode(real, synthetic, infer(real, synthetic))
    inputs = {role: suite.InputInfo(role, f"{IMG}.csv", len(df), df.shape[1],
                                    suite.frame_sha256(df))
              for role, df in (("real", real), ("synthetic", synthetic))}  # fmt: skip
    a = suite.run(enc, inputs=inputs)
    assert any(HOSTILE in f.columns for f in a.findings), "the drift must give a finding"
    with Store(f"sqlite+pysqlite:///{tmp_path / 'r.db'}") as store:
        ident = identity(a)
        run = store.get_or_create_run(ident.inputs, ident.names, ident.tool_version,
                                      ident.settings, ident.scores)  # fmt: skip
        items = store.add_items(run.id, items_for(a, synthetic))
        row = next(i for i in items if i.row is not None)
        store.decide(row.id, "rejected", HOSTILE, reason=IMG, comment="</td></table>" + HOSTILE,
                     expected_version=row.version)  # fmt: skip
        policy = load_policy(None)
        gates = rr.gates_for(policy, a, store.items(run.id))
        store.sign_off(run.id, "rejected", IMG, HOSTILE, policy, ident.scores, gates)
        review = rr.review_dict(store, run.id, policy, gates)
    path = tmp_path / "report.html"
    path.write_text(html_report.render(a, enc, review), encoding="utf-8")
    return path


def test_report_opens_offline_without_errors_and_shows_hostile_names_as_text(browser,
                                                                              report_file):  # fmt: skip
    context = browser.new_context(viewport={"width": 1300, "height": 1600}, offline=True)
    page = context.new_page()
    problems, dialogs = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(report_file.as_uri())
    page.wait_for_selector(".fig .main-svg", timeout=30_000)  # plotly drew, with no network
    page.wait_for_timeout(500)
    shot(page, "html_report")

    assert problems == []
    assert dialogs == [], "a string from the data ran as script"
    assert page.locator("img[src=x]").count() == 0
    # No link from the data, in the page or in a chart (the report's own links are to sections).
    assert page.locator("a[href]:not([href^='#'])").count() == 0
    assert page.locator(".main-svg a").count() == 0
    assert page.locator(".modebar-btn[data-title^='Share']").count() == 0  # no upload to the cloud
    for heading in ("Summary", "Columns", "Pairs", "Privacy", "Flagged rows", "Gates"):
        assert page.get_by_role("heading", name=heading, exact=True).count() == 1
    body = page.locator("body").inner_text()
    assert HOSTILE in body and IMG in body  # shown literally
    assert page.locator("#sign-off").inner_text().startswith("REJECTED by " + IMG)
    # Every <script> on the page is one SynthLens wrote: plotly and the figure data.
    assert page.locator("script").count() == 2
    assert page.locator(".fig").count() >= 2
    # Every chart drew, including the one of the column named like a comment opener.
    assert page.locator(".fig .main-svg").count() >= page.locator(".fig").count()
    assert COMMENT in body
    context.close()
