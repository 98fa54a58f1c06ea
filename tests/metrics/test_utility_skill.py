"""The primary metric of utility, its no-skill value and its bootstrap: the same numbers as
scikit-learn's definitions, under re-weighting as under repeated rows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score, r2_score, roc_auc_score

from metrics.utility_skill import (
    BOOT_CELLS,
    MIN_BOOT,
    Primary,
    Scorer,
    choose_primary,
    constant_f1,
    measure,
    resamples,
)


@pytest.fixture(scope="module")
def rare() -> tuple[np.ndarray, np.ndarray]:
    """Two classes, 8% positive, scores rounded so that many rows tie."""
    g = np.random.default_rng(0)
    y = (g.random(600) < 0.08).astype(int)
    p = np.round(g.random(600) * 0.5 + 0.3 * y, 2)
    return y, np.c_[1 - p, p]


def test_point_values_match_sklearn_with_ties(rare) -> None:
    y, proba = rare
    ap = Scorer(Primary("average_precision", 1), y, proba).point()
    auc = Scorer(Primary("roc_auc"), y, proba).point()
    assert ap == pytest.approx(average_precision_score(y, proba[:, 1]), abs=1e-12)
    assert auc == pytest.approx(roc_auc_score(y, proba[:, 1]), abs=1e-12)
    g = np.random.default_rng(1)
    yr = g.normal(size=300)
    pred = yr + g.normal(size=300)
    assert Scorer(Primary("r2"), yr, pred).point() == pytest.approx(r2_score(yr, pred))


@pytest.mark.parametrize("dtype", [np.uint8, np.int64])
def test_weights_are_repeated_rows(rare, dtype) -> None:
    # A bootstrap resample is a vector of counts: the metric under those weights must equal
    # the metric on the rows repeated that many times, whatever the integer type.
    y, proba = rare
    g = np.random.default_rng(2)
    w = g.integers(0, 3, len(y))
    rows = np.repeat(np.arange(len(y)), w)
    W = w[None].astype(dtype)
    ap = Scorer(Primary("average_precision", 1), y, proba)(W)[0]
    auc = Scorer(Primary("roc_auc"), y, proba)(W)[0]
    assert ap == pytest.approx(average_precision_score(y[rows], proba[rows, 1]), abs=1e-6)
    assert auc == pytest.approx(roc_auc_score(y[rows], proba[rows, 1]), abs=1e-6)
    y3 = g.integers(0, 3, 400)
    p3 = g.dirichlet(np.ones(3), 400)
    w3 = g.integers(0, 3, 400)
    rows3 = np.repeat(np.arange(400), w3)
    macro = np.mean([roc_auc_score(y3[rows3] == c, p3[rows3, c]) for c in range(3)])
    assert Scorer(Primary("roc_auc"), y3, p3)(w3[None].astype(dtype))[0] == pytest.approx(macro)


def test_primary_metric_choice() -> None:
    rare_yes = np.array([0] * 95 + [1] * 5)
    assert choose_primary("classification", rare_yes, 2) == Primary("average_precision", 1)
    assert choose_primary("classification", 1 - rare_yes, 2) == Primary("average_precision", 0)
    assert choose_primary("classification", np.array([0, 1] * 50), 2) == Primary("roc_auc")
    three = np.array([0] * 90 + [1] * 5 + [2] * 5)  # one-vs-rest over three classes
    assert choose_primary("classification", three, 3) == Primary("roc_auc")
    assert choose_primary("regression", np.zeros(10), 0) == Primary("r2")
    assert Primary("average_precision", 1).words(["no", "yes"]) == "average precision of 'yes'"


def test_constant_f1_is_the_best_constant_prediction() -> None:
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    best = max(f1_score(y, np.full(len(y), c), average="macro") for c in range(3))
    assert constant_f1(y) == pytest.approx(best)


def test_tstr_and_trtr_are_resampled_together(rare) -> None:
    # Identical predictions: every resample gives the same TSTR and TRTR, so utility is exactly
    # 1 with an interval of width 0. Resampled apart, the interval would be wide.
    y, proba = rare
    outs = {"linear": {"trtr": proba, "tstr": proba.copy()}}
    m = measure(Primary("roc_auc"), y, outs, np.random.default_rng(0), 200, 0.95)
    assert m.measurable and m.score == 1.0 and m.interval == (1.0, 1.0)
    assert m.n_boot == 200 and m.trtr_interval is not None


def test_model_without_skill_is_left_out(rare) -> None:
    y, proba = rare
    noise = np.random.default_rng(5).permutation(proba)
    outs = {"linear": {"trtr": proba, "tstr": proba}, "boosting": {"trtr": noise, "tstr": proba}}
    m = measure(Primary("roc_auc"), y, outs, np.random.default_rng(0), 200, 0.95)
    assert m.counted == ["linear"] and not m.per_model["boosting"]["measurable"]
    assert m.score == 1.0


def test_resamples_are_bounded_for_many_classes() -> None:
    assert resamples(200, 4, 50_000) == 200
    assert resamples(200, 40, 50_000) == max(MIN_BOOT, 200 * BOOT_CELLS // (40 * 50_000))
    assert resamples(200, 500, 50_000) == MIN_BOOT
    assert resamples(20, 500, 50_000) == 20
