"""Privacy: exact copies, DCR share against a holdout, NNDR, score and JSON."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from metrics import catalogue
from metrics.encode import encode
from metrics.options import Options
from metrics.privacy import PrivacyInfo, compute_privacy, info, privacy_json
from metrics.results import MetricResult
from metrics.schema import ColumnSpec, Kind, Schema

NUMBERS = ["mean radius", "mean texture", "mean smoothness", "worst concavity", "worst area"]
SCHEMA = Schema(
    [ColumnSpec(c, Kind.NUMERICAL) for c in NUMBERS]
    + [
        ColumnSpec("visits", Kind.NUMERICAL),
        ColumnSpec("diagnosis", Kind.CATEGORICAL),
        ColumnSpec("grade", Kind.CATEGORICAL),
        ColumnSpec("seen", Kind.DATETIME),
        ColumnSpec("patient", Kind.ID),
    ]
)


def draw(n: int, seed: int) -> pd.DataFrame:
    """``n`` rows of one fixed distribution: breast-cancer rows with bounded jitter."""
    base = load_breast_cancer(as_frame=True).frame
    rng = np.random.default_rng(seed)
    rows = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True)
    out = rows[NUMBERS] * rng.uniform(0.95, 1.05, size=(n, len(NUMBERS)))
    out["visits"] = np.round(rows["mean radius"] / 3)  # whole and positive
    out["diagnosis"] = np.where(rows["target"] == 1, "benign", "malignant")
    out["grade"] = pd.qcut(rows["mean area"], 4, labels=["A", "B", "C", "D"]).astype(str)
    out["seen"] = pd.Timestamp("2023-01-01") + pd.to_timedelta(
        np.round(rows["mean texture"] * 10), unit="D"
    )
    out["patient"] = [f"p{seed}-{i}" for i in range(n)]
    return out


def plant_copies(synthetic: pd.DataFrame, real: pd.DataFrame, share: float, seed: int = 9):
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(synthetic), int(share * len(synthetic)), replace=False))
    src = rng.choice(len(real), len(rows), replace=False)
    out = synthetic.copy()
    cols = [c for c in real.columns if c != "patient"]  # ids never match: they stay fresh
    out.loc[rows, cols] = real.loc[src, cols].to_numpy()
    out["visits"] = out["visits"].astype(str)  # "3.0" from a CSV still equals 3
    return out, rows, src


@pytest.fixture(scope="module")
def sets():
    return draw(2000, 1), draw(2000, 2), draw(2000, 3)


def test_good_synthetic_data_has_share_near_half_and_no_copies(sets):
    real, holdout, synthetic = sets
    res = compute_privacy(encode(real, synthetic, SCHEMA, holdout), Options())
    ex = info(res)
    assert ex.dcr_expected == 0.5
    assert abs(ex.dcr_share - 0.5) < 0.05
    assert ex.exact_copies == 0
    assert res.score > 0.85
    assert not [f for f in res.findings if f.severity == "high"]


def test_a_quarter_copied_is_found_and_raises_the_share(sets):
    real, holdout, synthetic = sets
    copied, rows, src = plant_copies(synthetic, real, 0.25)
    res = compute_privacy(encode(real, copied, SCHEMA, holdout), Options())
    ex = info(res)
    found = np.flatnonzero(ex.exact_copy_of >= 0)
    assert len(np.intersect1d(found, rows)) / len(rows) >= 0.99
    assert len(np.intersect1d(found, rows)) / len(found) >= 0.99
    # The copy's closest real record is the row it copies, at distance 0.
    np.testing.assert_array_equal(ex.closest_real[rows], src)
    assert np.all(ex.closest_distance[rows] == 0)
    # Expected 0.5 + 0.25 / 2 = 0.625 for a quarter of memorised rows.
    assert ex.dcr_share > 0.58
    assert ex.exact_copy_rate == pytest.approx(0.25)
    assert res.score == 0.0  # 25 % copies: copy_score = max(0, 1 - 10 * 0.25)
    kinds = {f.kind: f for f in res.findings}
    assert kinds["exact_copies"].severity == "high"
    assert set(kinds["exact_copies"].rows) <= set(rows.tolist())


def test_without_holdout_half_the_real_rows_are_split_off_and_said_so(sets):
    real, _, synthetic = sets
    res = compute_privacy(encode(real, synthetic, SCHEMA), Options(seed=3))
    ex = info(res)
    assert "No holdout was uploaded" in ex.holdout_note
    assert "No holdout was uploaded" in ex.message
    assert ex.n_training == ex.n_holdout == 1000
    assert abs(ex.dcr_share - 0.5) < 0.06
    n = len(synthetic)
    for values in (
        ex.dcr_synthetic,
        ex.closest_real,
        ex.closest_distance,
        ex.nndr,
        ex.exact_copy_of,
    ):
        assert len(values) == n
    assert len(ex.dcr_holdout) == 1000
    assert np.all((ex.nndr >= 0) & (ex.nndr <= 1))
    # The same seed gives the same split and the same numbers.
    again = compute_privacy(encode(real, synthetic, SCHEMA), Options(seed=3))
    assert info(again).dcr_share == ex.dcr_share


def test_ids_are_left_out_and_named():
    real = draw(50, 1)
    synthetic = real.copy()
    synthetic["patient"] = [f"new-{i}" for i in range(50)]
    res = compute_privacy(encode(real, synthetic, SCHEMA), Options())
    assert info(res).exact_copies == 50
    assert info(res).excluded_columns == ["patient"]
    assert "patient" not in info(res).columns


def test_unequal_holdout_changes_the_expected_share(sets):
    real, holdout, synthetic = sets
    res = compute_privacy(encode(real, synthetic, SCHEMA, holdout.iloc[:500]), Options())
    assert info(res).dcr_expected == pytest.approx(2000 / 2500)
    assert abs(info(res).dcr_share - 0.8) < 0.05
    assert info(res).dcr_score > 0.8


def test_parity_with_sdmetrics_on_one_numeric_column():
    # With one column, sdmetrics' range-scaled L1 and our IQR-scaled Euclidean distance rank
    # neighbours alike, so the shares must agree exactly. sdmetrics scales by the range of each
    # reference set separately, so both sets get the same range here.
    from sdmetrics.single_table import DCROverfittingProtection

    rng = np.random.default_rng(4)
    train = pd.DataFrame({"v": np.r_[-4.0, 4.0, rng.normal(size=118)]})
    holdout = pd.DataFrame({"v": np.r_[-4.0, 4.0, rng.normal(size=118)]})
    near = train["v"][2:32] + 1e-3
    synthetic = pd.DataFrame({"v": np.clip(np.r_[near, rng.normal(size=90)], -3.9, 3.9)})
    meta = {"columns": {"v": {"sdtype": "numerical"}}}
    sd = DCROverfittingProtection.compute_breakdown(train, synthetic, holdout, meta, None)
    schema = Schema([ColumnSpec("v", Kind.NUMERICAL)])
    ours = compute_privacy(encode(train, synthetic, schema, holdout), Options())
    assert info(ours).dcr_share == pytest.approx(
        sd["synthetic_data_percentages"]["closer_to_training"]
    )
    assert info(ours).dcr_score == pytest.approx(sd["score"])


def test_duplicates_in_real_data_set_the_natural_copy_rate():
    # Three categories only: equal rows are the norm, so copies cost nothing.
    rng = np.random.default_rng(0)
    schema = Schema([ColumnSpec("a", Kind.CATEGORICAL), ColumnSpec("b", Kind.BOOLEAN)])

    def frame(n):
        return pd.DataFrame({"a": rng.choice(list("xyz"), n), "b": rng.choice([True, False], n)})

    res = compute_privacy(encode(frame(300), frame(300), schema, frame(300)), Options())
    assert info(res).exact_copy_rate == 1.0
    assert info(res).holdout_copy_rate == 1.0
    assert info(res).copy_score == 1.0
    assert abs(info(res).dcr_share - 0.5) < 1e-9  # every row ties: one half each


def test_bad_input_gives_an_error_not_an_exception():
    schema = Schema([ColumnSpec("patient", Kind.ID)])
    df = pd.DataFrame({"patient": ["a", "b"]})
    res = compute_privacy(encode(df, df, schema), Options())
    assert res.error and np.isnan(res.score)
    assert privacy_json(res)["error"] == res.error
    assert privacy_json(res) == {
        "message": res.error, "excluded_columns": ["patient"], "score": None, "error": res.error
    }  # fmt: skip
    empty = compute_privacy(encode(draw(20, 1), draw(20, 2).iloc[:0], SCHEMA), Options())
    assert empty.error


def test_tiny_real_data_reports_copies_without_a_share():
    real = draw(5, 1)
    res = compute_privacy(encode(real, real, SCHEMA), Options())
    assert info(res).exact_copies == 5
    assert np.isnan(info(res).dcr_share)
    assert "too few" in info(res).holdout_note
    assert res.score == 0.0


def test_json_and_registry(sets):
    real, holdout, synthetic = sets
    res = compute_privacy(encode(real.iloc[:300], synthetic.iloc[:300], SCHEMA), Options())
    out = privacy_json(res)
    for key in ("exact_copies", "exact_copy_rate", "dcr_share", "score"):
        assert key in out
    assert isinstance(out["exact_copies"], int) and 0 <= out["score"] <= 1
    entry = catalogue.entry("privacy")
    assert (entry.family, entry.result) == ("privacy", "rows")
    assert len(res.details) == 300 and {"row", "closest_real", "nndr"} <= set(res.details)


def test_typed_info_and_its_default():
    res = compute_privacy(encode(draw(40, 1), draw(40, 2), SCHEMA), Options())
    assert isinstance(res.extra, PrivacyInfo) and info(res) is res.extra
    crashed = MetricResult("privacy", "privacy", float("nan"), error="boom")  # extra = {}
    for got in (info(None), info(crashed)):
        assert got.exact_copies == 0 and np.isnan(got.exact_copy_rate) and got.message == ""
        assert len(got.closest_real) == 0 and got.n_training is None
    assert privacy_json(crashed) == {"score": None, "error": "boom"}
