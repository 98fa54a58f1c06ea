"""The Privacy page's attack figures: what a reader sees on them, and hostile names kept inert."""

from __future__ import annotations

import json

import numpy as np
import pytest

from metrics.attacks import AttackResult
from metrics.membership import Membership
from outputs import attack_charts
from tests.payloads import payloads


def _attack(secret: str = "salary") -> AttackResult:
    return AttackResult(
        attack="inference", risk=0.25, interval=(0.1, 0.4), train_rate=0.6, control_rate=0.45,
        baseline_rate=0.2, train_interval=(0.55, 0.65), control_interval=(0.4, 0.5),
        n_attacks=500, columns=("age", secret), note=f"secret {secret}",
    )  # fmt: skip


def _membership(auc: float = 0.7) -> Membership:
    empty = np.array([])
    return Membership(auc, (auc - 0.05, auc + 0.05), 100, 100, empty, empty, empty, empty,
                      "holdout", "100 training rows against 100 holdout rows")  # fmt: skip


def test_attack_chart_shows_training_control_and_random_guess_with_intervals():
    fig = attack_charts.attack_rates(_attack(), "Attacks that succeed")
    (bar,) = fig.data
    # Each side labelled with its success rate.
    assert list(bar.y) == ["Training records: 60.0%", "Control records: 45.0%",
                           "Random guess: 20.0%"]  # fmt: skip
    assert list(bar.x) == [0.6, 0.45, 0.2]
    # Each side's interval is drawn around it; the random guess has none.
    assert list(bar.error_x.array) == pytest.approx([0.05, 0.05, 0.0])
    assert list(bar.error_x.arrayminus) == pytest.approx([0.05, 0.05, 0.0])
    assert fig.layout.xaxis.title.text == "share of attacks that succeed"
    assert fig.layout.xaxis.tickformat == ".0%"
    assert fig.layout.xaxis.range[1] >= 0.65  # the training interval fits
    assert fig.layout.title.text == "Attacks that succeed"


def test_membership_chart_shows_the_auc_and_its_interval_against_a_coin():
    fig = attack_charts.membership_auc(_membership(0.7))
    (point,) = fig.data
    assert list(point.x) == [0.7]
    assert list(point.error_x.array) == pytest.approx([0.05])
    assert list(point.error_x.arrayminus) == pytest.approx([0.05])
    assert "ROC AUC" in fig.layout.xaxis.title.text
    (line,) = fig.layout.shapes
    assert line.x0 == line.x1 == 0.5
    assert "coin" in fig.layout.annotations[0].text


@pytest.mark.parametrize("name", ["html_img", "plotly_link", "plotly_style"])
def test_hostile_secret_names_reach_the_chart_escaped(name):
    hostile = payloads()[name]
    fig = attack_charts.attack_rates(_attack(hostile), f"secret column: {hostile}")
    blob = json.dumps(fig.to_plotly_json(), ensure_ascii=False)
    for tag in ("<img", "<a href", "<span style"):
        assert tag not in blob
    assert "&lt;" in fig.layout.title.text
