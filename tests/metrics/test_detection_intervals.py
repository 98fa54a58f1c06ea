"""Detection's interval (DeLong), its floor (real against real) and the separates-all path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from test_detection import SCHEMA, draw  # same planted-data builder

from metrics.detection import (
    SEPARATES_ALL,
    DetectionInfo,
    detect,
    detection_json,
    detection_score,
)
from metrics.detection import info as detection_info
from metrics.detection_auc import auc_interval, delong, score_interval
from metrics.encode import encode
from metrics.features import auc_score
from metrics.options import Options
from metrics.schema import ColumnSpec, Kind, Schema
from metrics.uncertainty import severity_beyond


def slow_delong(y: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    """DeLong's variance by the O(m n) definition: every positive against every negative."""
    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    return float(psi.mean()), v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg)


def test_fast_delong_equals_the_definition_with_ties() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    s = np.round(rng.normal(y * 0.7, 1), 1)  # many ties
    auc, var = delong(y, s)
    ref_auc, ref_var = slow_delong(y, s)
    assert auc == pytest.approx(ref_auc, abs=1e-12) == roc_auc_score(y, s)
    assert var == pytest.approx(ref_var, rel=1e-10)
    assert auc_interval(np.ones(5), np.arange(5.0), 0.95) is None  # one class: no interval


def test_delong_interval_matches_a_bootstrap_on_a_planted_example() -> None:
    rng = np.random.default_rng(1)
    m = n = 1500
    y = np.r_[np.ones(m, dtype=int), np.zeros(n, dtype=int)]
    s = np.r_[rng.normal(0.9, 1, m), rng.normal(0, 1, n)]  # AUC about 0.74
    low, high = auc_interval(y, s, 0.95)
    boot = np.random.default_rng(2)
    aucs = []
    for _ in range(1000):  # stratified bootstrap: each side resampled on its own
        idx = np.r_[boot.integers(0, m, m), m + boot.integers(0, n, n)]
        aucs.append(auc_score(y[idx], s[idx]))
    b_low, b_high = np.percentile(aucs, [2.5, 97.5])
    assert low == pytest.approx(b_low, abs=0.004) and high == pytest.approx(b_high, abs=0.004)
    assert low < auc_score(y, s) < high


def test_delong_interval_holds_half_for_same_distribution_scores() -> None:
    y = np.r_[np.ones(300, dtype=int), np.zeros(300, dtype=int)]
    hits = 0
    for k in range(200):
        s = np.random.default_rng(100 + k).normal(size=600)
        low, high = auc_interval(y, s, 0.95)
        hits += low <= 0.5 <= high
    assert 0.90 <= hits / 200 <= 0.99


def test_score_interval_maps_both_bounds_the_other_way_round_and_clips() -> None:
    assert score_interval((0.6, 0.8)) == pytest.approx((0.4, 0.8))
    assert score_interval((0.45, 0.55)) == pytest.approx((0.9, 1.0))  # below 0.5 is a coin
    assert score_interval((0.97, 1.0)) == pytest.approx((0.0, 0.06))
    assert score_interval(None) is None


@pytest.fixture(scope="module")
def same():
    rng = np.random.default_rng(11)
    return draw(1200, rng), draw(1200, rng), draw(1200, rng)


def test_same_distribution_holds_half_floor_near_one_and_no_finding(same) -> None:
    real, syn, holdout = same
    res = detect(encode(real, syn, SCHEMA, holdout), Options(seed=2))
    got = detection_info(res)
    low, high = got.auc_interval
    assert low <= 0.5 <= high and low <= res.raw <= high
    assert res.interval == pytest.approx(score_interval(got.auc_interval))
    assert res.interval[0] <= res.score <= res.interval[1]
    # The floor: the same classifier, real rows against holdout rows, size-matched.
    assert abs(got.floor_auc - 0.5) < 0.05 and res.floor == detection_score(got.floor_auc)
    assert res.floor > 0.9 and got.floor_rows == 1200
    assert "holdout" in got.floor_note and got.floor_note in got.message
    assert res.findings == [] and not got.separates_all


def test_without_holdout_the_floor_splits_the_real_rows(same) -> None:
    real, syn, _ = same
    res = detect(encode(real, syn, SCHEMA), Options(seed=2))
    got = detection_info(res)
    assert got.floor_rows == 600 and "two halves of the real rows" in got.floor_note
    assert res.floor > 0.85


def test_floor_is_capped(same, monkeypatch) -> None:
    from metrics import detection_floor

    monkeypatch.setattr(detection_floor, "FLOOR_ROWS", 300)
    real, syn, holdout = same
    got = detection_info(detect(encode(real, syn, SCHEMA, holdout), Options(seed=2)))
    assert got.floor_rows == 300 and "300 a side" in got.floor_note


def test_too_few_rows_for_a_floor_gives_the_ideal_one() -> None:
    rng = np.random.default_rng(3)
    real, syn = draw(30, rng), draw(30, rng)  # halves of 15 rows: fewer than MIN_ROWS
    res = detect(encode(real, syn, SCHEMA))
    assert res.floor == 1.0 and detection_info(res).floor_auc is None
    assert "Too few real rows" in detection_info(res).floor_note


def test_a_finding_only_beyond_the_floor_with_severity_from_the_distance(same) -> None:
    real, syn, holdout = same
    bad = syn.assign(x3=syn["x3"] * 1.6)
    res = detect(encode(real, bad, SCHEMA, holdout), Options(seed=2))
    (finding,) = res.findings
    assert finding.beyond == pytest.approx(res.floor - res.interval[1])
    assert finding.beyond > 0 and finding.severity == severity_beyond(finding.beyond)
    assert finding.columns[0] == "x3" and f"{res.raw:.3f}" in finding.message
    assert finding.rows  # rows the classifier is sure of are quoted when not every row is


def test_separates_all_is_said_once_without_rows(same) -> None:
    real, syn, _ = same
    apart = syn.assign(x1=syn["x1"] + 100, x2=syn["x2"] + 200)
    res = detect(encode(real, apart, SCHEMA), Options(seed=2))
    got = detection_info(res)
    assert res.raw >= SEPARATES_ALL and got.separates_all
    (finding,) = res.findings
    assert finding.severity == "high" and finding.rows == ()
    assert finding.message.startswith(
        f"A classifier tells almost every synthetic row from the real ones (AUC {res.raw:.3f}): "
        "the synthetic data differs as a whole, look at the columns first."
    )
    assert {"x1", "x2"} & set(finding.columns)
    assert detection_json(res)["separates_all"] is True


def test_deterministic_for_a_seed(same) -> None:
    real, syn, holdout = same
    enc = encode(real, syn.assign(x3=syn["x3"] * 1.2), SCHEMA, holdout)
    a, b = detect(enc, Options(seed=5)), detect(enc, Options(seed=5))
    assert detection_json(a) == detection_json(b)
    assert (a.interval, a.floor) == (b.interval, b.floor)
    assert (
        detection_json(detect(enc, Options(seed=6)))["floor_auc"] != detection_json(a)["floor_auc"]
    )


def test_json_keeps_its_keys_and_adds_the_intervals(same) -> None:
    real, syn, holdout = same
    res = detect(encode(real, syn, SCHEMA, holdout))
    out = detection_json(res)
    assert {"auc", "score", "rows_per_side", "error"} <= set(out)
    assert out["interval"] == list(res.interval) and len(out["auc_interval"]) == 2
    assert out["floor"] == res.floor and out["floor_auc"] == detection_info(res).floor_auc
    failed = detect(encode(real.iloc[:5], syn.iloc[:5], SCHEMA))
    assert detection_json(failed)["interval"] is None and detection_json(failed)["error"]


def test_constant_columns_give_a_point_interval_and_the_ideal_floor() -> None:
    schema = Schema([ColumnSpec("c", Kind.CATEGORICAL)])
    df = pd.DataFrame({"c": ["a"] * 50})
    res = detect(encode(df, df.copy(), schema))
    assert (res.interval, res.floor) == ((1.0, 1.0), 1.0)
    assert detection_info(res).auc_interval == (0.5, 0.5)
    assert detect(encode(df, df.copy(), schema)).extra != DetectionInfo()
