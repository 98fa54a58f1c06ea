"""Quasi-identifiers: unique exact matches, small groups and sensitive diversity, counted exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metrics.encode import encode
from metrics.quasi_identifiers import quasi_identifiers, quasi_identifiers_json
from metrics.schema import ColumnSpec, Kind, Schema
from tests import demo_pair

SCHEMA = Schema(
    [ColumnSpec("sex", Kind.CATEGORICAL), ColumnSpec("age", Kind.NUMERICAL),
     ColumnSpec("disease", Kind.CATEGORICAL), ColumnSpec("income", Kind.NUMERICAL)]
)  # fmt: skip


def _small():
    real = pd.DataFrame(
        {
            "sex": list("FFFMMMMMMM"),
            "age": [20, 20, 30, 20, 20, 20, 20, 20, 40, 50],
            "disease": list("xyyxyzxxzw"),
            "income": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        }
    )
    synthetic = pd.DataFrame(
        {
            "sex": list("FFFMMF"),
            "age": [30, 30, 20, 20, 40, 60],
            "disease": list("aaaaaa"),
            "income": [0.0] * 6,
        }
    )
    return encode(real, synthetic, SCHEMA)


def test_counts_on_a_small_table():
    res = quasi_identifiers(_small(), ["sex", "age"], ["disease"])
    # Real uniques on (sex, age): (F,30), (M,40), (M,50); the synthetic data has the first two.
    assert res.unique_records.tolist() == [2, 8, 9] and res.reproduced.tolist() == [
        True,
        True,
        False,
    ]
    assert (res.n_unique, res.unique_matched) == (3, 2)
    assert res.unique_match_share == pytest.approx(2 / 3)
    assert res.matches.tolist() == [1, 1, 2, 5, 1, 0]
    # (M,20) matches 5 real records: not a small group at k = 5; (F,60) matches none.
    assert res.small_rows.tolist() == [0, 1, 2, 4] and res.small_share == pytest.approx(4 / 6)
    assert (res.unmatched, res.unmatched_share) == (1, pytest.approx(1 / 6))
    (div,) = res.diversity
    assert div.distinct.tolist() == [1, 1, 2, 1] and div.single == 3
    assert div.mean_distinct == pytest.approx(1.25)
    js = quasi_identifiers_json(res)
    assert js["unique_exact_matches"] == 2 and js["small_group_rows"] == 4
    assert js["diversity"][0]["single_value_rows"] == 3


def test_k_and_numeric_sensitive():
    res = quasi_identifiers(_small(), ["sex", "age"], ["income"], k=6)
    assert res.small_rows.tolist() == [0, 1, 2, 3, 4]
    assert res.diversity[0].distinct.tolist() == [1, 1, 2, 5, 1]


def test_bad_columns_are_refused():
    with pytest.raises(ValueError, match="both"):
        quasi_identifiers(_small(), ["sex", "age"], ["age"])
    with pytest.raises(ValueError, match="Not analysed"):
        quasi_identifiers(_small(), ["postcode"])


def _by_pandas(real: pd.DataFrame, synthetic: pd.DataFrame, qi: list[str], k: int):
    """The same counts straight from the frames (missing values as their own label)."""
    key = lambda df: df[qi].astype(str).agg("|".join, axis=1)  # noqa: E731
    rk, sk = key(real), key(synthetic)
    counts = rk.value_counts()
    uniques = rk[rk.map(counts) == 1]
    matched = int(uniques.isin(set(sk)).sum())
    m = sk.map(counts).fillna(0)
    return len(uniques), matched, int(((m > 0) & (m < k)).sum()), int((m == 0).sum())


@pytest.mark.parametrize(
    "qi",
    [
        ["gender", "degree_type", "mba_spec"],
        ["gender", "high_spec", "degree_type", "work_experience"],
        ["gender", "degree_type", "experience_years", "salary"],
    ],
)
def test_demo_counts_match_a_direct_count(qi):
    enc, f = demo_pair.encoded(), demo_pair.frames()
    res = quasi_identifiers(enc, qi, ["placed"])
    assert (res.n_unique, res.unique_matched, res.small, res.unmatched) == _by_pandas(
        f["real"], f["synthetic"], qi, 5
    )
    assert len(res.diversity[0].distinct) == res.small
    assert np.all(res.diversity[0].distinct >= 1)
