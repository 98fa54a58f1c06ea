"""The Outliers and Utility pages as a user meets them (AppTest on the real app.py).

The demo pair plants 12 synthetic rows copied from real rows, 3 negative salaries and 3 degree
percentages above 100 (demo/make_demo.py); the pages must show them.
"""

from __future__ import annotations

import pytest

from components import outliers_view
from tests.app.conftest import no_exceptions, texts

OUTLIERS, UTILITY = "pages/outliers.py", "pages/utility.py"
W = "synthlens.w."  # components.state.widget_key prefix
KINDS_KEY = W + "flag_kinds"
TARGET_KEY = W + "utility_target"


def csv(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def upload(at, real: bytes, synthetic: bytes):
    uploaders = at.get("file_uploader")
    uploaders[0].set_value(("real.csv", real, "text/csv"))
    uploaders[1].set_value(("synthetic.csv", synthetic, "text/csv"))
    at.run()
    no_exceptions(at)
    return at


def flag_table(at):
    tables = [d.value for d in at.dataframe if "Synthetic row" in d.value.columns]
    assert tables, "the flagged-rows table is not on the page"
    return tables[0]


def comparison(at):
    tables = [
        d.value for d in at.dataframe if "Closest real record" in getattr(d.value, "columns", [])
    ]
    assert tables, "the side-by-side comparison is not on the page"
    return tables[0].set_index("Column")


@pytest.fixture
def outliers(demo_app):
    demo_app.switch_page(OUTLIERS).run()
    no_exceptions(demo_app)
    return demo_app


def test_outliers_page_lists_flagged_rows_and_points_to_privacy(outliers):
    body = texts(outliers)
    assert outliers.title[0].value == "Outliers"
    # Copies and distances moved to the Privacy page; the copied rows stay listed here.
    assert "12 of 600 synthetic rows (2.0%) are exact copies" not in body
    assert [p.label for p in outliers.get("page_link")][0].endswith("see the Privacy page")
    table = flag_table(outliers)
    # Every planted copy is listed, and the most serious rows come first.
    assert (table["Reasons"].str.contains("Exact copy")).sum() == 12
    assert table["Seriousness"].is_monotonic_decreasing
    assert f"{len(table)} rows, most serious first" in body
    # The top row is selected by default and shown beside its closest real record.
    top = table.iloc[0]
    assert f"Synthetic row {top['Synthetic row']} beside its closest real record" in body


def test_filtering_by_reason_narrows_the_table(outliers):
    everything = flag_table(outliers)
    outliers.multiselect(key=KINDS_KEY).set_value(["invalid"]).run()
    no_exceptions(outliers)
    invalid = flag_table(outliers)
    assert 6 <= len(invalid) < len(everything)
    assert invalid["Reasons"].str.contains("Invalid value").all()
    assert set(invalid["Synthetic row"]) < set(everything["Synthetic row"])
    # A planted negative salary: the salary cell differs from the closest real record.
    salary_rows = invalid[invalid["Why"].str.contains("salary = -25,000")]
    assert len(salary_rows) == 3
    outliers.session_state[W + "flag_table.invalid.1"] = {
        "selection": {"rows": [int(salary_rows.index[0])], "columns": []}
    }
    outliers.run()
    no_exceptions(outliers)
    side = comparison(outliers)
    assert side.loc["salary", "Synthetic"] == "-25000"
    assert side.loc["salary", "Same"] == "differs"
    assert side.loc["salary", "Closest real record"] != "-25000"
    assert side.index[side["Flag"] != ""].tolist() == ["salary"]


def test_copied_row_is_identical_to_its_real_record(outliers):
    outliers.multiselect(key=KINDS_KEY).set_value(["copied"]).run()
    no_exceptions(outliers)
    assert len(flag_table(outliers)) == 12
    side = comparison(outliers)
    compared = side[~side["Same"].str.startswith("not compared")]
    assert side.loc["student_id", "Same"] == "not compared (id)"
    assert (compared["Same"] == "yes").all() and len(compared) == 16
    assert (compared["Synthetic"] == compared["Closest real record"]).all()


def test_redacting_hides_real_values(outliers):
    outliers.session_state[W + "kept.redact"] = True  # the Review page's "Redact real values"
    outliers.run()
    no_exceptions(outliers)
    side = comparison(outliers)
    assert (side["Closest real record"] == "(hidden)").all()
    assert (side["Synthetic"] == "(hidden)").all()  # the top row is a copy of a real record
    assert "Same" not in side.columns


def test_large_flag_tables_are_paged(outliers, monkeypatch):
    monkeypatch.setattr(outliers_view, "MAX_TABLE_ROWS", 20)
    outliers.run()
    no_exceptions(outliers)
    assert len(flag_table(outliers)) == 20
    pager = outliers.number_input[0]
    assert "Page (of" in pager.label
    first = set(flag_table(outliers)["Synthetic row"])
    pager.set_value(2).run()
    no_exceptions(outliers)
    assert len(flag_table(outliers)) == 20
    assert not first & set(flag_table(outliers)["Synthetic row"])


def test_utility_page_on_demo_and_another_target(demo_app):
    demo_app.switch_page(UTILITY).run()
    no_exceptions(demo_app)
    assert demo_app.title[0].value == "Utility"
    assert demo_app.selectbox(key=TARGET_KEY).value == "placed"
    body = texts(demo_app)
    assert (
        "Formula: score = mean over models of clip((TSTR - B) / (TRTR - B), 0, 1) on ROC AUC"
        in body
    )
    assert "model of 'placed'" in body
    assert "the reference, a model trained on real rows, scores 1 by definition" in body
    assert "no skill scores 0.50, ranking rows at random" in body
    # salary is filled in only for placed students: the page says the target is too easy,
    # shows its score but keeps it out of Overall until the user counts it.
    assert "already predict 'placed' almost perfectly" in body and "'salary'" in body
    assert "'placed' is trivially predictable" in body and "kept out of Overall" in body
    assert not demo_app.success  # no green light for a trivial target
    before = [d.value for d in demo_app.dataframe if "Metric" in d.value.columns][0]
    assert set(before["Model"]) == {"linear", "boosting"}
    keep = demo_app.checkbox(key=W + "utility_keep_trivial.placed")
    assert keep.label == "Count this target in Overall anyway" and not keep.value
    keep.check().run()
    no_exceptions(demo_app)
    assert "It counts in Overall because you chose so" in texts(demo_app)
    assert demo_app.checkbox(key=W + "utility_keep_trivial.placed").value

    # mba_spec: even real-trained models are at chance on the 54 holdout rows.
    demo_app.selectbox(key=TARGET_KEY).select("mba_spec").run()
    no_exceptions(demo_app)
    body = texts(demo_app)
    assert "Not measurable for this target." in body and "no better than chance" in body
    assert "1.00" not in [m.value for m in demo_app.metric]
    assert not demo_app.success

    demo_app.selectbox(key=TARGET_KEY).select("high_spec").run()
    no_exceptions(demo_app)
    assert demo_app.selectbox(key=TARGET_KEY).value == "high_spec"
    body = texts(demo_app)
    assert "model of 'high_spec'" in body and "model of 'placed'" not in body
    after = [d.value for d in demo_app.dataframe if "Metric" in d.value.columns][0]
    assert not after.equals(before)
    recall = [d.value for d in demo_app.dataframe if "Class" in d.value.columns][0]
    assert set(recall["Class"]) == {"Science", "Commerce", "Arts"}

    # A numeric target is a regression: no per-class recall, R2 instead of F1.
    demo_app.selectbox(key=TARGET_KEY).select("mba_perc").run()
    no_exceptions(demo_app)
    body = texts(demo_app)
    assert "R2" in body and "regression" in body


def test_pair_without_usable_target_shows_what_to_do(app):
    rows = [f"{i % 7},{(i * 3) % 11},{i % 5 + 0.5 * (i % 3)}" for i in range(80)]
    upload(app, csv("a,b,c", rows), csv("a,b,c", rows[5:]))
    app.switch_page(UTILITY).run()
    no_exceptions(app)
    assert app.selectbox(key=TARGET_KEY).value is None
    assert any("No target column was chosen" in e.value for e in app.error)
    assert any("What to do" in i.value for i in app.info)
    # Without an uploaded holdout the Privacy page says how it stood one in.
    app.switch_page("pages/privacy.py").run()
    no_exceptions(app)
    assert "No holdout was uploaded" in texts(app)


def test_too_few_rows_for_utility_is_a_message(app):
    real = [f"{i},{i % 3},{['yes', 'no'][i % 2]}" for i in range(12)]
    upload(app, csv("x,size,label", real), csv("x,size,label", real))
    app.switch_page(UTILITY).run()
    no_exceptions(app)
    assert app.selectbox(key=TARGET_KEY).value == "label"
    assert any("Utility needs at least" in e.value for e in app.error)
    assert any("Upload more rows" in i.value for i in app.info)
