"""The privacy attacks as the assessment runs them: against a control, in the privacy score, as
findings and flagged rows, and never without a control."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from metrics.encode import encode
from metrics.options import Options
from metrics.privacy import info as privacy_info
from metrics.privacy_attacks import compute_attacks, info
from metrics.schema import infer
from metrics.suite import assess
from outputs import json_report
from tests.metrics.test_unique_copies import _coarse

QUICK = frozenset({"detection", "utility", "subgroups", "pair_trends", "column_shapes"})


def _thirds(df: pd.DataFrame, seed: int) -> list[pd.DataFrame]:
    order = np.random.default_rng(seed).permutation(len(df))
    third = len(df) // 3
    parts = [order[:third], order[third : 2 * third], order[2 * third :]]
    return [df.iloc[p].reset_index(drop=True) for p in parts]


def _leak(real: pd.DataFrame, honest: pd.DataFrame, share: float, seed: int = 7):
    """``honest`` with ``share`` of its rows replaced by training rows copied verbatim."""
    gen = np.random.default_rng(seed)
    n = int(round(share * len(honest)))
    where = np.sort(gen.choice(len(honest), n, replace=False))
    source = gen.choice(len(real), n, replace=False)
    leaked = honest.copy()
    leaked.iloc[where] = real.iloc[source].to_numpy()
    return leaked, where, source


@pytest.fixture(scope="module")
def cancer():
    return _thirds(load_breast_cancer(as_frame=True).frame, 0)


def test_a_verbatim_leak_on_duplicate_rich_data_is_a_high_finding_with_its_rows_flagged():
    real, holdout, honest = _thirds(_coarse(), 0)
    key = set(real.astype(str).agg("|".join, axis=1))
    natural = holdout.astype(str).agg("|".join, axis=1).isin(key).mean()
    assert 0.08 <= natural <= 0.2  # the case: ~12% of holdout rows equal a training row
    leaked, where, source = _leak(real, honest, 0.10)
    opts = Options(n_attacks=300, skip=QUICK)
    a = assess(real, leaked, holdout, options=opts)
    found = privacy_info(a.result("privacy"))
    high = [f for f in a.findings if f.metric == "privacy" and f.severity == "high"]
    assert {f.kind for f in high} & {"exact_copies", "unique_copies"}
    # Every planted copy of a record found once in the training data is flagged one by one,
    # though equal rows are too common here to flag every exact copy.
    uc = found.unique_copies
    assert uc is not None
    flags = a.result("row_flags").details
    copied = {int(r) for r, k in zip(flags.row, flags.kinds, strict=True) if "copied" in k}
    unique_planted = {int(w) for w, s in zip(where, source, strict=True) if uc.copy_of[w] == s}
    assert len(unique_planted) >= 0.6 * len(where)
    assert unique_planted <= copied
    # Fresh rows equal to a common record are not flagged as leaks.
    assert len(copied) <= len(where) + uc.natural_rate * len(leaked) * 2
    assert a.scores["privacy"] < 0.5


def test_copied_rows_raise_every_risk(cancer):
    real, holdout, honest = cancer
    leaked, _, _ = _leak(real, honest, 0.20)
    schema = infer(real)
    opts = Options(n_attacks=400, secrets=("mean radius", "worst texture", "target"))
    clean = info(compute_attacks(encode(real, honest, schema, holdout), opts))
    leak = info(compute_attacks(encode(real, leaked, schema, holdout), opts))
    for name in ("singling_out", "linkability", "inference"):
        before, after = clean.attack(name), leak.attack(name)
        assert before is not None and after is not None
        assert after.risk > before.risk + 0.05, name
        assert after.interval[0] > 0, name
    assert leak.membership is not None and clean.membership is not None
    assert leak.membership.auc > clean.membership.auc + 0.05


@pytest.mark.parametrize("seed", [0, 1])
def test_an_independent_real_sample_gives_intervals_that_contain_zero(seed):
    real, holdout, honest = _thirds(load_breast_cancer(as_frame=True).frame, seed)
    opts = Options(n_attacks=400, secrets=("mean radius", "target"), seed=seed)
    res = compute_attacks(encode(real, honest, infer(real), holdout), opts)
    found = info(res)
    for a in found.ran():
        assert a.interval[0] == 0.0, (a.attack, a.interval)
    m = found.membership
    assert m is not None and m.interval is not None and m.interval[0] <= 0.5 <= m.interval[1]
    assert not [f for f in res.findings if f.severity == "high"]


def test_the_privacy_score_is_at_most_one_minus_the_largest_risk_upper_bound(cancer):
    real, holdout, honest = cancer
    a = assess(real, honest, holdout, options=Options(n_attacks=300, skip=QUICK))
    attacks = info(a.result("privacy_attacks"))
    found = privacy_info(a.result("privacy"))
    assert a.scores["privacy"] <= 1.0 - attacks.max_risk_high + 1e-12
    assert attacks.max_risk_high == max(r.interval[1] for r in attacks.ran())
    if found.score_rule == "attacks":
        assert "privacy attacks" in found.score_rule_sentence
    report = json_report.to_dict(a)
    js = report["privacy"]["attacks"]
    assert set(js) >= {"singling_out", "linkability", "inference", "membership"}
    for key in ("risk", "interval", "train_rate", "control_rate", "n_attacks", "columns"):
        assert key in js["singling_out"] and key in js["membership"]
    assert js["inference"]["by_secret"] and js["control"] == "holdout"


def test_without_a_holdout_no_risk_is_shown_until_a_split_is_confirmed(cancer):
    real, _, honest = cancer
    opts = Options(n_attacks=200, skip=QUICK)
    a = assess(real, honest, options=opts)
    res = a.result("privacy_attacks")
    assert res.error and "no holdout" in res.error and not np.isfinite(res.score)
    js = json_report.to_dict(a)["privacy"]["attacks"]
    assert js["control"] == "none" and js["singling_out"] is None and js["membership"] is None
    assert "holdout" in js["control_note"]
    # The privacy score is today's: no attack part without a control.
    assert privacy_info(a.result("privacy")).score_rule != "attacks"
    split = assess(real, honest, options=Options(n_attacks=200, skip=QUICK, unseen_share=0.3))
    found = info(split.result("privacy_attacks"))
    assert found.control == "split" and found.singling_out is not None
    n = len(real)
    assert f"last {round(0.3 * n):,} real rows" in found.control_note
    assert "confirmed" in found.control_note
    report = json_report.to_dict(split)
    assert report["privacy"]["attacks"]["unseen_share"] == 0.3
    assert report["settings"]["privacy_attacks"]["unseen_share"] == 0.3


def test_quasi_identifiers_reach_the_report(cancer):
    real, holdout, honest = cancer
    leaked, _, _ = _leak(real, honest, 0.10)
    opts = Options(n_attacks=200, skip=QUICK, quasi_identifiers=("mean radius", "mean texture"),
                   sensitive=("target",))  # fmt: skip
    js = json_report.to_dict(assess(real, leaked, holdout, options=opts))["privacy"]
    qi = js["quasi_identifiers"]
    assert qi["columns"] == ["mean radius", "mean texture"] and qi["sensitive"] == ["target"]
    # Every copied training row reproduces its (unique) quasi-identifier combination.
    assert qi["unique_exact_matches"] >= 0.9 * round(0.1 * len(honest))
