"""Copies of unique records: a leak below the data's natural duplication is found row by row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes

from metrics.encode import encode
from metrics.schema import infer
from metrics.unique_copies import unique_copies, unique_copies_json


def _coarse() -> pd.DataFrame:
    """Diabetes with age in decades, BMI in steps of 2, blood pressure in steps of 10: about 12%
    of fresh rows equal some training row by nature."""
    df = load_diabetes(as_frame=True, scaled=False).frame
    return pd.DataFrame(
        {
            "age": (df.age // 10 * 10).astype(int),
            "sex": df.sex.astype(int).map({1: "F", 2: "M"}),
            "bmi": df.bmi // 2 * 2,
            "bp": df.bp // 10 * 10,
            "s4": df.s4.round(0),
        }
    )


@pytest.fixture(scope="module", params=[0, 1, 2])
def sets(request):
    """Training, holdout and an independent real sample (three disjoint thirds), seeded."""
    df = _coarse()
    order = np.random.default_rng(request.param).permutation(len(df))
    third = len(df) // 3
    parts = [order[:third], order[third : 2 * third], order[2 * third :]]
    return [df.iloc[p].reset_index(drop=True) for p in parts]


def _copied(real: pd.DataFrame, holdout: pd.DataFrame, honest: pd.DataFrame, share: float):
    """``honest`` with ``share`` of its rows replaced by unique training records, and where."""
    gen = np.random.default_rng(7)
    unique = np.flatnonzero(_unique_mask(real, holdout))
    n = int(round(share * len(honest)))
    where = np.sort(gen.choice(len(honest), n, replace=False))
    source = gen.choice(unique, n, replace=False)
    leaked = honest.copy()
    leaked.iloc[where] = real.iloc[source].to_numpy()
    return leaked, where, source


def _unique_mask(real: pd.DataFrame, holdout: pd.DataFrame) -> np.ndarray:
    key = real.astype(str).agg("|".join, axis=1)
    hold = set(holdout.astype(str).agg("|".join, axis=1))
    return (~key.duplicated(keep=False) & ~key.isin(hold)).to_numpy()


def test_the_table_is_duplicate_rich(sets):
    real, holdout, _ = sets
    key = set(real.astype(str).agg("|".join, axis=1))
    share = holdout.astype(str).agg("|".join, axis=1).isin(key).mean()
    assert 0.07 <= share <= 0.2


def test_ten_percent_copies_of_unique_records_are_found_one_by_one(sets):
    real, holdout, honest = sets
    leaked, where, source = _copied(real, holdout, honest, 0.10)
    res = unique_copies(encode(real, leaked, infer(real), holdout))
    # Every planted row is flagged with the record it copies (an honest row may also be one).
    flagged = dict(zip(res.rows.tolist(), res.of.tolist(), strict=True))
    assert all(flagged.get(int(w)) == int(s) for w, s in zip(where, source, strict=True))
    assert res.excess >= 0.06
    assert res.excess_interval is not None and res.excess_interval[0] > 0
    assert res.baseline == "holdout"
    js = unique_copies_json(res)
    assert js["copies"] == res.copies and set(where.tolist()) <= set(js["rows"])


def test_an_independent_real_sample_has_an_excess_interval_containing_zero(sets):
    real, holdout, honest = sets
    res = unique_copies(encode(real, honest, infer(real), holdout))
    assert res.excess_interval is not None
    assert res.excess_interval[0] <= 0 <= res.excess_interval[1]


def test_holdout_natural_rate_is_leave_one_out_inside_the_holdout():
    real = pd.DataFrame({"a": ["x", "y", "z", "z", "w"], "b": [1, 2, 3, 3, 4]})
    # (x,1) unique in training and once in the holdout: the holdout row counts;
    # (y,2) twice in the holdout: neither counts; (z,3) twice in training: never unique.
    holdout = pd.DataFrame({"a": ["x", "y", "y", "z", "q"], "b": [1, 2, 2, 3, 9]})
    synthetic = pd.DataFrame({"a": ["x", "w", "w", "z", "y"], "b": [1, 4, 4, 3, 2]})
    res = unique_copies(encode(real, synthetic, infer(real), holdout))
    assert res.n_unique == 1  # only (w,4)
    assert res.rows.tolist() == [1, 2] and res.of.tolist() == [4, 4]
    assert (res.natural_copies, res.n_baseline) == (1, 5)


def test_without_holdout_the_natural_rate_counts_records_seen_twice():
    real = pd.DataFrame({"a": ["x", "x", "y", "z", "z", "z", "w"], "b": [1, 1, 2, 3, 3, 3, 4]})
    synthetic = pd.DataFrame({"a": ["y", "w", "x", "q"], "b": [2, 4, 1, 0]})
    res = unique_copies(encode(real, synthetic, infer(real)))
    assert res.baseline == "leave-one-out" and "No holdout" in res.note
    assert res.copies == 2 and res.of.tolist() == [2, 6]
    assert (res.natural_copies, res.n_baseline) == (2, 7)  # the two (x, 1) rows
    assert res.excess == pytest.approx(2 / 4 - 2 / 7)


def test_no_unique_training_record_means_no_copies_but_the_holdout_still_counts():
    real = pd.DataFrame({"a": ["x", "x", "y"], "b": [1, 1, 2]})
    holdout = pd.DataFrame({"a": ["y"], "b": [2]})
    res = unique_copies(encode(real, real, infer(real), holdout))
    # (y, 2) is in the holdout, so not unique for a synthetic row; the holdout row itself is a
    # fresh row reproducing a record unique among the training and the *other* holdout rows.
    assert (res.n_unique, res.copies, res.natural_copies) == (0, 0, 1)
