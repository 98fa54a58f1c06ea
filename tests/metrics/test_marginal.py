"""Column shapes: exact values, parity with sdmetrics' KSComplement/TVComplement, findings."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.synth_table import make_pair, schema_of
from metrics.encode import encode
from metrics.marginal import (
    column_shapes,
    column_shapes_table,
    ks_complement,
    ks_statistic,
    sorted_values,
    tv_complement,
)
from metrics.marginal_stats import MAX_DECIMALS
from metrics.options import Options
from metrics.quality import fidelity_findings
from metrics.results import no_progress
from metrics.schema import Kind

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from sdmetrics.single_column import KSComplement, TVComplement

N, C, B, D = Kind.NUMERICAL, Kind.CATEGORICAL, Kind.BOOLEAN, Kind.DATETIME


def _shapes(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict) -> pd.DataFrame:
    table, _ = column_shapes_table(encode(real, synthetic, schema_of(kinds)))
    return table.set_index("column")


def test_identical_columns_score_one_and_disjoint_score_zero():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": ["a", "b", "a", "b"]})
    same = _shapes(real, real.copy(), {"x": N, "c": C})
    assert same.loc["x", "score"] == 1.0 and same.loc["c", "score"] == 1.0
    other = pd.DataFrame({"x": [10.0, 11.0, 12.0, 13.0], "c": ["z", "y", "z", "y"]})
    apart = _shapes(real, other, {"x": N, "c": C})
    assert apart.loc["x", "score"] == 0.0
    # sdmetrics gives categories only the synthetic data has a 1e-6 pseudo-count.
    assert apart.loc["c", "score"] == pytest.approx(0.0, abs=1e-5)
    assert list(apart["metric"]) == ["KSComplement", "TVComplement"]


def test_exact_values_on_a_hand_made_frame():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": ["a", "a", "b", "b"]})
    syn = pd.DataFrame({"x": [1.0, 2.0, 2.0, 2.0], "c": ["a", "a", "a", "b"]})
    got = _shapes(real, syn, {"x": N, "c": C})
    # CDFs at 2: real 0.5, synthetic 1.0 -> D = 0.5; shares a: 0.5 vs 0.75 -> TV = 0.25.
    assert got.loc["x", "score"] == 0.5
    assert got.loc["c", "score"] == 0.75


def test_missing_values_are_dropped_and_an_empty_side_gives_nan_with_an_error():
    real = pd.DataFrame({"x": [1.0, np.nan, 3.0], "c": ["a", None, "b"], "e": [np.nan] * 3})
    syn = pd.DataFrame({"x": [np.nan, 1.0, 3.0], "c": [None, "b", "a"], "e": [1.0, 2.0, 3.0]})
    got = _shapes(real, syn, {"x": N, "c": C, "e": N})
    assert got.loc["x", "score"] == 1.0 and got.loc["c", "score"] == 1.0
    assert np.isnan(got.loc["e", "score"]) and "no values" in got.loc["e", "error"]
    res = column_shapes(
        encode(real, syn, schema_of({"x": N, "c": C, "e": N})), Options(), no_progress
    )
    assert res.score == 1.0  # the mean skips the column that could not be scored


def test_constant_columns():
    real = pd.DataFrame({"x": [5.0] * 4, "b": [True] * 4})
    assert _shapes(real, real.copy(), {"x": N, "b": B})["score"].tolist() == [1.0, 1.0]
    other = pd.DataFrame({"x": [6.0] * 4, "b": [False] * 4})
    got = _shapes(real, other, {"x": N, "b": B})
    assert got.loc["x", "score"] == 0.0
    assert got.loc["b", "score"] == pytest.approx(0.0, abs=1e-5)


def _ref_ks(real, synthetic) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return KSComplement.compute(pd.Series(real), pd.Series(synthetic))


@pytest.mark.parametrize("seed", range(6))
def test_ks_complement_equals_sdmetrics_on_ties_nan_and_sizes(seed):
    rng = np.random.default_rng(seed)
    n, m = [(50, 80), (3000, 2500), (12000, 9000), (20000, 21000), (7, 40000), (9000, 9000)][seed]
    real = np.round(rng.lognormal(size=n), 1 + seed % 3)
    syn = np.round(rng.lognormal(0.05, 1.1, size=m), 1 + seed % 3)
    real[rng.random(n) < 0.1] = np.nan
    syn[rng.random(m) < 0.2] = np.nan
    assert ks_complement(real, syn) == pytest.approx(_ref_ks(real, syn), abs=1e-12)


def test_ks_complement_equals_sdmetrics_on_datetimes():
    rng = np.random.default_rng(7)
    real = pd.Series(pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, 600), "D"))
    syn = pd.Series(pd.to_datetime("2020-03-01") + pd.to_timedelta(rng.integers(0, 900, 500), "D"))
    real[::17] = pd.NaT
    frame_r, frame_s = pd.DataFrame({"d": real}), pd.DataFrame({"d": syn})
    got = _shapes(frame_r, frame_s, {"d": D}).loc["d", "score"]
    assert got == pytest.approx(_ref_ks(real, syn), abs=1e-12)


def test_ks_statistic_handles_large_samples_with_a_tiny_difference():
    rng = np.random.default_rng(3)
    real = rng.standard_normal(200_000)
    same = rng.permutation(real)
    assert ks_statistic(sorted_values(real), sorted_values(same)) == 0.0
    syn = rng.standard_normal(150_000)
    assert 1 - ks_complement(real, syn) == pytest.approx(1 - _ref_ks(real, syn), abs=1e-12)


def _decimals_as_read(values: np.ndarray) -> np.ndarray:
    """Values as a CSV read gives them back (the doubles nearest their printed decimals)."""
    return pd.read_csv(io.StringIO("v\n" + "\n".join(map(str, values))))["v"].to_numpy()


@pytest.mark.parametrize(
    "case",
    ["ages", "counts with gaps", "prices", "scores", "shares", "pi in a price column", "huge"],
)
def test_large_columns_of_few_decimals_sort_as_the_sort_does(case):
    # sorted_values counts such columns instead of sorting them; the KS inputs must not move.
    rng = np.random.default_rng(5)
    n = 60_000
    values = {
        "ages": rng.integers(18, 90, n).astype(float),
        "counts with gaps": np.where(rng.random(n) < 0.1, np.nan, rng.poisson(3, n) * 7.0 - 20),
        "prices": _decimals_as_read(np.round(rng.lognormal(4, 1, n), 2)),
        "scores": _decimals_as_read(np.round(rng.random(n) * 100, 1)),
        "shares": _decimals_as_read(np.round(rng.exponential(0.08, n), 3)),
        "pi in a price column": np.append(np.round(rng.random(n), 2), np.pi),
        "huge": rng.integers(0, 3, n) * 1e17,
    }[case]
    want = np.sort(values)
    want = np.round(want[~np.isnan(want)], MAX_DECIMALS)
    got = sorted_values(values)
    assert got.dtype == want.dtype and np.array_equal(got, want)


def test_tv_complement_equals_sdmetrics_with_nan_booleans_and_new_categories():
    rng = np.random.default_rng(11)
    levels = np.array(["a", "b", "c", "d", None], dtype=object)
    real = pd.Series(levels[rng.choice(5, 400, p=[0.4, 0.3, 0.2, 0.05, 0.05])])
    syn = pd.Series(np.append(levels[rng.choice(4, 380)], ["new", "new", "other"]))
    bools = pd.Series([True, False, None, True] * 50, dtype=object)
    bools_syn = pd.Series([True, True, False, None] * 40, dtype=object)
    got = _shapes(
        pd.DataFrame({"c": real, "b": bools.reindex(real.index)}),
        pd.DataFrame({"c": syn, "b": bools_syn.reindex(syn.index)}),
        {"c": C, "b": B},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref_c = TVComplement.compute(real, syn)
        ref_b = TVComplement.compute(bools.reindex(real.index), bools_syn.reindex(syn.index))
    assert got.loc["c", "score"] == pytest.approx(ref_c, abs=1e-12)
    assert got.loc["b", "score"] == pytest.approx(ref_b, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(np.nan)), min_size=1, max_size=60),
    st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(np.nan)), min_size=1, max_size=60),
)
def test_ks_complement_is_in_range_and_symmetric(a, b):
    a, b = np.array(a), np.array(b)
    score = ks_complement(a, b)
    if np.isnan(a).all() or np.isnan(b).all():
        assert np.isnan(score)
        return
    assert 0.0 <= score <= 1.0
    assert score == ks_complement(b, a)
    assert ks_complement(a, a) == 1.0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=60),
    st.lists(st.integers(0, 5), min_size=1, max_size=60),
)
def test_tv_complement_is_in_range_and_symmetric_up_to_regularisation(a, b):
    a, b = np.array(a, dtype=np.int32), np.array(b, dtype=np.int32)
    score = tv_complement(a, b, 6)
    assert 0.0 <= score <= 1.0
    assert score == pytest.approx(tv_complement(b, a, 6), abs=1e-5)
    assert tv_complement(a, a, 6) == 1.0


def test_a_shifted_column_is_the_first_finding():
    real, syn, schema = make_pair(3000, seed=21, imperfect=False)
    syn["age"] = syn["age"] + 12
    findings = fidelity_findings(encode(real, syn, schema))
    top = findings[0]
    assert top.kind == "marginal" and top.columns == ("age",) and top.severity == "high"
    assert "shifted higher" in top.message and "real median 41" in top.message
    assert not [f for f in findings if f.kind == "pair" and "age" in f.columns[:1]]


def test_a_fresh_sample_of_the_same_process_has_no_shape_finding():
    real, syn, schema = make_pair(3000, seed=22, imperfect=False)
    _, findings = column_shapes_table(encode(real, syn, schema))
    assert findings == []
