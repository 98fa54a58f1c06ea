"""The review queue in plain words, and evidence that fits each item (AppTest on app.py).

One rule counts flagged rows on the Review and the Outliers pages: a row counts under
every reason it has. One view shows a row beside its closest real record on both pages.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.app.conftest import click, new_app, no_exceptions, texts

ITEM_KEY = "synthlens.review.item"
W = "synthlens.w."
RAW_KIND = re.compile(r"\b[a-z]+_[a-z_]+\b")  # e.g. copied_row, dcr_closer_to_training


@pytest.fixture
def review() -> object:
    at = new_app()
    click(at, "Load demo data")
    at.switch_page("pages/review.py").run()
    at.text_input(key=W + "reviewer_name").input("Ana")
    click(at, "Start reviewing")
    no_exceptions(at)
    return at


def open_item(at, item) -> None:
    at.session_state[ITEM_KEY] = item.id
    at.run()
    no_exceptions(at)


def figures(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def detail_table(at):
    return at.dataframe[-1].value.set_index("Column")


def test_kinds_show_in_words_with_one_label_per_row_reason(db, review):
    kinds = review.selectbox(key=W + "filter_kind")
    labels = kinds.options
    assert not [t for t in labels if RAW_KIND.search(t)], labels
    rows = [t for t in labels if t.startswith("Flagged row: ")]
    assert len(rows) == 4, labels
    # Finding kinds never repeat a row label's words (no "Copied rows" beside "Row copies...").
    words = {t.split(" (")[0].lower() for t in labels}
    assert len(words) == len(labels)
    table = review.dataframe[0].value
    # The kind in words, then where: a row number or the columns (whose names may have "_").
    assert not [t for t in table["Item"] if RAW_KIND.search(t.split(" · ")[0])]
    assert set(table["Status"]) <= {"Open", "Accepted", "Rejected", "Waived"}
    heading = review.subheader[-1].value
    assert heading.startswith("Rows too close to the training data"), heading
    assert "dcr_closer_to_training" not in texts(review)


def test_row_counts_match_the_outliers_page(db, review):
    labels = review.selectbox(key=W + "filter_kind").options
    # 39 rows are near copies; some of them are filed under a more serious reason.
    assert "Flagged row: near copy (39)" in labels
    review.selectbox(key=W + "filter_status").select("Any").run()
    review.selectbox(key=W + "filter_kind").select("near_copy_row").run()
    no_exceptions(review)
    assert len(review.dataframe[0].value) == 39
    assert "a row with two reasons counts under both" in texts(review)
    review.switch_page("pages/outliers.py").run()
    no_exceptions(review)
    assert "a row with two reasons counts under both" in texts(review)
    assert "(39)" in texts(review)


def test_queue_columns_have_room(db, review):
    config = json.loads(review.dataframe[0].proto.columns)
    assert config["Status"]["width"] >= 70 and config["Severity"]["width"] >= 60
    assert config["Item"]["width"] >= 260


def test_a_pair_finding_shows_the_joint_view(db, review):
    run = db.runs()[0].id
    pair = next(i for i in db.items(run) if i.kind == "pair")
    open_item(review, pair)
    [fig] = figures(review)
    titles = json.dumps(fig["layout"])
    assert pair.columns[0] in titles and pair.columns[1] in titles


def test_rows_too_close_show_the_distance_histogram(db, review):
    run = db.runs()[0].id
    dcr = next(i for i in db.items(run) if i.kind == "dcr_closer_to_training")
    open_item(review, dcr)
    [fig] = figures(review)
    assert "distance to the closest training record" in json.dumps(fig["layout"])
    assert "Rows too close to the training data" in texts(review)


def test_an_exact_copy_matches_on_every_compared_column_on_both_pages(db, review):
    run = db.runs()[0].id
    copy = next(i for i in db.items(run) if i.kind == "copied_row")
    open_item(review, copy)
    side = detail_table(review)
    assert side.loc["student_id", "Same"] == "not compared (id)"
    compared = side[~side["Same"].str.startswith("not compared")]
    assert len(compared) == 16 and (compared["Same"] == "yes").all()

    review.switch_page("pages/outliers.py").run()
    review.multiselect(key=W + "flag_kinds").set_value(["copied"]).run()
    table = [d.value for d in review.dataframe if "Synthetic row" in d.value.columns][0]
    at_row = int(table.index[table["Synthetic row"] == copy.row][0])
    review.session_state[W + "flag_table.copied.1"] = {"selection": {"rows": [at_row],
                                                                     "columns": []}}  # fmt: skip
    review.run()
    no_exceptions(review)
    outliers = [d.value for d in review.dataframe if "Same" in d.value.columns][0]
    assert outliers.set_index("Column").equals(side)


def test_counts_are_pluralised(db, review):
    review.selectbox(key=W + "filter_kind").select("All flagged rows").run()
    click(review, "Reject")
    no_exceptions(review)
    body = texts(review)
    assert "1 synthetic row left out of the cleaned dataset" in body and "1 rows" not in body


def test_both_pages_name_the_reasons_with_the_same_words():
    from outputs.result_words import KIND_LABELS
    from outputs.review_items import REASON_WORDS, kind_title

    assert {k: v.lower() for k, v in KIND_LABELS.items()} == REASON_WORDS
    assert kind_title("near_copy_row") == "Flagged row: near copy"
