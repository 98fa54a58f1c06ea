"""Pair trends: correlations and contingency tables, association strength, findings."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import pearsonr, spearmanr
from scipy.stats.contingency import association

from bench.synth_table import make_pair, schema_of
from metrics import pairs as pairs_module
from metrics.encode import encode
from metrics.options import Options
from metrics.pair_stats import (
    collapse_rare,
    contingency_similarity,
    cramers_v,
    cramers_v_corrected,
    pair_tables,
    pearson_matrix,
    spearman_matrix,
    table_chi2,
)
from metrics.pairs import PairsInfo, pair_trends, pair_trends_score, pair_trends_table
from metrics.pairs import info as pairs_info
from metrics.quality import fidelity_findings
from metrics.results import MetricResult, no_progress
from metrics.schema import Kind

N, C, B = Kind.NUMERICAL, Kind.CATEGORICAL, Kind.BOOLEAN
COMPAT = Options(sdmetrics_compatible=True)


def _columns(seed: int, n: int = 400) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    base = rng.standard_normal(n)
    cols = [base + rng.standard_normal(n) * s for s in (0.3, 1.0, 3.0)]
    cols.append(np.round(base * 2) + 1e6)  # ties and a large offset
    cols[1][rng.random(n) < 0.3] = np.nan
    cols[2][rng.random(n) < 0.5] = np.nan
    return cols


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("fn", "ref"), [(pearson_matrix, pearsonr), (spearman_matrix, spearmanr)])
def test_correlations_equal_scipy_on_pairwise_complete_rows(seed, fn, ref):
    cols = _columns(seed)
    r, n, errors = fn(cols)
    assert errors == {}
    for i in range(len(cols)):
        for j in range(i + 1, len(cols)):
            both = ~(np.isnan(cols[i]) | np.isnan(cols[j]))
            assert n[i, j] == both.sum()
            assert r[i, j] == pytest.approx(ref(cols[i][both], cols[j][both])[0], abs=1e-12)


def test_correlation_of_a_pair_with_too_few_shared_rows_is_an_error():
    x = np.array([1.0, 2.0, np.nan, np.nan])
    y = np.array([np.nan, np.nan, 3.0, 4.0])
    r, n, errors = pearson_matrix([x, y])
    assert np.isnan(r[0, 1]) and n[0, 1] == 0 and "fewer than two rows" in errors[(0, 1)]


def test_pair_tables_equal_crosstabs_for_every_pair():
    rng = np.random.default_rng(5)
    sizes = {"a": 3, "b": 12, "c": 40, "d": 2}
    codes = {k: rng.integers(0, s, 5000) for k, s in sizes.items()}
    pairs = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("a", "d"), ("b", "c")]
    tables = pair_tables(codes, sizes, pairs)
    for a, b in pairs:
        expect = np.zeros((sizes[a], sizes[b]), dtype=np.int64)
        np.add.at(expect, (codes[a], codes[b]), 1)
        assert np.array_equal(tables[(a, b)], expect)


def test_cramers_v_equals_scipy_and_the_corrected_one_ignores_noise():
    rng = np.random.default_rng(2)
    table = rng.integers(1, 50, (4, 6))
    assert cramers_v(table_chi2(table)) == pytest.approx(association(table, method="cramer"))
    # Two independent columns, one with 300 levels: the raw V is large, the corrected one ~0.
    a, b = rng.integers(0, 300, 3000), rng.integers(0, 3, 3000)
    noisy = np.zeros((300, 3), dtype=np.int64)
    np.add.at(noisy, (a, b), 1)
    assert cramers_v(table_chi2(noisy)) > 0.3
    assert cramers_v_corrected(table_chi2(noisy)) < 0.1
    main, _ = collapse_rare(noisy, noisy)
    assert main.shape[0] <= 2  # no level holds 1 % of the rows: all merge into "other"
    perfect = np.diag([100, 200, 300])
    assert cramers_v_corrected(table_chi2(perfect)) == pytest.approx(1.0, abs=0.01)


def test_contingency_similarity_exact_values():
    t = np.array([[10, 0], [0, 10]])
    assert contingency_similarity(t, t * 3) == 1.0
    assert contingency_similarity(t, np.array([[0, 10], [10, 0]])) == 0.0
    assert contingency_similarity(t, np.array([[10, 10], [0, 0]])) == 0.5


def _details(real, syn, kinds, options=None):
    return pair_trends_table(encode(real, syn, schema_of(kinds)), options or Options())


def test_hand_made_pairs_identical_and_reversed():
    real = pd.DataFrame(
        {
            "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "y": [2.0, 4.0, 6.0, 8.0, 10.0, 13.0],
            "c": list("aabbcc"),
        }
    )
    same = _details(real, real.copy(), {"x": N, "y": N, "c": C})
    assert same["score"].tolist() == [1.0, 1.0, 1.0]
    rev = real.assign(y=real["y"].to_numpy()[::-1])
    got = _details(real, rev, {"x": N, "y": N, "c": C}).set_index(["column_a", "column_b"])
    row = got.loc[("x", "y")]
    assert row["metric"] == "CorrelationSimilarity"
    assert row["score"] == pytest.approx(1 - abs(row["real"] - row["synthetic"]) / 2)
    assert row["real"] == pytest.approx(-row["synthetic"]) and row["score"] < 0.05


def test_constant_column_pairs_carry_an_error_and_do_not_count():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "k": [7.0] * 4, "y": [1.0, 3.0, 2.0, 4.0]})
    got = _details(real, real.copy(), {"x": N, "k": N, "y": N}).set_index(["column_a", "column_b"])
    assert "k is constant in the real data" in got.loc[("x", "k"), "error"]
    assert np.isnan(got.loc[("x", "k"), "score"]) and got.loc[("x", "k"), "weight"] == 0
    assert got.loc[("x", "y"), "score"] == 1.0


def test_empty_and_all_missing_columns_do_not_raise():
    real = pd.DataFrame({"x": [np.nan] * 3, "c": [None] * 3, "y": [1.0, 2.0, 3.0]})
    table = _details(real, real.copy(), {"x": N, "c": C, "y": N})
    assert len(table) == 3
    res = pair_trends(
        encode(real.iloc[:0], real.iloc[:0], schema_of({"x": N, "y": N})), Options(), no_progress
    )
    assert np.isnan(res.score) and res.error


def test_synthlens_weights_high_cardinality_noise_down_and_compat_counts_as_sdmetrics():
    rng = np.random.default_rng(9)
    n = 3000
    real = pd.DataFrame(
        {
            "id_like": rng.integers(0, 500, n).astype(str),
            "g": rng.choice(["u", "v"], n),
            "x": rng.standard_normal(n),
        }
    )
    real["h"] = np.where(real["x"] > 0, "hi", "lo")
    syn = pd.DataFrame(
        {
            "id_like": rng.integers(0, 500, n).astype(str),
            "g": rng.choice(["u", "v"], n),
            "x": rng.standard_normal(n),
        }
    )
    syn["h"] = np.where(syn["x"] > 0, "hi", "lo")
    kinds = {"id_like": C, "g": C, "x": N, "h": C}
    ours = _details(real, syn, kinds).set_index(["column_a", "column_b"])
    assert ours.loc[("id_like", "g"), "weight"] == 0.0  # noise, not a trend
    assert ours.loc[("x", "h"), "weight"] == 1.0 and ours.loc[("x", "h"), "real"] > 0.5
    compat = _details(real, syn, kinds, COMPAT).set_index(["column_a", "column_b"])
    # sdmetrics' uncorrected V of the 500-level pair passes its 0.3 threshold.
    assert compat.loc[("id_like", "g"), "sdmetrics_association"] > 0.3
    assert compat.loc[("id_like", "g"), "weight"] == 1.0
    assert pair_trends_score(ours.reset_index()) > pair_trends_score(compat.reset_index())


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(5, 60))
def test_pair_scores_in_range_and_symmetric_in_the_sides(seed, n):
    rng = np.random.default_rng(seed)

    def frame():
        x = rng.standard_normal(n)
        x[rng.random(n) < 0.2] = np.nan
        return pd.DataFrame(
            {
                "x": x,
                "y": rng.standard_normal(n) + np.nan_to_num(x),
                "c": rng.choice(["a", "b", "c"], n),
                "b": rng.random(n) < 0.3,
            }
        )

    real, syn = frame(), frame()
    kinds = {"x": N, "y": N, "c": C, "b": B}
    ours = _details(real, syn, kinds)
    for col in ("score", "low", "high", "floor"):
        values = ours[col].dropna()
        assert ((values >= 0) & (values <= 1)).all()
    # The interval holds the score (NaN compares False: unrelated pairs have none).
    assert not ((ours["low"] > ours["score"]) | (ours["score"] > ours["high"])).any()
    # Correlation and contingency similarity do not depend on which side is "real" once
    # both sides share the bins (discrete and correlation pairs). SynthLens' "no relation"
    # rule asks the real side which levels are main, so the raw similarities are compared.
    ab, ba = _details(real, syn, kinds, COMPAT), _details(syn, real, kinds, COMPAT)
    same_bins = ab["metric"].eq("CorrelationSimilarity") | ~ab["column_a"].isin(["x", "y"])
    assert np.allclose(ab.loc[same_bins, "score"], ba.loc[same_bins, "score"], equal_nan=True)


def test_a_permuted_column_is_one_finding_ranked_first():
    real, syn, schema = make_pair(4000, seed=31, imperfect=False)
    syn["income"] = np.random.default_rng(0).permutation(syn["income"].to_numpy())
    findings = fidelity_findings(encode(real, syn, schema))
    top = findings[0]
    assert top.kind == "pair" and top.columns[0] == "income" and len(top.columns) >= 3
    assert "worst: spend, correlation 0.9" in top.message and top.severity == "high"
    assert top.beyond is not None and top.beyond > 0
    # One finding for the column, not one per pair it touches.
    assert not [f for f in findings[1:] if f.kind == "pair" and "income" in f.columns]


def test_compatible_mode_details_match_sdmetrics_pair_by_pair():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sdmetrics.reports.single_table import QualityReport
    real, syn, schema = make_pair(600, seed=4)
    report = QualityReport()
    report.num_rows_subsample = None
    from metrics.quality import sdmetrics_metadata

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate(real, syn, sdmetrics_metadata(schema), verbose=False)
    ref = report.get_details("Column Pair Trends").set_index(["Column 1", "Column 2"])
    ours = pair_trends_table(encode(real, syn, schema), COMPAT).set_index(["column_a", "column_b"])
    counted = ref["Meets Threshold?"].fillna(False).astype(bool)
    assert (ours.loc[ref.index, "weight"] == counted.astype(float)).all()
    both = ref.index[counted & ref["Score"].notna()]
    assert np.allclose(ours.loc[both, "score"], ref.loc[both, "Score"], atol=1e-12)
    contingency = ref.index[ref["Metric"] == "ContingencySimilarity"]
    assert np.allclose(
        ours.loc[contingency, "sdmetrics_association"],
        ref.loc[contingency, "Real Association"],
        atol=1e-12,
        equal_nan=True,
    )


def test_spearman_option_changes_correlations_but_not_compatible_mode():
    rng = np.random.default_rng(12)
    x = rng.lognormal(size=500)
    real = pd.DataFrame({"x": x, "y": x**3 + rng.normal(0, 0.1, 500)})
    kinds = {"x": N, "y": N}
    spear = _details(real, real.copy(), kinds, Options(correlation="spearman"))
    pear = _details(real, real.copy(), kinds)
    assert spear.loc[0, "real"] == pytest.approx(spearmanr(real["x"], real["y"])[0])
    assert pear.loc[0, "real"] == pytest.approx(pearsonr(real["x"], real["y"])[0])
    compat = _details(
        real, real.copy(), kinds, Options(correlation="spearman", sdmetrics_compatible=True)
    )
    assert compat.loc[0, "real"] == pytest.approx(pear.loc[0, "real"])  # sdmetrics: Pearson


def test_fast_encoding_helpers_equal_numpy_and_pandas():
    from metrics.encode import digitize, factorize, histogram_edges

    rng = np.random.default_rng(13)
    x = rng.lognormal(size=20_000)
    x[::7] = np.nan
    x[5], x[6] = np.inf, -np.inf
    edges = np.histogram_bin_edges(x[np.isfinite(x)], 10)
    assert np.array_equal(
        histogram_edges(np.nanmin(x[np.isfinite(x)]), x[np.isfinite(x)].max()), edges
    )
    edges[0], edges[-1] = -np.inf, np.inf
    assert np.array_equal(digitize(x, edges), np.digitize(x, edges))
    labels = np.array(["alpha", "beta", None, "gamma"], dtype=object)[rng.integers(0, 4, 60_000)]
    labels[10] = "".join(["be", "ta"])  # an equal string held by another object
    assert labels[10] is not next(v for v in labels if v == "beta")
    codes, uniques = factorize(pd.Series(labels))
    ref_codes, ref_uniques = pd.factorize(pd.Series(labels))
    assert np.array_equal(codes, ref_codes) and list(uniques) == list(ref_uniques)


def test_wide_tables_pair_a_stated_seeded_sample_of_columns():
    rng = np.random.default_rng(0)
    n_cols = 130
    real = pd.DataFrame({f"c{i}": rng.normal(size=60) for i in range(n_cols)})
    syn = pd.DataFrame({f"c{i}": rng.normal(size=60) for i in range(n_cols)})
    from metrics.schema import infer

    enc = encode(real, syn, infer(real, syn))
    res = pair_trends(enc, Options(seed=3), no_progress)
    k = pairs_module.MAX_PAIR_COLUMNS
    assert len(res.details) == k * (k - 1) // 2
    used = set(res.details["column_a"]) | set(res.details["column_b"])
    assert len(used) == k
    note = pairs_info(res).sample_note
    assert f"a seeded sample of {k} of the {n_cols:,} analysed columns" in note
    again = pair_trends(enc, Options(seed=3), no_progress)
    pd.testing.assert_frame_equal(res.details, again.details)
    # Narrow tables pair every column and say nothing.
    small = encode(real.iloc[:, :10], syn.iloc[:, :10], infer(real.iloc[:, :10], syn.iloc[:, :10]))
    narrow = pair_trends(small, Options(), no_progress)
    assert len(narrow.details) == 45 and pairs_info(narrow).sample_note == ""


def test_typed_info_says_how_the_pairs_were_scored():
    real, syn, schema = make_pair(600, seed=4)
    enc = encode(real, syn, schema)
    res = pair_trends(enc, Options(sdmetrics_compatible=True, correlation="spearman"), no_progress)
    assert isinstance(res.extra, PairsInfo)
    got = pairs_info(res)
    assert (got.mode, got.correlation, got.sample_note) == ("sdmetrics_compatible", "spearman", "")
    assert got.pairs_counted == int((res.details["weight"] > 0).sum())
    crashed = MetricResult("pair_trends", "fidelity", float("nan"), error="boom")  # extra = {}
    assert pairs_info(None) == PairsInfo() == pairs_info(crashed)
