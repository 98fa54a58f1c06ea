"""Detection: a real-vs-synthetic classifier must see planted defects and not invent them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from metrics import catalogue
from metrics.detection import MIN_ROWS, DetectionInfo, detect, detection_score
from metrics.detection import info as detection_info
from metrics.encode import encode
from metrics.features import auc_score
from metrics.options import Options
from metrics.schema import ColumnSpec, Kind, Schema

SCHEMA = Schema(
    [
        ColumnSpec("x1", Kind.NUMERICAL),
        ColumnSpec("x2", Kind.NUMERICAL),
        ColumnSpec("x3", Kind.NUMERICAL),
        ColumnSpec("grp", Kind.CATEGORICAL),
        ColumnSpec("flag", Kind.BOOLEAN),
    ]
)


def draw(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """One sample of a generator with relations between columns (x2 follows x1, grp too)."""
    x1 = rng.normal(50, 10, n)
    return pd.DataFrame(
        {
            "x1": x1,
            "x2": 2 * x1 + rng.normal(0, 4, n),
            "x3": rng.lognormal(3, 0.6, n),
            "grp": np.where(x1 + rng.normal(0, 5, n) > 50, "high", "low"),
            "flag": rng.random(n) < 0.3,
        }
    )


@pytest.fixture(scope="module")
def pair() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(1)
    return draw(1500, rng), draw(1500, rng)


def test_score_formula() -> None:
    assert detection_score(0.5) == 1.0
    assert detection_score(0.75) == 0.5
    assert detection_score(1.0) == 0.0
    assert detection_score(0.3) == 1.0  # worse than a coin is still indistinguishable
    assert np.isnan(detection_score(float("nan")))


def test_auc_matches_sklearn_with_ties() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    p = np.round(rng.random(500), 1)  # many ties
    assert auc_score(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert np.isnan(auc_score(np.ones(5), np.arange(5.0)))


def test_registered() -> None:
    info = catalogue.entry("detection")
    assert (info.family, info.result) == ("detection", "rows")


def test_two_samples_of_one_generator_are_indistinguishable(pair) -> None:
    real, syn = pair
    res = detect(encode(real, syn, SCHEMA))
    assert res.error is None
    assert abs(res.raw - 0.5) < 0.06
    assert res.score > 0.85
    assert res.findings == []
    assert isinstance(res.extra, DetectionInfo)
    assert detection_info(res).auc == res.raw and detection_info(res).n_per_side == 1500


def test_shifted_column_is_found_and_named_first(pair) -> None:
    real, syn = pair
    bad = syn.assign(x3=syn["x3"] + syn["x3"].std())
    res = detect(encode(real, bad, SCHEMA))
    assert res.raw > 0.75
    assert res.score < 0.5
    (finding,) = res.findings
    assert finding.columns[0] == "x3"
    assert "x3" in finding.message and f"{res.raw:.2f}" in finding.message
    # The finding says where: x3 moved up by one spread, so its lowest values are gone.
    top = detection_info(res).explanation[0].ranges[0]
    assert top.label.startswith("x3 ") and not top.more_synthetic
    assert top.low == real["x3"].min() and top.share_synthetic < 0.05 < 0.4 < top.share_real
    assert "missing in the synthetic data" in top.text
    assert f"They differ most in {top.text}" in finding.message


def test_permuted_column_breaks_relations_and_is_named(pair) -> None:
    real, syn = pair
    bad = syn.assign(x2=np.random.default_rng(5).permutation(syn["x2"].to_numpy()))
    res = detect(encode(real, bad, SCHEMA))
    assert res.raw >= 0.9
    (finding,) = res.findings
    assert finding.severity == "high"
    assert "x2" in finding.columns
    assert "x3" not in finding.columns and "flag" not in finding.columns


def test_planted_impossible_rows_are_listed_first(pair) -> None:
    real, syn = pair
    rng = np.random.default_rng(7)
    bad = syn.copy()
    fake = rng.choice(len(bad), size=20, replace=False)
    # x1 high with x2 low and the group of low x1: a combination the real data never has.
    bad.loc[fake, "x1"] = rng.normal(70, 2, 20)
    bad.loc[fake, "x2"] = rng.normal(60, 3, 20)
    bad.loc[fake, "grp"] = "low"
    res = detect(encode(real, bad, SCHEMA))
    top = res.details["row"].head(30).to_numpy()
    assert np.isin(fake, top).sum() >= 18
    assert res.details["probability"].is_monotonic_decreasing
    assert set(res.details.columns) >= {"row", "probability", "values"}
    first = int(res.details["row"].iloc[0])
    proba = detection_info(res).synthetic_proba
    assert proba is not None and proba[first] == res.details["probability"].iloc[0]


def test_deterministic_and_capped_sample_is_stated(pair) -> None:
    real, syn = pair
    enc = encode(real, syn, SCHEMA)
    opts = Options(seed=3, max_model_rows=400)
    a, b = detect(enc, opts), detect(enc, opts)
    assert a.raw == b.raw
    ia, ib = detection_info(a), detection_info(b)
    assert ia.synthetic_proba is not None and ib.synthetic_proba is not None
    np.testing.assert_array_equal(ia.synthetic_proba, ib.synthetic_proba)
    assert ia.synthetic_proba.shape == (1500,)
    assert np.isfinite(ia.synthetic_proba).sum() == 400
    assert ia.n_per_side == 400 and ia.capped
    assert "400 rows per side" in ia.message and "capped" in ia.message
    assert detect(enc, Options(seed=4, max_model_rows=400)).raw != a.raw


def test_id_and_text_columns_are_left_out(pair) -> None:
    real, syn = pair
    schema = Schema([*SCHEMA.columns, ColumnSpec("id", Kind.ID), ColumnSpec("note", Kind.TEXT)])
    # Ids that differ by side would give every row away if they were used.
    r = real.assign(id=np.arange(1500), note="real")
    s = syn.assign(id=np.arange(1500) + 10_000, note="synthetic")
    res = detect(encode(r, s, schema))
    assert res.score > 0.85
    assert "id" not in detection_info(res).columns and "note" not in detection_info(res).columns


def test_awkward_columns_do_not_break_it(pair) -> None:
    real, syn = pair
    schema = Schema(
        [*SCHEMA.columns, ColumnSpec("const", Kind.NUMERICAL), ColumnSpec("empty", Kind.NUMERICAL)]
    )
    res = detect(
        encode(real.assign(const=1.0, empty=np.nan), syn.assign(const=1.0, empty=np.nan), schema)
    )
    assert res.error is None and 0.85 < res.score <= 1.0
    used = detection_info(res).columns
    assert "const" not in used and "empty" not in used


def test_single_column() -> None:
    rng = np.random.default_rng(0)
    schema = Schema([ColumnSpec("v", Kind.NUMERICAL)])
    real = pd.DataFrame({"v": rng.normal(0, 1, 300)})
    same = detect(encode(real, pd.DataFrame({"v": rng.normal(0, 1, 300)}), schema))
    apart = detect(encode(real, pd.DataFrame({"v": rng.normal(3, 1, 300)}), schema))
    assert same.score > 0.7
    assert apart.raw > 0.9 and apart.findings[0].columns == ("v",)


def test_only_constant_columns_are_indistinguishable() -> None:
    schema = Schema([ColumnSpec("c", Kind.CATEGORICAL), ColumnSpec("n", Kind.NUMERICAL)])
    df = pd.DataFrame({"c": ["a"] * 50, "n": [np.nan] * 50})
    res = detect(encode(df, df.copy(), schema))
    assert (res.raw, res.score, res.error) == (0.5, 1.0, None)
    got = detection_info(res)
    assert (got.auc, got.fold_auc, got.importances, got.columns) == (0.5, [], {}, [])
    assert got.synthetic_proba is not None and (got.synthetic_proba == 0.5).all()
    assert "No column varies" in got.message and got.n_per_side == 50


def test_tiny_data_gives_nan_and_says_why() -> None:
    schema = Schema([ColumnSpec("v", Kind.NUMERICAL)])
    df = pd.DataFrame({"v": np.arange(MIN_ROWS - 1, dtype=float)})
    res = detect(encode(df, df.copy(), schema))
    assert np.isnan(res.score)
    assert str(MIN_ROWS) in res.error and str(MIN_ROWS - 1) in res.error
    assert res.extra == DetectionInfo(n_per_side=MIN_ROWS - 1)


def test_no_usable_column() -> None:
    schema = Schema([ColumnSpec("id", Kind.ID)])
    df = pd.DataFrame({"id": range(100)})
    res = detect(encode(df, df.copy(), schema))
    assert np.isnan(res.score) and "id and text" in res.error
    got = detection_info(res)
    assert got.n_per_side is None and got.synthetic_proba is None and got.message == ""


def test_high_cardinality_and_unseen_categories() -> None:
    """Over 255 levels must still train; a category never in the real data is a giveaway."""
    rng = np.random.default_rng(0)
    schema = Schema([ColumnSpec("city", Kind.CATEGORICAL), ColumnSpec("v", Kind.NUMERICAL)])
    levels = np.array([f"c{i}" for i in range(600)])
    real = pd.DataFrame({"city": rng.choice(levels, 3000), "v": rng.normal(0, 1, 3000)})
    syn = pd.DataFrame({"city": rng.choice(levels, 3000), "v": rng.normal(0, 1, 3000)})
    assert detect(encode(real, syn, schema)).score > 0.8
    syn.loc[:1199, "city"] = [f"new{i}" for i in range(1200)]
    res = detect(encode(real, syn, schema))
    assert res.raw > 0.65 and res.findings[0].columns[0] == "city"
    assert np.isin(res.details["row"].head(100), np.arange(1200)).mean() >= 0.95


def test_student_placements_demo() -> None:
    demo = Path(__import__("sdmetrics").__file__).parent / "demos" / "single_table"
    real = pd.read_csv(demo / "student_placements_real.csv")
    syn = pd.read_csv(demo / "student_placements_synthetic.csv")
    kinds = {"student_id": Kind.ID, "start_date": Kind.DATETIME, "end_date": Kind.DATETIME}
    cats = {"gender", "high_spec", "degree_type", "mba_spec"}
    bools = {"work_experience", "placed"}
    schema = Schema(
        [
            ColumnSpec(
                c,
                kinds.get(
                    c,
                    Kind.CATEGORICAL
                    if c in cats
                    else Kind.BOOLEAN
                    if c in bools
                    else Kind.NUMERICAL,
                ),
                "%Y-%m-%d" if c in ("start_date", "end_date") else None,
            )
            for c in real.columns
        ]
    )
    res = detect(encode(real, syn, schema))
    assert res.error is None and 0.0 <= res.score <= 1.0
    assert detection_info(res).n_per_side == min(len(real), len(syn))
    assert "student_id" not in detection_info(res).importances
    assert res.details["values"].str.len().gt(0).all()


def test_permutation_screen_is_exact_on_a_wide_table_the_model_mostly_ignores():
    from metrics import features

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 400))
    y = (X[:, 7] + X[:, 250] > 0).astype(int)
    calls = []

    def predict(m):
        calls.append(len(m))
        return 1 / (1 + np.exp(-(m[:, 7] + m[:, 250])))

    drops = features.permutation_drops(predict, X, y, features.auc_score, rng)
    assert set(np.flatnonzero(drops)) == {7, 250}
    assert (drops[[7, 250]] > 0.2).all()
    # Rows predicted: the plain rows, one copy per block (48), and one copy per column of the
    # two blocks that moved (9 + 8), instead of one copy per column (400).
    assert sum(calls) == 300 * (1 + 48 + 9 + 8)


def test_info_of_a_missing_or_crashed_result_is_empty() -> None:
    from metrics.results import MetricResult

    crashed = MetricResult("detection", "detection", float("nan"), error="boom")  # extra = {}
    for res in (None, crashed):
        got = detection_info(res)
        assert got == DetectionInfo() and got.synthetic_proba is None and got.message == ""
