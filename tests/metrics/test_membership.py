"""Distance-based membership inference: copied training rows are told apart from the holdout."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes

from metrics.encode import encode
from metrics.membership import membership, membership_json
from metrics.schema import infer


def _thirds(df: pd.DataFrame, seed: int) -> list[pd.DataFrame]:
    order = np.random.default_rng(seed).permutation(len(df))
    t = len(df) // 3
    return [
        df.iloc[p].reset_index(drop=True) for p in (order[:t], order[t : 2 * t], order[2 * t :])
    ]


TABLES = {
    "breast_cancer": lambda: load_breast_cancer(as_frame=True).frame,
    "diabetes": lambda: load_diabetes(as_frame=True, scaled=False).frame,
}


@pytest.fixture(scope="module", params=[(name, seed) for name in TABLES for seed in (0, 1)])
def sets(request):
    name, seed = request.param
    return _thirds(TABLES[name](), seed)


def test_copied_training_rows_give_an_auc_well_above_half(sets):
    real, holdout, honest = sets
    gen = np.random.default_rng(3)
    leaked = honest.copy()
    n = int(0.2 * len(leaked))
    leaked.iloc[gen.choice(len(leaked), n, replace=False)] = real.iloc[
        gen.choice(len(real), n, replace=False)
    ].to_numpy()
    res = membership(encode(real, leaked, infer(real), holdout))
    assert res.auc >= 0.57
    assert res.interval is not None and res.interval[0] > 0.5
    js = membership_json(res)
    assert js["train_rate"] == pytest.approx(n / len(real), abs=0.01) and js["control_rate"] == 0


def test_an_independent_real_sample_gives_an_interval_containing_half(sets):
    real, holdout, honest = sets
    res = membership(encode(real, honest, infer(real), holdout))
    assert res.interval is not None and res.interval[0] <= 0.5 <= res.interval[1]
    assert res.n_members == res.n_controls == min(len(real), len(holdout))


def test_samples_are_balanced_capped_and_seeded(sets):
    real, holdout, honest = sets
    enc = encode(real, honest, infer(real), holdout)
    a, b = membership(enc, seed=5, max_per_side=100), membership(enc, seed=5, max_per_side=100)
    assert a.n_members == a.n_controls == 100 and "at most 100 a side" in a.note
    assert np.array_equal(a.member_rows, b.member_rows) and a.auc == b.auc


def test_without_a_control_there_is_no_auc_and_a_split_is_used_when_confirmed():
    real, _, honest = _thirds(load_diabetes(as_frame=True, scaled=False).frame, 0)
    enc = encode(real, honest, infer(real))
    none = membership(enc)
    assert none.control == "none" and np.isnan(none.auc) and none.interval is None
    assert membership_json(none)["risk"] is None and "No membership AUC" in none.note
    split = membership(enc, control_rows=np.arange(0, len(real), 2))
    assert split.control == "split" and split.interval is not None
    assert not set(split.member_rows) & set(split.control_rows)
