"""Overview, Columns and Pairs on the demo pair, as a user opens them (AppTest)."""

from __future__ import annotations

import re

from outputs.escape import md
from tests.app.conftest import no_exceptions, texts


def test_overview_shows_every_score_with_its_meaning_and_the_findings(demo_app):
    demo_app.switch_page("pages/overview.py").run()
    no_exceptions(demo_app)
    metrics = {m.label: m for m in demo_app.metric}
    assert set(metrics) >= {"Overall", "Fidelity", "Coverage", "Detection", "Privacy", "Utility"}
    for m in metrics.values():
        assert m.help, f"{m.label} has no explanation"
        assert m.value == "n/a" or 0 <= float(m.value) <= 1
    body = texts(demo_app)
    # The demo's planted flaws are named in plain words.
    assert "exact copies of a real row" in body
    assert "employability_perc" in body
    facts = demo_app.dataframe[0].value.set_index("Fact")
    assert list(facts.columns) == ["Real", "Synthetic", "Holdout"]
    assert list(facts.loc["Rows"]) == ["161", "600", "54"]
    assert list(facts.loc["Columns"]) == ["17", "17", "17"]


def test_columns_puts_the_drifted_column_first_and_searches(demo_app):
    demo_app.switch_page("pages/columns.py").run()
    no_exceptions(demo_app)
    charts = demo_app.get("plotly_chart")
    assert len(charts) == 10  # one page of ten columns, worst first
    first_metric = demo_app.metric[0]
    assert first_metric.label in ("Distribution match", "Category share match")
    # employability_perc was shifted by 7 points in the demo generator: it ranks first.
    headings = [m.value.replace("\\", "") for m in demo_app.markdown if m.value.startswith("**")]
    assert headings[0].startswith("**employability_perc**")
    demo_app.text_input[0].input("salary").run()
    no_exceptions(demo_app)
    assert len(demo_app.get("plotly_chart")) == 1
    # Statistics side by side, with the planted negative salaries in plain sight.
    [stats] = [d.value for d in demo_app.dataframe if "Statistic" in d.value.columns]
    stats = stats.set_index("Statistic")
    assert stats.loc["min", "Synthetic"] == "-25,000" and stats.loc["min", "Real"] != "-25,000"
    assert stats.loc["share of synthetic values that are valid", "Synthetic"].endswith("%")
    demo_app.text_input[0].input("no such column").run()
    assert "No column name contains" in texts(demo_app)


def test_columns_gives_each_score_its_interval_and_floor_in_a_table_one_can_sort(demo_app):
    demo_app.switch_page("pages/columns.py").run()
    no_exceptions(demo_app)
    [table] = [d.value for d in demo_app.dataframe if "A real sample" in d.value.columns]
    assert list(table.columns[:3]) == ["Column", "Kind", "Score"]
    assert {"Low", "High", "Below a real sample by", "Verdict"} <= set(table.columns)
    # Numbers, not text, so that sorting a column orders by value; every column listed.
    for col in ("Score", "Low", "High", "A real sample", "Below a real sample by"):
        assert table[col].dtype.kind == "f", col
    assert len(table) == 16 and (table["Low"] <= table["Score"]).all()
    assert (table["Score"] <= table["High"]).all()
    # Worst first as the findings rank them: the farthest below a real sample leads.
    beyond = table["Below a real sample by"]
    assert beyond.iloc[0] == beyond.max() and table["Column"].iloc[0] == "employability_perc"
    reaches = table[beyond <= 0]
    assert not reaches.empty and (reaches["Verdict"] == "as good as a real sample").all()
    # Each column's block says its score with the interval and the floor in words.
    captions = [c.value.replace("\\", "") for c in demo_app.caption]
    said = [c for c in captions if c.startswith(("KS complement", "TV complement"))]
    assert len(said) == 10, captions
    assert all("; a real sample scores about 0." in c for c in said)
    assert re.match(
        r"KS complement 0\.\d\d \(0\.\d\d-0\.\d\d\); a real sample scores "
        r"about 0\.\d\d$",
        said[0],
    ), said[0]


def test_overview_groups_the_findings_by_cause_and_keeps_the_rest_one_click_away(demo_app):
    from outputs.review_items import kind_title
    from tests.demo_pair import assessment

    demo_app.switch_page("pages/overview.py").run()
    no_exceptions(demo_app)
    found = assessment("placed").findings
    assert len(found) > 10  # the demo has more than fit in view
    [more] = [x for x in demo_app.expander if "grouped by cause" in str(x.label)]
    assert more.label == f"{len(found) - 10} more findings, grouped by cause"
    inside = " ".join(str(m.value) for m in more.markdown)
    outside = [str(m.value) for m in demo_app.markdown if str(m.value).startswith("**")]
    # A heading per cause (bold), the worst cause first; every finding's sentence reachable.
    assert outside[0].startswith(f"**{md(kind_title(found[0].kind))}**")
    for f in found[10:]:
        assert md(f.message) in inside
    for f in found[:10]:
        assert md(f.message) not in inside


def test_pairs_shows_heatmaps_the_worst_pairs_and_a_joint_view(demo_app):
    demo_app.switch_page("pages/pairs.py").run()
    no_exceptions(demo_app)
    assert len(demo_app.get("plotly_chart")) == 3
    table = demo_app.dataframe[0].value
    assert {"pair", "score", "real", "synthetic"} <= set(table.columns)
    assert table["score"].between(0, 1).all()
    choice = demo_app.selectbox[0]
    other = choice.options[3]
    choice.select(other).run()
    no_exceptions(demo_app)
    assert demo_app.selectbox[0].value == other
    assert len(demo_app.get("plotly_chart")) == 2


def test_results_pages_without_data_say_what_to_do(app):
    for page in ("pages/overview.py", "pages/columns.py", "pages/pairs.py"):
        app.switch_page(page).run()
        no_exceptions(app)
        assert "Load a real and a synthetic table first" in texts(app)


def test_scoring_settings_rescore_the_pair(demo_app):
    # AppTest drops the sidebar's elements once st.navigation has run, so the settings are set
    # the way the sidebar's on_change callback sets them (the widgets: see the browser test).
    demo_app.switch_page("pages/overview.py").run()
    fidelity = {m.label: m.value for m in demo_app.metric}["Fidelity"]
    demo_app.session_state["synthlens.scoring"] = {"correlation": "pearson",
                                                   "sdmetrics_compatible": True}  # fmt: skip
    demo_app.run()
    no_exceptions(demo_app)
    # sdmetrics' definitions score the demo's pair trends lower (0.854 overall fidelity).
    assert {m.label: m.value for m in demo_app.metric}["Fidelity"] == "0.85" != fidelity
    demo_app.session_state["synthlens.scoring"] = {"correlation": "spearman",
                                                   "sdmetrics_compatible": False}  # fmt: skip
    demo_app.switch_page("pages/pairs.py").run()
    no_exceptions(demo_app)
    assert "Spearman" in texts(demo_app)


def test_a_metric_without_a_view_of_its_own_gets_the_generic_panel_of_its_shape(demo_app):
    demo_app.switch_page("pages/columns.py").run()
    no_exceptions(demo_app)
    panels = [x for x in demo_app.expander if str(x.label).startswith("Wasserstein similarity")]
    assert panels and "reported, not counted" in str(panels[0].label)
