"""Scores in words, in the JSON and in the HTML report: intervals, floors, verdicts, the order of
the worst columns, and reading an assessment whose metrics have no interval yet."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest

from metrics.options import Options
from metrics.results import Finding
from outputs import html_report, json_report, score_charts
from outputs import score_words as sw
from outputs.finding_groups import columns_text, first_and_rest
from tests import demo_pair


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.997, "0.997"), (0.93, "0.93"), (1.0, "1.00"), (0.9996, "0.9996"), (0.003, "0.003"),
     (0.0, "0.00"), (math.nan, "n/a"), (None, "n/a")],
)  # fmt: skip
def test_a_score_is_shown_with_the_precision_that_matters(value, text):
    assert sw.score_text(value) == text


def test_an_interval_whose_ends_print_alike_gets_one_more_decimal():
    assert sw.digits_for([0.933], (0.931, 0.934)) == 3
    assert sw.digits_for([0.93], (0.90, 0.95)) == 2
    # An interval's end may honestly print as 1.00; only the score itself may not.
    assert sw.digits_for([0.95], (0.90, 0.9996)) == 2


def test_a_score_reads_with_its_interval_and_what_a_real_sample_scores():
    words = sw.score_words(0.93, (0.90, 0.95), 0.97)
    assert words == "0.93 (95% interval 0.90-0.95); an independent real sample scores about 0.97"
    # Below the floor beyond its interval: said by how far (the severity its finding gets).
    assert sw.verdict(0.93, (0.90, 0.95), 0.97) == "slightly below a real sample"
    assert sw.verdict(0.89, (0.88, 0.90), 0.99) == "below a real sample"  # "good" by level
    assert sw.verdict(0.29, (0.16, 0.52), 0.94) == "far below a real sample"
    assert sw.score_words(0.91, (0.88, 0.94), 0.95, short=True) == (
        "0.91 (0.88-0.94); a real sample scores about 0.95"
    )
    # Before the metric computes them: the bare score, no invented words.
    assert sw.score_words(0.93, None, None) == "0.93"


def test_a_score_whose_interval_reaches_its_floor_is_as_good_as_a_real_sample():
    words = sw.score_words(0.93, (0.90, 0.95), 0.94)
    assert words == (
        "0.93: as good as an independent real sample (95% interval 0.90-0.95; a real sample "
        "scores about 0.94)"
    )
    # Even a low score: on small data the whole gap can be sampling noise.
    assert sw.verdict(0.55, (0.40, 0.66), 0.62) == "as good as an independent real sample"
    assert sw.verdict(0.55) == "poor" and sw.verdict(0.75) == "fair"
    utility = sw.score_words(0.98, (0.95, 1.0), 1.0, reference=sw.REFERENCE["utility"])
    assert utility.startswith("0.98: as good as training on real rows (95% interval 0.95-1.00")


def test_a_family_with_a_high_finding_is_never_called_good():
    for word in ("good", "as good as an independent real sample"):
        text = sw.verdict_text(word, 1)
        assert "good" not in text and text == "1 high-severity finding despite the score"
    assert sw.verdict_text("poor", 2) == "poor, and 2 high-severity findings"
    assert sw.verdict_text("good", 0) == "good"


def test_a_target_at_chance_says_utility_is_not_measurable_and_why():
    a = demo_pair.assessment("mba_spec")
    words = sw.family_words(a, "utility")
    assert words.startswith("Utility not measurable for this target: models trained on real rows "
                            "predict 'mba_spec' no better than chance")  # fmt: skip
    report = json_report.to_dict(a)
    assert report["utility"]["measurable"] is False and "utility" not in report["scores"]
    assert report["utility"]["reason"].startswith("not measurable for this target")
    page = html_report.render(a)
    assert "Utility not measurable for this target: models trained on real rows predict" in (
        page.replace("&#x27;", "'")
    )


def test_worst_first_puts_unscored_rows_then_the_farthest_below_the_floor_first():
    d = pd.DataFrame({
        "column": ["ok", "noisy", "error", "broken", "near"],
        "score": [0.99, 0.70, np.nan, 0.80, 0.90],
        "beyond": [-0.05, -0.10, np.nan, 0.12, 0.01],
    }, index=[3, 3, 1, 0, 7])  # fmt: skip
    assert list(sw.worst_first(d)["column"]) == ["error", "broken", "near", "ok", "noisy"]
    # Without floors yet: the lowest score first, as before.
    plain = d.drop(columns="beyond")
    assert list(sw.worst_first(plain)["column"]) == ["error", "noisy", "broken", "near", "ok"]
    counted = d.assign(counted=[True, True, True, False, True])
    assert list(sw.worst_first(counted, ("counted",))["column"])[-1] == "broken"


def test_findings_group_by_cause_in_the_order_of_their_worst():
    found = [Finding(k, "high", ("a",), f"m{i}", "x") for i, k in
             enumerate(["pair", "marginal", "pair", "pair", "marginal", "invalid_rows"])]  # fmt: skip
    shown, rest = first_and_rest(found, first=4)
    assert [(g.kind, g.members) for g in shown] == [("pair", (0, 2, 3)), ("marginal", (1,))]
    assert [(g.kind, g.members) for g in rest] == [("marginal", (4,)), ("invalid_rows", (5,))]
    assert columns_text(["a", "b"]) == ("a, b", "")
    assert columns_text(list("abcdef")) == ("a, b, c, d and 2 more", "e, f")


def test_interval_bars_draw_each_interval_and_floor():
    d = pd.DataFrame({"column": ["x", "<b>y</b>"], "score": [0.8, 0.95], "low": [0.7, 0.9],
                      "high": [0.85, 0.99], "floor": [0.93, 0.94]})  # fmt: skip
    fig = score_charts.interval_bars(d, "column")
    bars, floors = fig.data
    assert list(bars.error_x.array) == pytest.approx([0.05, 0.04])
    assert list(bars.error_x.arrayminus) == pytest.approx([0.1, 0.05])
    assert list(floors.x) == [0.93, 0.94] and "&lt;b&gt;y" in bars.y[1]
    assert bars.marker.color[0] != bars.marker.color[1]  # below its floor / as good as it
    assert len(score_charts.interval_bars(d.drop(columns=["low", "high"]), "column").data) == 1


def test_reports_read_an_assessment_whose_metrics_have_no_interval_yet():
    a = demo_pair.assessment("placed")
    shapes = a.results["column_shapes"]
    bare = dataclasses.replace(
        shapes, interval=None, floor=None,
        details=shapes.details.drop(columns=["low", "high", "floor", "beyond"], errors="ignore"),
    )  # fmt: skip
    old = dataclasses.replace(a, results={**a.results, "column_shapes": bare}, intervals={},
                              floors={}, options=Options(target="placed"))  # fmt: skip
    report = json.loads(json_report.to_json(old))
    assert report["intervals"] == {} and report["floors"] == {}
    assert all(c["interval"] is None and c["floor"] is None for c in report["columns"])
    page = html_report.render(old)
    assert "Fidelity 0." in page and "<td class='n'></td>" in page
    assert sw.family_words(old, "fidelity") == f"Fidelity {sw.score_text(old.scores['fidelity'])}."
