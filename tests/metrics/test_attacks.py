"""Privacy attacks (singling out, linkability, inference) against a control set, as anonymeter 1.1."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_digits

from metrics import attacks
from metrics import attacks_singling as so
from metrics.attacks_gower import nearest_gower
from metrics.encode import encode
from metrics.schema import ColumnSpec, Kind, Schema, infer

N = 400


@lru_cache(maxsize=8)
def _frame(name: str) -> pd.DataFrame:
    if name == "digits":
        return load_digits(as_frame=True).frame.iloc[:, :24].astype(float)
    return load_breast_cancer(as_frame=True).frame.astype(float)


def _pair(name: str, seed: int, leak: float):
    """Training, control and an independent real sample as synthetic (thirds), with ``leak`` of
    the synthetic rows replaced by training rows."""
    frame = _frame(name)
    order = np.random.default_rng(seed).permutation(len(frame))
    n = len(frame) // 3
    train, control, syn = (
        frame.iloc[order[i * n : (i + 1) * n]].reset_index(drop=True) for i in range(3)
    )
    if leak:
        k = int(leak * n)
        syn = syn.copy()
        syn.iloc[:k] = train.iloc[:k].to_numpy()
    schema = Schema([ColumnSpec(c, Kind.NUMERICAL) for c in frame.columns])
    return encode(train, syn, schema, control)


SECRETS = {"digits": "pixel_0_2", "breast_cancer": "mean radius"}


def _run_all(enc, seed: int):
    secret = next(s for s in SECRETS.values() if s in enc.analysed)
    return [
        attacks.singling_out(enc, N, seed),
        attacks.linkability(enc, N, seed),
        attacks.inference(enc, [secret], N, seed),
    ]


@pytest.mark.parametrize("name", ["digits", "breast_cancer"])
def test_copied_rows_raise_every_risk(name):
    for result in _run_all(_pair(name, 0, 0.2), seed=0):
        assert result.interval[0] > 0, result
        assert result.train_rate > result.control_rate


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_independent_real_sample_intervals_contain_zero(seed):
    for name in ("digits", "breast_cancer"):
        for result in _run_all(_pair(name, seed, 0.0), seed=seed):
            assert result.interval[0] == 0.0, result


def test_seeded_runs_repeat_and_seeds_differ():
    enc = _pair("breast_cancer", 0, 0.2)
    assert _run_all(enc, 5) == _run_all(enc, 5)
    a, b = attacks.singling_out(enc, N, 5), attacks.singling_out(enc, N, 6)
    assert (a.train_rate, a.control_rate) != (b.train_rate, b.control_rate)


def test_rates_and_risk_follow_anonymeter():
    # anonymeter 1.1: success_rate(100, 30, 0.95) and EvaluationResults(200, 60, 5, 20).risk()
    centre, error = attacks.success_rate(30, 100)
    assert centre == pytest.approx(0.30739869964139716)
    assert error == pytest.approx(0.08844984669206953)
    r = attacks.result("x", (60, 20, 5), (200, 200, 200), ["a"])
    assert r.risk == pytest.approx(0.21987598735806813)
    assert r.interval == pytest.approx((0.1403402637071842, 0.29941171100895203))
    assert (r.train_rate, r.control_rate, r.baseline_rate) == (0.3, 0.1, 0.025)
    worse = attacks.result("x", (10, 40, 30), (200, 200, 200), ["a"])
    assert worse.risk == 0.0 and worse.interval[0] == 0.0
    assert attacks.NO_BETTER in worse.note


def test_predicates_count_exact_matches():
    table = [np.array([1.0, 2.0, 3.0, np.nan, 5.0]), np.array([0.0, 0.0, 1.0, 1.0, np.nan])]
    cols = np.array([[0, 1], [0, 1], [0, 1], [1, 0], [0, 1]])
    ops = np.array(
        [
            [so.GE, so.EQ],  # x >= 2 & y == 0: row 1
            [so.LE, so.NE],  # x <= 3 & y != 1: rows 0, 1 (NaN is never "!=")
            [so.NULL, so.EQ],  # x is null & y == 1: row 3
            [so.NOTNULL, so.GT],  # y not null & x > 1: rows 1, 2
            [so.LT, so.NULL],  # x < 9 & y is null: row 4
        ]
    )
    vals = np.array([[2, 0], [3, 1], [np.nan, 1], [np.nan, 1], [9, np.nan]], dtype=float)
    expected = [1, 2, 1, 2, 1]
    assert so.count_matches(table, (cols, ops, vals)).tolist() == expected
    screened = so.screen(np.stack(table), (cols, ops, vals))
    assert screened.tolist() == [c < 2 for c in expected]


def test_singling_out_on_copies_of_unique_records():
    # Every synthetic row is a training row; the control shares no values with them.
    real = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) * 2, "c": np.arange(50.0) % 7})
    control = real + 1000.0
    schema = Schema([ColumnSpec(c, Kind.NUMERICAL) for c in "abc"])
    enc = encode(real, real.copy(), schema, control)
    r = attacks.singling_out(enc, 30, 0, mode="univariate")
    assert r.train_rate == 1.0 and r.control_rate == 0.0
    assert r.interval[0] > 0.8


def test_linkability_and_inference_on_exact_copies():
    rng = np.random.default_rng(0)
    real = pd.DataFrame(rng.normal(size=(60, 4)) + 10, columns=list("abcd"))
    real["kind"] = np.array(["x", "y", "z"])[rng.integers(0, 3, 60)]
    control = pd.DataFrame(rng.normal(size=(60, 4)) + 10, columns=list("abcd"))
    control["kind"] = "w"
    enc = encode(real, real.copy(), infer(real, real), control)
    link = attacks.linkability(enc, 60, 0)
    assert link.train_rate == 1.0 and link.n_attacks == 60
    assert link.columns == ("a", "b", "c", "d", "kind")
    inf = attacks.inference(enc, ["a", "kind"], 60, 0)
    assert [r.columns[-1] for r in inf.by_secret] == ["a", "kind"]
    assert all(r.train_rate == 1.0 for r in inf.by_secret)
    assert inf.by_secret[1].control_rate == 0.0  # "w" is never guessed


def test_inference_tolerance_is_relative_to_the_guess():
    enc = _pair("breast_cancer", 0, 0.0)
    secret = enc.analysed[0]
    hits = attacks._inferred(
        enc, secret, np.array([100.0, 100.0, np.nan]), np.array([104.9, 105.1, np.nan])
    )
    assert hits.tolist() == [True, False, True]


def test_gower_search_matches_brute_force():
    rng = np.random.default_rng(1)
    q = [rng.random(70), rng.integers(0, 3, 70).astype(float), rng.random(70)]
    s = [rng.random(5000), rng.integers(0, 3, 5000).astype(float), rng.random(5000)]
    q[2][:5] = np.nan
    s[2][::7] = np.nan
    is_cat = [False, True, False]
    d = np.abs(q[0][:, None] - s[0][None, :]) + (q[1][:, None] != s[1][None, :])
    third = np.abs(q[2][:, None] - s[2][None, :])
    both = np.isnan(q[2])[:, None] & np.isnan(s[2])[None, :]
    third = np.where(np.isnan(third), np.where(both, 1.0, np.inf), third)
    got = nearest_gower(q, s, is_cat, leave_out=[None, 2])
    full, without = d + third, d
    assert np.allclose(full[np.arange(70), got[0, :, 0]], full.min(axis=1), atol=1e-5)
    assert np.allclose(without[np.arange(70), got[1, :, 0]], without.min(axis=1), atol=1e-5)


def test_no_holdout_gives_no_risk():
    frame = _frame("breast_cancer")
    enc = encode(frame, frame, infer(frame))
    for attack in (attacks.singling_out, attacks.linkability, attacks.inference):
        with pytest.raises(ValueError, match="holdout"):
            attack(enc, 50, 0)


def test_a_date_secret_must_be_guessed_exactly():
    # 5% of a timestamp since 1970 is years: dates are matched exactly, as anonymeter matches
    # non-numeric columns.
    frame = pd.DataFrame({"when": pd.to_datetime(["2020-01-01", "2020-06-01"]), "x": [1.0, 2.0]})
    schema = Schema([ColumnSpec("when", Kind.DATETIME), ColumnSpec("x", Kind.NUMERICAL)])
    enc = encode(frame, frame, schema, frame)
    t = enc.real.numeric["when"]
    assert attacks._inferred(enc, "when", t[[1, 0]], t).tolist() == [False, False]
    assert attacks._inferred(enc, "when", t, t).tolist() == [True, True]
