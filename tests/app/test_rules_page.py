"""The Schema page's rules section as a user meets it (AppTest on the real app.py)."""

from __future__ import annotations

import json

from metrics.options import Options
from metrics.results import no_progress
from metrics.rules import info, rules
from tests.app.conftest import no_exceptions, texts
from tests.demo_pair import encoded

ORDER_TEXT = "start_date is on or before end_date"
DROPPED = "synthlens.rules.dropped"
DECLARED = "synthlens.rules.constraints"


def _schema(demo_app):
    demo_app.switch_page("pages/schema.py").run()
    no_exceptions(demo_app)
    return demo_app


def _rule_box(at, text: str):
    boxes = [b for b in at.checkbox if b.label.replace("\\", "") == text]
    assert boxes, [b.label for b in at.checkbox]
    return boxes[0]


def _uploader(at):
    return [u for u in at.get("file_uploader") if "constraints" in u.label][0]


def test_schema_page_lists_the_demo_order_rule_and_dropping_it_takes_it_out_of_the_run(demo_app):
    at = _schema(demo_app)
    assert "Rules the data should obey" in texts(at)
    box = _rule_box(at, ORDER_TEXT)
    assert box.value is True
    box.uncheck().run()
    no_exceptions(at)
    dropped = at.session_state[DROPPED]
    assert dropped == frozenset({"order:start_date<=end_date"})
    assert _rule_box(at, ORDER_TEXT).value is False
    # The next run's options carry it, and the rules metric no longer checks it.
    checked = info(rules(encoded(), Options(dropped_rules=dropped), no_progress)).checks
    assert "order:start_date<=end_date" not in {c.rule_id for c in checked}
    _rule_box(at, ORDER_TEXT).check().run()
    assert at.session_state[DROPPED] == frozenset()


def test_constraints_file_loads_lists_and_removes(demo_app):
    at = _schema(demo_app)
    good = [
        {
            "constraint_class": "Inequality",
            "parameters": {"low_column_name": "degree_perc", "high_column_name": "mba_perc"},
        }
    ]
    _uploader(at).set_value(("c.json", json.dumps(good).encode(), "application/json"))
    at.run()
    no_exceptions(at)
    assert "Inequality: degree_perc is at most mba_perc" in texts(at)
    assert len(at.session_state[DECLARED]) == 1
    [b for b in at.button if b.label == "Remove"][0].click().run()
    no_exceptions(at)
    assert at.session_state[DECLARED] == ()
    assert "No constraint declared." in texts(at)  # the upload still in its widget adds nothing


def test_hostile_constraints_files_are_messages(demo_app):
    at = _schema(demo_app)
    for data, expected in [
        (b"{nope", "not valid JSON"),
        (b'[{"constraint_class": "Magic", "parameters": {}}]', "'Magic' is not a constraint class"),
        (
            b'[{"constraint_class": "FixedCombinations", "parameters": {"column_names": '
            b'["gender", "planet"]}}]',
            "'planet' is not a compared column",
        ),
        (b"[" + b" " * 1_100_000 + b"]", "up to 1 MB"),
    ]:
        _uploader(at).set_value(("bad.json", data, "application/json"))
        at.run()
        no_exceptions(at)
        message = "\n".join(e.value for e in at.error).replace("\\", "")
        assert "bad.json" in message and expected in message, message
    assert DECLARED not in at.session_state or at.session_state[DECLARED] == ()


def test_add_a_declared_constraint_with_the_form(demo_app):
    at = _schema(demo_app)
    at.selectbox(key="synthlens.w.add_class").set_value("FixedCombinations").run()
    at.multiselect(key="synthlens.w.add.FixedCombinations.cols").set_value(
        ["gender", "degree_type"]).run()  # fmt: skip
    [b for b in at.button if b.label == "Add constraint"][0].click().run()
    no_exceptions(at)
    (one,) = at.session_state[DECLARED]
    assert json.loads(one)["parameters"]["column_names"] == ["gender", "degree_type"]
    assert "FixedCombinations: gender, degree_type only take combinations" in texts(at)
    # One column is not a combination: a message, nothing added.
    at.multiselect(key="synthlens.w.add.FixedCombinations.cols").set_value(["gender"]).run()
    [b for b in at.button if b.label == "Add constraint"][0].click().run()
    no_exceptions(at)
    assert "needs at least 2 columns" in "\n".join(e.value for e in at.error)
    assert len(at.session_state[DECLARED]) == 1
