"""Detection explained: where synthetic and real rows differ, for the columns that give them away.

Planted defects on real tables scikit-learn ships: the synthetic data is the other half of the
real table with one column's values moved into a narrow range for a quarter of the rows. The
explanation must name that column first, a range that holds the planted values, and the shares
of both sides in that range as they are in the files.
"""

from __future__ import annotations

import json
from html import escape as html_escape

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes

from metrics.detection import detect, detection_json
from metrics.detection import info as detection_info
from metrics.detection_explain import MAX_COLUMNS, MAX_RANGES, explain, range_sentence
from metrics.encode import encode
from metrics.options import Options
from metrics.schema import ColumnSpec, Kind, Schema, infer
from tests.demo_pair import assessment, frames

PLANTED_SHARE = 0.25


def halves(frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two independent halves of a real table: the real data and an honest 'synthetic' one."""
    order = np.random.default_rng(seed).permutation(len(frame))
    half = len(frame) // 2
    real = frame.iloc[order[:half]].reset_index(drop=True)
    return real, frame.iloc[order[half : 2 * half]].reset_index(drop=True)


def plant(real: pd.DataFrame, syn: pd.DataFrame, col: str, seed: int):
    """A quarter of the synthetic rows get ``col`` inside a narrow band (2% of the real range)
    starting at the real 60th percentile."""
    rng = np.random.default_rng(seed)
    bad = syn.copy()
    rows = rng.choice(len(bad), size=int(PLANTED_SHARE * len(bad)), replace=False)
    lo = float(real[col].quantile(0.6))
    hi = lo + 0.02 * float(real[col].max() - real[col].min())
    bad.loc[rows, col] = rng.uniform(lo, hi, len(rows))
    return bad, bad.loc[rows, col].to_numpy()


def share_between(values: pd.Series, low: float, high: float) -> tuple[float, float]:
    """Share of rows in [low, high) and in [low, high]: a bin's share lies between them."""
    v = values.to_numpy(dtype=float)
    return float(np.mean((v >= low) & (v < high))), float(np.mean((v >= low) & (v <= high)))


@pytest.mark.parametrize(
    ("loader", "col", "seed"),
    [
        (load_breast_cancer, "mean radius", 1),
        (load_breast_cancer, "mean radius", 2),
        (load_diabetes, "bmi", 0),
        (load_diabetes, "bmi", 3),
    ],
)
def test_planted_band_is_named_first_with_its_shares(loader, col, seed) -> None:
    real, syn = halves(loader(as_frame=True).frame, seed)
    bad, planted = plant(real, syn, col, seed)
    res = detect(encode(real, bad, infer(real, bad)), Options(seed=seed))
    explained = detection_info(res).explanation
    assert explained[0].column == col
    top = explained[0].ranges[0]
    assert top.more_synthetic and top.low is not None and top.high is not None
    # The named range holds every planted value.
    assert top.low <= planted.min() and planted.max() <= top.high
    assert top.label.startswith(f"{col} ")
    # The shares are those of the files in that range (a bin is half-open, the last closed).
    for frame, share in ((real, top.share_real), (bad, top.share_synthetic)):
        open_share, closed_share = share_between(frame[col], top.low, top.high)
        assert open_share - 1e-12 <= share <= closed_share + 1e-12
    assert top.share_synthetic - top.share_real > 0.8 * PLANTED_SHARE * (1 - top.share_real)
    # The classifier leans towards "synthetic" there, and the sentence says so with the numbers.
    assert top.mean_proba is not None and top.mean_proba > 0.55
    assert f"{top.mean_proba:.2f} chance of being synthetic" in top.text
    assert top.text == range_sentence(top.label, top.share_real, top.share_synthetic,
                                      top.mean_proba)  # fmt: skip
    assert len(explained) <= MAX_COLUMNS and all(len(c.ranges) <= MAX_RANGES for c in explained)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_honest_half_claims_no_large_difference(seed) -> None:
    real, syn = halves(load_breast_cancer(as_frame=True).frame, seed)
    res = detect(encode(real, syn, infer(real, syn)), Options(seed=seed))
    named = [r for c in detection_info(res).explanation for r in c.ranges]
    assert len(named) <= 1
    assert all(abs(r.share_synthetic - r.share_real) < 0.1 for r in named)
    for c in detection_info(res).explanation:
        if not c.ranges:
            assert c.text.startswith(f"No range of {c.column} ")


def test_a_planted_category_is_named_with_its_shares() -> None:
    """The demo's synthetic rows with a quarter of degree_type set to its rarest real level."""
    f = frames()
    real, bad = f["real"], f["synthetic"].copy()
    rows = np.random.default_rng(0).choice(len(bad), len(bad) // 4, replace=False)
    bad.loc[rows, "degree_type"] = "Others"
    res = detect(encode(real, bad, infer(real, bad), f["holdout"]), Options(seed=0))
    col = next(c for c in detection_info(res).explanation if c.column == "degree_type")
    top = col.ranges[0]
    assert top.label == "degree_type = 'Others'" and top.more_synthetic
    assert top.share_real == pytest.approx((real["degree_type"] == "Others").mean())
    assert top.share_synthetic == pytest.approx((bad["degree_type"] == "Others").mean())
    assert top.mean_proba > 0.6 and (top.low, top.high) == (None, None)
    assert col.bars[top.first] == "'Others'"


def test_shares_and_probabilities_by_hand() -> None:
    """Known counts: the synthetic side piles into the top of x and lacks the bottom; a category
    the real data never has and missing values are bins of their own."""
    n = 1000
    x_real = np.arange(n, dtype=float)  # uniform 0..999: 20 bins of 50
    x_syn = x_real.copy()
    x_syn[:200] = 950.0 + np.arange(200) % 50  # the bottom fifth moved into the top bin
    g_real = np.array(["a", "b"] * (n // 2), dtype=object)
    g_syn = g_real.copy()
    g_syn[:150] = "zzz"  # a level the real data never has
    g_syn[150:200] = None
    schema = Schema([ColumnSpec("x", Kind.NUMERICAL), ColumnSpec("g", Kind.CATEGORICAL)])
    enc = encode(pd.DataFrame({"x": x_real, "g": g_real}),
                 pd.DataFrame({"x": x_syn, "g": g_syn}), schema)  # fmt: skip
    rows = (np.arange(n), np.arange(n))
    proba = (np.full(n, 0.2), np.where(np.arange(n) < 200, 0.9, 0.5))
    got = explain(enc, {"x": 0.3, "g": 0.2, "never": 0.0}, rows, proba, 0.95)
    assert [c.column for c in got] == ["x", "g"]  # only importances above 0
    x, g = got
    top, lack = sorted(x.ranges, key=lambda r: not r.more_synthetic)  # equal gaps of 20 points
    assert (top.share_real, top.share_synthetic) == (0.05, 0.25)
    assert top.label == "x 949.1 to 999.0"
    # 50 real rows at 0.2, 250 synthetic rows (200 moved at 0.9, 50 kept at 0.5).
    assert top.mean_proba == pytest.approx((50 * 0.2 + 200 * 0.9 + 50 * 0.5) / 300)
    assert not lack.more_synthetic and lack.share_synthetic == 0.0
    assert lack.share_real == pytest.approx(0.2) and lack.low == 0.0
    # Four bins of the bottom fifth, merged into one range.
    assert "missing in the synthetic data" in lack.text and lack.label == "x 0.0 to 199.8"
    assert (lack.first, lack.last) == (0, 3)
    assert x.bars[top.first] == x.bars[top.last] and "to" in x.bars[top.first]
    new = g.ranges[0]
    assert new.label == "g = 'zzz', never in the real data"
    assert (new.share_real, new.share_synthetic) == (0.0, 0.15)
    assert new.text.startswith("g = 'zzz', never in the real data: 15% of synthetic rows vs 0% ")
    # Missing values are a bar of their own in the column's profile.
    gone = g.bars.index("missing")
    assert (g.real[gone], g.synthetic[gone]) == (0.0, 0.05)


def test_adjacent_bins_moving_the_same_way_are_one_range() -> None:
    rng = np.random.default_rng(0)
    real = rng.normal(0, 1, 4000)
    syn = rng.normal(0, 1, 4000)
    syn[:1200] = rng.uniform(0.5, 1.5, 1200)  # several real-quantile bins at once
    schema = Schema([ColumnSpec("v", Kind.NUMERICAL)])
    enc = encode(pd.DataFrame({"v": real}), pd.DataFrame({"v": syn}), schema)
    half = np.full(4000, 0.5)
    (col,) = explain(enc, {"v": 0.1}, (np.arange(4000), np.arange(4000)), (half, half), 0.95)
    top = col.ranges[0]
    assert top.last > top.first  # merged
    assert top.low <= 0.6 and top.high >= 1.4
    assert top.share_synthetic > top.share_real + 0.2
    assert top.label == f"v {top.label.split(' ', 1)[1]}" and " to " in top.label


def test_a_zero_one_number_gets_a_bin_per_value() -> None:
    """A numeric 0/1 column: quantile edges collapse, yet each value keeps its own bin."""
    real = np.r_[np.zeros(700), np.ones(300)]
    syn = np.r_[np.zeros(400), np.ones(600)]
    schema = Schema([ColumnSpec("f", Kind.NUMERICAL)])
    enc = encode(pd.DataFrame({"f": real}), pd.DataFrame({"f": syn}), schema)
    half = np.full(1000, 0.5)
    (col,) = explain(enc, {"f": 0.2}, (np.arange(1000), np.arange(1000)), (half, half), 0.95)
    assert {r.label for r in col.ranges} == {"f = 0", "f = 1"}
    one = next(r for r in col.ranges if r.label == "f = 1")
    assert (one.share_real, one.share_synthetic) == (0.3, 0.6)


def test_dates_are_written_as_dates() -> None:
    days = pd.date_range("2021-01-01", periods=365, freq="D")
    real = pd.DataFrame({"d": np.tile(days, 4)})
    syn = real.copy()
    syn.loc[:499, "d"] = pd.Timestamp("2021-12-30")
    schema = Schema([ColumnSpec("d", Kind.DATETIME)])
    enc = encode(real, syn, schema)
    n = len(real)
    half = np.full(n, 0.5)
    (col,) = explain(enc, {"d": 0.2}, (np.arange(n), np.arange(n)), (half, half), 0.95)
    top = col.ranges[0]
    assert top.more_synthetic and "2021-12-" in top.label and ":" not in top.label.split(": ")[0]
    assert all("2021" in b or b in ("missing",) for b in col.bars)


def test_demo_finding_quotes_the_explanation_and_json_has_the_shape() -> None:
    res = assessment().result("detection")
    found = detection_info(res)
    assert found.explanation and found.explanation[0].column == max(
        found.importances, key=found.importances.get
    )
    lead = next(c.ranges[0].text for c in found.explanation if c.ranges)
    (finding,) = res.findings
    assert f"They differ most in {lead}" in finding.message
    out = detection_json(res)["explanation"]
    json.dumps(out)  # plain JSON types only
    assert [c["column"] for c in out] == [c.column for c in found.explanation]
    for entry, col in zip(out, found.explanation, strict=True):
        assert set(entry) == {"column", "importance", "ranges"}
        assert entry["importance"] == col.importance
        for r in entry["ranges"]:
            assert set(r) == {"label", "share_real", "share_synthetic", "mean_proba", "text"}
            assert 0 <= r["share_real"] <= 1 and 0 <= r["share_synthetic"] <= 1


def test_nothing_to_explain_when_detection_did_not_classify() -> None:
    schema = Schema([ColumnSpec("v", Kind.NUMERICAL)])
    tiny = pd.DataFrame({"v": np.arange(5.0)})
    failed = detect(encode(tiny, tiny.copy(), schema))
    assert detection_info(failed).explanation == [] and detection_json(failed)["explanation"] == []
    flat = pd.DataFrame({"v": np.ones(50)})
    same = detect(encode(flat, flat.copy(), schema))
    assert detection_info(same).explanation == []


def test_deterministic() -> None:
    real, syn = halves(load_diabetes(as_frame=True).frame, 0)
    bad, _ = plant(real, syn, "bmi", 0)
    enc = encode(real, bad, infer(real, bad))
    a, b = detect(enc, Options(seed=4)), detect(enc, Options(seed=4))
    assert detection_json(a)["explanation"] == detection_json(b)["explanation"]


def test_html_report_paragraph_holds_the_sentences_escaped() -> None:
    from outputs import html_scores

    demo = html_scores.detection(assessment())
    lead = next(c for c in detection_info(assessment().result("detection")).explanation if c.ranges)
    assert html_escape(lead.ranges[0].text) in demo

    # A hostile column name and category reach the page as text, never as markup.
    rng = np.random.default_rng(0)
    col, level = "<img src=x onerror=alert(1)>", "<b>North</b>"
    real = pd.DataFrame({col: rng.choice(["a", "b", level], 600), "v": rng.normal(0, 1, 600)})
    syn = pd.DataFrame({col: rng.choice(["a", "b", level], 600), "v": rng.normal(0, 1, 600)})
    syn.loc[:299, col] = level
    schema = Schema([ColumnSpec(col, Kind.CATEGORICAL), ColumnSpec("v", Kind.NUMERICAL)])
    res = detect(encode(real, syn, schema))
    assert detection_info(res).explanation[0].column == col

    class Assessed:
        def result(self, name):
            return res if name == "detection" else None

    page = html_scores.detection(Assessed())  # type: ignore[arg-type]
    assert "<img" not in page and "<b>North" not in page
    assert html_escape(f"{col} = '{level}'") in page
