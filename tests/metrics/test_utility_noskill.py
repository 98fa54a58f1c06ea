"""Utility gives no credit for no skill: a shuffled synthetic target scores near 0, a real
target at chance is not measurable, a trivial target stays out of Overall unless kept."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from metrics.encode import encode
from metrics.options import Options
from metrics.schema import ColumnSpec, Kind, Schema
from metrics.suite import with_result
from metrics.utility import evaluate, info, utility_json
from review.gating import assessment_reasons, evaluate_assessment
from review.policy import default_policy
from review.records import jsonable
from tests import demo_pair


def _schema(df: pd.DataFrame) -> Schema:
    return Schema(
        [ColumnSpec(c, Kind.CATEGORICAL if c == "target" else Kind.NUMERICAL) for c in df.columns]
    )


@pytest.fixture(scope="module")
def cancer() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Real = half of load_breast_cancer, synthetic = the other half (an honest sample)."""
    df = load_breast_cancer(as_frame=True).frame
    df["target"] = df["target"].map({0: "malignant", 1: "benign"})
    real = df.sample(frac=0.5, random_state=1)
    return real.reset_index(drop=True), df.drop(real.index).reset_index(drop=True)


def test_shuffled_synthetic_target_gets_no_credit(cancer) -> None:
    real, syn = cancer
    schema = _schema(real)
    honest = evaluate(encode(real, syn, schema))
    assert honest.score > 0.9 and honest.interval is not None
    scores = []
    for seed in range(6):
        shuffled = syn.assign(target=np.random.default_rng(seed).permutation(syn["target"]))
        res = evaluate(encode(real, shuffled, schema))
        scores.append(res.score)
        assert info(res).measurable  # the real target is predictable: TRTR ROC AUC about 0.99
        # Every permutation is told apart from the honest sample beyond both intervals...
        assert res.interval is not None and res.interval[1] < honest.interval[0]
        (drop,) = [f for f in res.findings if f.kind == "utility_drop"]
        assert drop.severity == "high" and drop.beyond is not None and drop.beyond > 0.2
    # ...and typically scores at most 0.1. A model trained on shuffled labels learns a random
    # direction; nearly every direction of this feature space tracks tumour size, so a single
    # permutation can still rank real rows better than chance (ROC AUC up to about 0.7).
    assert float(np.median(scores)) <= 0.1
    assert sum(s <= 0.1 for s in scores) >= 3


def test_real_target_at_chance_is_not_measurable(cancer) -> None:
    real, syn = cancer
    real, syn = real.iloc[:, :10].copy(), syn.iloc[:, :10].copy()  # ten features: faster
    measurable = 0
    for seed in range(8):
        g = np.random.default_rng(seed)
        real["target"] = g.choice(["a", "b"], len(real))
        syn["target"] = g.choice(["a", "b"], len(syn))
        res = evaluate(encode(real, syn, _schema(real)))
        found = info(res)
        if found.measurable:  # a 2.5% test per model: a chance target passes now and then
            measurable += 1
            continue
        assert math.isnan(res.score) and res.error is None and res.interval is None
        assert res.excluded and res.excluded.startswith("not measurable for this target")
        assert found.reason == res.excluded and found.baseline == 0.5
        (finding,) = [f for f in res.findings if f.kind == "utility_not_measurable"]
        assert "no better than the no-skill value 0.50" in finding.message
        assert "95% interval" in finding.message and "ROC AUC" in finding.message
        assert not [f for f in res.findings if f.kind == "utility_drop"]
        out = utility_json(res)
        assert out["measurable"] is False and out["reason"] == res.excluded
        assert out["interval"] is None and out["baseline"] == 0.5
    assert measurable <= 1


def test_demo_mba_spec_is_not_measurable() -> None:
    base = demo_pair.assessment("placed")
    res = evaluate(demo_pair.encoded(), Options(target="mba_spec"))
    found = info(res)
    assert not found.measurable and math.isnan(res.score)
    # Real-trained models: ROC AUC 0.63 (linear) and 0.54 (boosting) on 54 holdout rows.
    assert found.models["linear"]["trtr"]["roc_auc"] == pytest.approx(0.63, abs=0.01)
    (finding,) = [f for f in res.findings if f.kind == "utility_not_measurable"]
    assert "ROC AUC 0.63 on the 54 real test rows (95% interval 0.4" in finding.message
    a = with_result(base, res, Options(target="mba_spec"))
    assert "utility" not in a.scores and "utility" not in a.intervals
    assert a.scores["overall"] == pytest.approx(
        np.mean([v for k, v in a.scores.items() if k != "overall"])
    )
    assert assessment_reasons(a)["utility"] == res.excluded
    (gate,) = [g for g in evaluate_assessment(default_policy(), a) if g.name == "utility_min"]
    assert gate.passed is None and gate.status == "not evaluated"
    assert "not measurable for this target" in gate.message


def test_demo_placed_is_trivial_and_kept_out_unless_kept() -> None:
    a = demo_pair.assessment("placed")
    res = a.result("utility")
    assert res is not None and info(res).trivial and info(res).measurable
    assert res.score == 1.0 and res.excluded and "trivially predictable" in res.excluded
    assert any(f.kind == "easy_target" for f in res.findings)
    assert "utility" not in a.scores
    kept_opts = Options(target="placed", keep_trivial_target=True)
    kept = evaluate(demo_pair.encoded(), kept_opts)
    assert kept.excluded is None and info(kept).reason is None and info(kept).trivial
    b = with_result(a, kept, kept_opts)
    assert b.scores["utility"] == 1.0
    assert b.scores["overall"] == pytest.approx(
        np.mean([v for k, v in b.scores.items() if k != "overall"])
    )
    assert b.scores["overall"] > a.scores["overall"]


def test_demo_high_spec_counts_with_an_interval() -> None:
    res = evaluate(demo_pair.encoded(), Options(target="high_spec"))
    assert info(res).measurable and res.excluded is None
    assert res.interval is not None and res.interval[0] <= res.score <= res.interval[1] <= 1.0
    assert res.floor == 1.0


def _report(res) -> str:
    return json.dumps(jsonable(utility_json(res)), sort_keys=True)


def test_same_seed_same_result() -> None:
    enc = demo_pair.encoded()
    first = evaluate(enc, Options(target="high_spec"))
    again = evaluate(enc, Options(target="high_spec"))
    assert (again.score, again.interval) == (first.score, first.interval)
    assert _report(again) == _report(first)
    pd.testing.assert_frame_equal(again.details, first.details)
    other = evaluate(enc, Options(target="high_spec", seed=1))
    assert other.interval != first.interval  # the seed reaches the bootstrap


def test_rare_class_is_scored_by_average_precision(cancer) -> None:
    # 25 malignant rows among 357 benign (6.5%): ROC AUC would flatter a model that finds few
    # of them, so the score is built on the average precision of 'malignant'.
    real, syn = cancer
    df = pd.concat([real, syn])
    rare = pd.concat([df[df.target == "benign"], df[df.target == "malignant"].iloc[:25]])
    rare = rare.sample(frac=1, random_state=0).reset_index(drop=True)
    half = rare.sample(frac=0.5, random_state=1)
    r, s = half.reset_index(drop=True), rare.drop(half.index).reset_index(drop=True)
    good = evaluate(encode(r, s, _schema(r)))
    found = info(good)
    assert (found.primary_metric, found.primary_words) == (
        "average_precision",
        "average precision of 'malignant'",
    )
    test_share = found.baseline
    assert test_share is not None and 0.03 < test_share < 0.1  # B = the share in the test rows
    assert good.score > 0.9
    bad = []
    for seed in range(4):  # as above, one permutation can land on a telling direction
        shuffled = s.assign(target=np.random.default_rng(seed).permutation(s["target"]))
        res = evaluate(encode(r, shuffled, _schema(r)))
        assert info(res).baseline == test_share and res.score < good.score - 0.5
        bad.append(res.score)
    assert float(np.median(bad)) <= 0.1
