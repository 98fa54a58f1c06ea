"""Subgroup fidelity: a relation broken inside one level is named with its level; honest
samples raise nothing; Benjamini-Hochberg; the JSON shape."""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine

from metrics.encode import encode
from metrics.options import Options
from metrics.schema import infer
from metrics.subgroups import MAX_FINDINGS, MAX_JSON, subgroups, subgroups_json
from metrics.subgroups import info as subgroups_info
from metrics.subgroups_stats import FDR, benjamini_hochberg
from metrics.uncertainty import beyond_floor


@lru_cache(maxsize=1)
def _cancer() -> pd.DataFrame:
    df = load_breast_cancer(as_frame=True).frame
    df["target"] = df["target"].map({0: "malignant", 1: "benign"})
    return df


def _halves(df: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    idx = np.random.default_rng(seed).permutation(len(df))
    h = len(df) // 2
    return df.iloc[idx[:h]].reset_index(drop=True), df.iloc[idx[h:]].reset_index(drop=True)


def _shuffled_in(df: pd.DataFrame, col: str, group: str, level: str, seed: int) -> pd.DataFrame:
    """``col`` shuffled among the rows of one level of ``group``: the column keeps its values
    there, its relations with the other columns are broken there only."""
    out = df.copy()
    rows = (out[group] == level).to_numpy()
    out.loc[rows, col] = np.random.default_rng(seed).permutation(out.loc[rows, col].to_numpy())
    return out


def _run(real: pd.DataFrame, synthetic: pd.DataFrame, seed: int = 0):
    enc = encode(real, synthetic, infer(real, synthetic))
    return subgroups(enc, Options(seed=seed), lambda *a: None)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_relation_broken_inside_one_level_is_named_with_column_group_and_level(seed):
    # Malignant tumours are 37% of the rows; mean radius shuffled among them in the synthetic
    # half loses its relation with mean perimeter and mean area there, and only there.
    real, synthetic = _halves(_cancer(), seed)
    res = _run(real, _shuffled_in(synthetic, "mean radius", "target", "malignant", seed), seed)
    named = [f for f in res.findings if f.columns[0] == "mean radius"
             and f.columns[-1] == "target" and "target = 'malignant'" in f.message]  # fmt: skip
    assert named, [f.message for f in res.findings]
    f = named[0]
    assert f.kind == "subgroup" and f.metric == "subgroups" and f.beyond is not None
    assert f.beyond > 0 and f.severity in ("high", "medium")
    assert "its relation with" in f.message and "real vs" in f.message
    assert "of rows)" in f.message
    # The level that kept its relations is not accused.
    assert not any("target = 'benign'" in g.message and g.columns[0] == "mean radius"
                   for g in res.findings)  # fmt: skip
    assert len(res.findings) <= MAX_FINDINGS


def test_a_break_inside_one_wine_class_is_found_in_that_class():
    wine = load_wine(as_frame=True).frame
    wine["target"] = wine["target"].map(lambda v: f"class_{v}")
    res = _run(wine, _shuffled_in(wine, "flavanoids", "target", "class_1", 0))
    named = [f for f in res.findings if "flavanoids" in f.columns and f.columns[-1] == "target"]
    assert named and all("target = 'class_1' (40% of rows)" in f.message for f in named)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_an_independent_real_half_raises_no_subgroup_finding(seed):
    real, synthetic = _halves(_cancer(), seed)
    res = _run(real, synthetic, seed)
    assert res.findings == [], [f.message for f in res.findings]
    extra = subgroups_info(res)
    assert extra.tests > 5000 and extra.grouping_columns == 31 and extra.discoveries == 0
    assert "no subgroup falls below the whole table beyond noise" in extra.searched


def test_an_independent_real_half_of_diabetes_raises_no_subgroup_finding():
    df = load_diabetes(as_frame=True, scaled=False).frame
    df["sex"] = df["sex"].map({1.0: "one", 2.0: "two"})
    for seed in (0, 1):
        assert _run(*_halves(df, seed), seed).findings == []


def test_benjamini_hochberg_matches_known_values_and_scipy():
    p = np.array([0.01, 0.04, 0.03, 0.005])
    # Sorted 0.005, 0.01, 0.03, 0.04 times 4 / rank: 0.02, 0.02, 0.04, 0.04 (already monotone).
    assert np.allclose(benjamini_hochberg(p), [0.02, 0.04, 0.04, 0.02])
    # Step-up: a larger p-value's small adjusted value carries down to the smaller ones.
    assert np.allclose(benjamini_hochberg(np.array([0.02, 0.021, 0.5])), [0.0315, 0.0315, 0.5])
    many = np.random.default_rng(0).uniform(size=500) ** 3
    assert np.allclose(benjamini_hochberg(many), stats.false_discovery_control(many))
    with_nan = benjamini_hochberg(np.array([0.01, np.nan, 0.02]))
    assert np.isnan(with_nan[1]) and np.allclose(with_nan[[0, 2]], [0.02, 0.02])


def test_details_hold_every_test_with_its_interval_and_discoveries_first():
    real, synthetic = _halves(_cancer(), 0)
    res = _run(real, _shuffled_in(synthetic, "mean radius", "target", "malignant", 0))
    d = res.details
    assert {"group_column", "level", "rows_real", "rows_synthetic", "column", "partner",
            "metric", "score", "whole_table_score", "low", "high", "p_value", "q_value",
            "beyond", "discovered"} <= set(d)  # fmt: skip
    assert set(d["metric"]) == {"column shape", "correlation", "contingency"}
    assert (d["rows_real"] >= 30).all() and (d["rows_synthetic"] >= 30).all()
    assert ((d["low"] <= d["score"]) & (d["score"] <= d["high"])).all()
    assert (d["q_value"] >= d["p_value"] - 1e-12).all()
    found = d["discovered"].to_numpy()
    assert found.any() and not found[np.argmin(found) :].any()  # discoveries first
    assert (d.loc[found, "q_value"] <= FDR).all()
    expected = [beyond_floor((lo, hi), w) for lo, hi, w in
                zip(d["low"], d["high"], d["whole_table_score"], strict=True)]  # fmt: skip
    assert np.allclose(d["beyond"], expected)
    assert res.score == pytest.approx(1 - found.sum() / len(d))
    # Same inputs and seed, same tests to the last bit.
    again = _run(real, _shuffled_in(synthetic, "mean radius", "target", "malignant", 0))
    pd.testing.assert_frame_equal(d, again.details)


def test_subgroups_json_lists_discoveries_first_in_plain_values():
    real, synthetic = _halves(_cancer(), 0)
    res = _run(real, _shuffled_in(synthetic, "mean radius", "target", "malignant", 0))
    out = subgroups_json(res)
    assert len(out) == MAX_JSON < len(res.details)
    keys = {"group_column", "level", "rows_real", "rows_synthetic", "column", "metric",
            "score", "whole_table_score", "interval"}  # fmt: skip
    assert all(keys <= set(o) for o in out)
    assert out[0]["discovered"] and isinstance(out[0]["rows_real"], int)
    low, high = out[0]["interval"]
    assert low <= out[0]["score"] <= high
    flags = [o["discovered"] for o in out]
    assert flags == sorted(flags, reverse=True)
    json.dumps(out, allow_nan=False)
    assert subgroups_json(None) == []


def test_no_column_to_group_by_is_said_not_raised():
    frame = pd.DataFrame({"x": ["a"] * 40 + ["b"] * 40})
    only_ids = pd.DataFrame({"name": [f"n{i}" for i in range(80)]})
    res = _run(only_ids, only_ids)
    assert res.error and np.isnan(res.score) and res.findings == []
    res = _run(frame, frame)  # one column: nothing to test inside its levels
    assert res.error and res.details.empty


def test_the_html_section_says_what_was_searched_and_draws_the_worst_level(monkeypatch):
    from metrics import catalogue, suite
    from outputs.html_parts import Figures
    from outputs.html_subgroups import subgroups_section
    from tests.demo_pair import assessment

    if "subgroups" not in catalogue.BY_NAME:  # until the lead adds the entry
        monkeypatch.setitem(
            catalogue.BY_NAME,
            "subgroups",
            catalogue.Entry(
                "subgroups", "fidelity", "", "metrics.subgroups:subgroups", "table", counts=False
            ),
        )
    # A user's text reaches the page as text, never as markup.
    df = _cancer().replace({"target": {"malignant": "<b>malignant</b>"}})
    real, synthetic = _halves(df, 0)
    planted = _shuffled_in(synthetic, "mean radius", "target", "<b>malignant</b>", 0)
    enc = encode(real, planted, infer(real, planted))
    res = subgroups(enc, Options(), lambda *a: None)
    a = suite.with_result(assessment(None), res)
    figs = Figures()
    html = subgroups_section(a, enc, figs)
    assert "Searched 31 grouping columns" in html
    assert "target = &#x27;&lt;b&gt;malignant&lt;/b&gt;&#x27;" in html
    assert "<b>malignant</b>" not in html and "beyond noise" in html
    assert len(figs.specs) == 1
    skipped = suite.with_result(assessment(None), res)
    skipped.results.pop("subgroups")
    assert "not searched" in subgroups_section(skipped, enc, Figures())


def test_a_subgroup_review_item_finds_its_test_and_draws_its_level():
    # The review page draws a subgroup finding inside its level: the item's columns and key
    # (the level is in the finding's tag) lead back to the test behind it.
    from outputs.html_subgroups import finding_test, level_figure

    real, synthetic = _halves(_cancer(), 0)
    odd = _shuffled_in(synthetic, "mean radius", "target", "malignant", 0)
    enc = encode(real, odd, infer(real, odd))
    res = subgroups(enc, Options(seed=0), lambda *a: None)
    f = next(f for f in res.findings if f.columns[0] == "mean radius" and f.columns[-1] == "target")
    assert f.tag == "target=malignant" and f.key().endswith("|target=malignant")
    test = finding_test(res, f.columns, f.key())
    assert test is not None
    assert (test["group_column"], str(test["level"]), test["column"]) == (
        "target", "malignant", "mean radius")  # fmt: skip
    assert bool(test["discovered"])
    assert level_figure(enc, res, test) is not None
    assert finding_test(res, f.columns, f.key().replace("malignant", "nowhere")) is None
