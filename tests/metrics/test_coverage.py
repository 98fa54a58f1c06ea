"""Missing values, coverage, validity and summary statistics: exact values and findings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.synth_table import make_pair, schema_of
from metrics.coverage import (
    CoverageInfo,
    coverage,
    coverage_table,
    missing_values_table,
    summary_statistics,
    validity_table,
)
from metrics.coverage import info as coverage_info
from metrics.encode import encode
from metrics.options import Options
from metrics.quality import fidelity_findings
from metrics.results import MetricResult, no_progress
from metrics.schema import Kind

N, C, D, ID = Kind.NUMERICAL, Kind.CATEGORICAL, Kind.DATETIME, Kind.ID

REAL = pd.DataFrame(
    {
        "x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, np.nan],
        "c": ["a", "a", "a", "a", "b", "b", "b", "c", None, None],
        "k": [f"id{i}" for i in range(9)] + [None],
    }
)
SYN = pd.DataFrame(
    {
        "x": [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, "oops"],
        "c": ["a", "a", "b", "b", "b", "b", "z", "z", None, "a"],
        "k": [f"id{i}" for i in range(10)],
    }
)
KINDS = {"x": N, "c": C, "k": ID}


@pytest.fixture(scope="module")
def enc():
    return encode(REAL, SYN, schema_of(KINDS))


def test_missing_values_exact(enc):
    table, _ = missing_values_table(enc)
    got = table.set_index("column")
    # "oops" cannot be read as a number: it is invalid, not missing.
    assert got.loc["x", ["real", "synthetic", "score"]].tolist() == [0.1, 0.0, 0.9]
    assert got.loc["c", ["real", "synthetic"]].tolist() == [0.2, 0.1]
    assert got.loc["c", "score"] == pytest.approx(0.9)
    assert got.loc["k", "score"] == pytest.approx(0.9)


def test_coverage_exact(enc):
    table, _ = coverage_table(enc)
    got = table.set_index("column")
    # Real range 0..8, synthetic 2..10: the part below 2 is not covered -> 1 - 2/8.
    assert got.loc["x", "score"] == 0.75
    assert got.loc["x", "uncovered_share"] == pytest.approx(2 / 9)
    # Real categories a, b, c; the synthetic data never produces c (1 of 8 real values).
    assert got.loc["c", "score"] == pytest.approx(2 / 3)
    assert got.loc["c", "uncovered_share"] == pytest.approx(1 / 8)
    assert coverage(enc, Options(), no_progress).score == pytest.approx((0.75 + 2 / 3) / 2)


def test_validity_exact(enc):
    got = validity_table(enc)[0].set_index("column")
    # x: 9 readable values, 2 above the real maximum 8, plus "oops" -> 3 invalid of 10.
    assert got.loc["x", ["invalid", "unreadable", "checked"]].tolist() == [3, 1, 10]
    assert got.loc["x", "score"] == pytest.approx(0.7)
    assert got.loc["c", "score"] == pytest.approx(7 / 9)


def test_validity_findings_name_the_synthetic_rows():
    # Ten rows could show invalid values by chance; forty copies of them cannot.
    real, syn = pd.concat([REAL] * 40, ignore_index=True), pd.concat([SYN] * 40, ignore_index=True)
    findings = validity_table(encode(real, syn, schema_of(KINDS)))[1]
    by_col = {f.columns[0]: f for f in findings}
    # Rows 7 and 8 hold 9 and 10 (above the real maximum), row 9 holds "oops".
    assert by_col["x"].rows[:4] == (7, 8, 9, 17) and len(by_col["x"].rows) == 50
    assert "could not be read as numbers" in by_col["x"].message
    assert by_col["x"].severity == "high"
    assert by_col["c"].rows[:4] == (6, 7, 16, 17) and "'z'" in by_col["c"].message


def test_identical_frames_are_perfect_and_disjoint_ones_are_not():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["a", "b", "a"]})
    enc_same = encode(real, real.copy(), schema_of({"x": N, "c": C}))
    for table_fn in (missing_values_table, coverage_table, validity_table):
        table, findings = table_fn(enc_same)
        assert table["score"].tolist() == [1.0, 1.0] and findings == []
    other = pd.DataFrame({"x": [10.0, 11.0, 12.0], "c": ["y", "z", "y"]})
    enc_apart = encode(real, other, schema_of({"x": N, "c": C}))
    assert coverage_table(enc_apart)[0]["score"].tolist() == [0.0, 0.0]
    assert validity_table(enc_apart)[0]["score"].tolist() == [0.0, 0.0]


def test_empty_and_constant_columns_give_nan_with_a_reason():
    real = pd.DataFrame({"x": [5.0, 5.0], "e": [np.nan, np.nan]})
    enc = encode(real, real.copy(), schema_of({"x": N, "e": N}))
    got = coverage_table(enc)[0].set_index("column")
    assert np.isnan(got.loc["x", "score"]) and "constant" in got.loc["x", "error"]
    assert np.isnan(got.loc["e", "score"]) and got.loc["e", "error"]
    empty = encode(real.iloc[:0], real.iloc[:0], schema_of({"x": N, "e": N}))
    assert missing_values_table(empty)[0]["error"].notna().all()


def test_summary_statistics_side_by_side(enc):
    table = summary_statistics(enc).set_index(["column", "statistic"])
    assert table.loc[("x", "mean"), "real"] == 4.0
    assert table.loc[("x", "max"), "synthetic"] == 10.0
    assert table.loc[("x", "50%"), ["real", "synthetic"]].tolist() == [4.0, 6.0]
    assert table.loc[("x", "missing share"), "real_text"] == "10%"
    assert table.loc[("c", "top"), ["real_text", "synthetic_text"]].tolist() == ["a", "b"]
    assert table.loc[("c", "distinct"), ["real", "synthetic"]].tolist() == [3, 3]
    assert table.loc[("k", "distinct"), ["real", "synthetic"]].tolist() == [9, 10]


def test_dates_are_shown_as_dates():
    days = pd.Series(pd.date_range("2021-01-01", periods=200, freq="D"))
    enc = encode(
        pd.DataFrame({"d": days}),
        pd.DataFrame({"d": days + pd.Timedelta("20D")}),
        schema_of({"d": D}),
    )
    table = summary_statistics(enc).set_index(["column", "statistic"])
    assert table.loc[("d", "min"), "synthetic_text"] == "2021-01-21"
    finding = coverage_table(enc)[1][0]
    assert finding.kind == "range_not_covered" and "2021-01-01 to 2021-07-19" in finding.message


def test_a_collapsed_category_is_the_first_finding():
    real, syn, schema = make_pair(4000, seed=41, imperfect=False)
    syn["plan"] = syn["plan"].replace({"plus": "basic"})
    findings = fidelity_findings(encode(real, syn, schema))
    top = findings[0]
    assert top.columns == ("plan",) and top.severity == "high"
    assert top.kind == "missing_category" and "'plus' never appears" in top.message


def test_a_category_generated_far_too_rarely_is_named():
    real, syn, schema = make_pair(4000, seed=44, imperfect=False)
    plus = syn.index[syn["plan"] == "plus"]
    # Keep a tenth of the synthetic 'plus' rows: rare, but not gone.
    syn.loc[plus[len(plus) // 10 :], "plan"] = "basic"
    found = [f for f in coverage_table(encode(real, syn, schema))[1] if f.columns == ("plan",)]
    assert [f.kind for f in found] == ["scarce_category"]
    assert found[0].severity == "high"  # 22% of the real rows lost their category
    assert found[0].message == (
        "plan: categories generated far too rarely: 'plus' 2.5% of synthetic rows against 25% "
        "of real rows."
    )


def test_a_missing_rate_gap_is_found():
    real, syn, schema = make_pair(4000, seed=42, imperfect=False)
    syn.loc[syn.index[: len(syn) // 4], "score"] = np.nan
    found = [f for f in missing_values_table(encode(real, syn, schema))[1]]
    assert [f.columns for f in found] == [("score",)]
    assert (
        found[0].severity == "high"
        and "0% of values are missing in the real data, 25%" in found[0].message
    )


def test_a_fresh_sample_of_the_same_process_has_no_coverage_finding():
    real, syn, schema = make_pair(2000, seed=43, imperfect=False)
    enc = encode(real, syn, schema)
    for table_fn in (missing_values_table, coverage_table, validity_table):
        assert table_fn(enc)[1] == []


def test_coverage_result_carries_the_summary_typed(enc):
    res = coverage(enc, Options(), no_progress)
    assert isinstance(res.extra, CoverageInfo)
    pd.testing.assert_frame_equal(coverage_info(res).summary, summary_statistics(enc))
    crashed = MetricResult("coverage", "coverage", float("nan"), error="boom")  # extra = {}
    assert coverage_info(None).summary.empty and coverage_info(crashed).summary.empty
