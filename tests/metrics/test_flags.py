"""Row flags: planted invalid values, copies, near copies and anomalies must be found."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_privacy import NUMBERS, SCHEMA, draw  # same planted-data builder

from metrics import catalogue
from metrics.encode import encode
from metrics.flags import KINDS, FlagsInfo, flag_rows, flags_json, info
from metrics.options import Options
from metrics.privacy import compute_privacy
from metrics.results import MetricResult
from metrics.schema import ColumnSpec, Kind, Schema

N = 2000


@pytest.fixture(scope="module")
def sets():
    return draw(N, 1), draw(N, 2), draw(N, 3)


def _rows_with(result, kind: str) -> np.ndarray:
    d = result.details
    return d["row"][[kind in ks for ks in d["kinds"]]].to_numpy()


def test_good_synthetic_data_is_rarely_flagged(sets):
    real, holdout, synthetic = sets
    res = flag_rows(encode(real, synthetic, SCHEMA, holdout), Options())
    assert info(res).flagged_share < 0.05
    assert res.score == pytest.approx(1 - info(res).flagged_share)
    assert info(res).count_by_kind["copied"] == 0
    # Anomalies are tuned to about 1% of real rows; an equal distribution gets about as many.
    assert info(res).share_by_kind["anomalous"] < 0.03


def _plant_invalid(synthetic: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    out = synthetic.astype({"mean texture": object})
    defects = [
        ("mean radius", -5.0),  # below the real minimum (and negative)
        ("worst area", 1e6),  # above the real maximum
        ("diagnosis", "unknown"),  # a category the real data never has
        ("visits", 2.5),  # not whole where every real value is
        ("mean texture", "n/a?"),  # cannot be read as a number
        ("grade", None),  # missing where the real column never is
        ("seen", pd.Timestamp("1990-01-01")),  # before the real dates
        ("worst concavity", -0.001),  # negative, though within the range tolerance
    ]
    for i, row in enumerate(rows):
        col, value = defects[i % len(defects)]
        out.at[row, col] = value
    return out


def test_planted_impossible_values_in_one_percent_of_rows_are_found(sets):
    real, holdout, synthetic = sets
    planted = np.random.default_rng(5).choice(N, N // 100, replace=False)
    bad = _plant_invalid(synthetic, planted)
    res = flag_rows(encode(real, bad, SCHEMA, holdout), Options())
    invalid = _rows_with(res, "invalid")
    assert len(np.intersect1d(invalid, planted)) / len(planted) >= 0.95
    reasons = " ".join(res.details["reason"])
    for words in (
        "is below the real minimum",
        "is above the real maximum",
        "'unknown' is a category the real data never has",
        "is not a whole number",
        "cannot be read as a number",
        "never missing in the real data",
        "seen = 1990-01-01 is below the real minimum",
        "is negative, but no real value is",
    ):
        assert words in reasons
    finding = next(f for f in res.findings if f.kind == "invalid_rows")
    assert set(finding.rows) <= set(invalid.tolist()) and finding.severity == "high"
    assert {"mean radius", "diagnosis", "visits"} <= set(finding.columns)


def test_exact_sentence_and_score_on_a_hand_made_frame():
    schema = Schema([ColumnSpec("income", Kind.NUMERICAL)])
    # 3,000 real rows: an unseen real row crosses the edges too rarely for a tail tolerance,
    # so the tolerance is 1% of the range (see test_small_tables_get_a_tail_tolerance).
    real = pd.DataFrame({"income": np.linspace(0, 100_000, 3_000)})
    syn = pd.DataFrame({"income": [50_000.0, -5_000.0, -500.0]})
    res = flag_rows(encode(real, syn, schema), Options())
    by_row = res.details.set_index("row")
    # The surest reason comes first (the isolation forest may add "unusual" after it).
    assert by_row.loc[1, "reason"].split("; ")[0] == (
        "income = -5,000 is below the real minimum 0 (tolerance 1% of the range)"
    )
    assert by_row.loc[1, "score"] == pytest.approx(0.6 + 0.4 * 5_000 / 100_000)
    # -500 is inside the 1% tolerance (1,000) but breaks the "never negative" rule.
    assert "is negative" in by_row.loc[2, "reason"]
    assert 0 not in by_row.index or "invalid" not in by_row.loc[0, "kinds"]


def test_a_quarter_copied_rows_are_flagged(sets):
    real, holdout, synthetic = sets
    rng = np.random.default_rng(6)
    rows = np.sort(rng.choice(N, N // 4, replace=False))
    copied = synthetic.copy()
    copied.loc[rows] = real.loc[rng.choice(N, len(rows), replace=False)].to_numpy()
    copied = copied.astype(synthetic.dtypes.to_dict())
    res = flag_rows(encode(real, copied, SCHEMA, holdout), Options())
    flagged = _rows_with(res, "copied")
    assert len(np.intersect1d(flagged, rows)) / len(rows) >= 0.99
    assert next(f for f in res.findings if f.kind == "copied_rows").severity == "high"
    assert "exact copy of real row" in res.details.set_index("row").loc[rows[0], "reason"]


def test_near_copies_are_flagged(sets):
    real, holdout, synthetic = sets
    rng = np.random.default_rng(7)
    rows = np.sort(rng.choice(N, 40, replace=False))
    near = synthetic.copy()
    src = real.loc[rng.choice(N, len(rows), replace=False)].reset_index(drop=True)
    jitter = rng.uniform(0.9999, 1.0001, size=(len(rows), len(NUMBERS)))
    src[NUMBERS] = src[NUMBERS].to_numpy() * jitter
    near.loc[rows] = src.to_numpy()
    near = near.astype(synthetic.dtypes.to_dict())
    res = flag_rows(encode(real, near, SCHEMA, holdout), Options())
    flagged = _rows_with(res, "near_copy")
    assert len(np.intersect1d(flagged, rows)) / len(rows) >= 0.95
    assert info(res).near_copy_threshold > 0


def test_a_capped_distance_search_says_near_copies_were_sampled(sets, monkeypatch):
    from metrics import privacy

    real, holdout, synthetic = sets
    monkeypatch.setattr(privacy, "MAX_SEARCH_ROWS", 500)
    res = flag_rows(encode(real, synthetic, SCHEMA, holdout), Options())
    assert f"Near copies are checked on a seeded sample of 500 of {N:,} synthetic rows" in " ".join(
        info(res).notes
    )
    full = flag_rows(encode(real, synthetic.iloc[:400], SCHEMA, holdout), Options())
    assert not [n for n in info(full).notes if n.startswith("Near copies")]


def test_anomalous_combinations_within_the_ranges_are_flagged(sets):
    real, holdout, synthetic = sets
    rows = np.arange(0, N, 100)  # 20 rows
    odd = synthetic.copy()
    # A large radius with a tiny area, few visits and a benign diagnosis: each value is inside
    # its real range, the combination is not.
    for col, q in [
        ("mean radius", 0.99),
        ("worst area", 0.01),
        ("worst concavity", 0.99),
        ("mean texture", 0.01),
        ("mean smoothness", 0.99),
        ("visits", 0.01),
    ]:
        odd.loc[rows, col] = real[col].quantile(q, interpolation="nearest")
    odd.loc[rows, "diagnosis"] = "benign"
    res = flag_rows(encode(real, odd, SCHEMA, holdout), Options())
    flagged = _rows_with(res, "anomalous")
    assert len(np.intersect1d(flagged, rows)) / len(rows) >= 0.9
    assert "most unusual" in res.details.set_index("row").loc[rows[0], "reason"]


def test_detection_probabilities_mark_obviously_synthetic_rows(sets):
    real, holdout, synthetic = sets
    odd = synthetic.iloc[:1000].copy()
    # 30 rows (3%) no real row resembles: a classifier refitted with other seeds agrees on them.
    sure = np.arange(0, 1000, 34)[:30]
    odd.loc[sure, NUMBERS] = real[NUMBERS].max().to_numpy() * 0.999
    odd.loc[sure, ["diagnosis", "grade", "visits"]] = ["benign", "A", 1.0]
    enc = encode(real.iloc[:1000], odd, SCHEMA)
    proba = np.full(1000, 0.5)
    proba[sure] = 0.95
    proba[33] = 1.0  # an ordinary row one run was sure about: the refits do not agree
    proba[40] = np.nan  # not scored by detection
    res = flag_rows(enc, Options(), detection_proba=proba)
    assert set(_rows_with(res, "obviously_synthetic")) == set(sure.tolist())
    assert "flagged in 3 of 3 seeded runs" in res.details.set_index("row").loc[34, "reason"]
    wrong = flag_rows(enc, Options(), detection_proba=np.ones(5))
    assert "obviously_synthetic" not in {k for ks in wrong.details["kinds"] for k in ks}
    assert any("Detection probabilities ignored" in n for n in info(wrong).notes)


def test_suite_path_with_cached_privacy_equals_standalone(sets):
    real, _, synthetic = sets
    enc = encode(real.iloc[:400], synthetic.iloc[:400], SCHEMA)
    cached = flag_rows(enc, Options(), privacy=compute_privacy(enc, Options()))
    alone = catalogue.entry("row_flags").fn(enc, Options(), lambda f, m: None)
    pd.testing.assert_frame_equal(cached.details, alone.details)
    assert (catalogue.entry("row_flags").family, catalogue.entry("row_flags").result) == (
        "rows",
        "rows",
    )


def test_json_rows_and_findings_shape(sets):
    real, _, synthetic = sets
    bad = _plant_invalid(synthetic.iloc[:300], np.arange(0, 300, 30))
    res = flag_rows(encode(real.iloc[:600], bad, SCHEMA), Options())
    out = flags_json(res)
    assert out and set(out[0]) == {
        "row",
        "kinds",
        "score",
        "reason",
        "stability",
        "runs",
        "columns",
    }
    assert all(0 < r["stability"] <= 1 and r["runs"] >= 0 for r in out)
    assert all(0 <= r["score"] <= 1 and set(r["kinds"]) <= set(KINDS) for r in out)
    assert [r["score"] for r in out] == sorted((r["score"] for r in out), reverse=True)
    assert len({r["row"] for r in out}) == len(out)  # one entry per flagged row
    assert len({f.kind for f in res.findings}) == len(res.findings)  # one finding per reason
    assert set(info(res).share_by_kind) == set(KINDS)


def test_empty_synthetic_gives_an_error():
    res = flag_rows(encode(draw(30, 1), draw(30, 2).iloc[:0], SCHEMA), Options())
    assert res.error and np.isnan(res.score)


def test_typed_info_and_its_default(sets):
    real, _, synthetic = sets
    res = flag_rows(encode(real.iloc[:200], synthetic.iloc[:200], SCHEMA), Options())
    assert isinstance(res.extra, FlagsInfo) and info(res) is res.extra
    assert info(res).n_flagged == len(res.details) and info(res).anomaly_threshold is not None
    empty = flag_rows(encode(real.iloc[:50], synthetic.iloc[:0], SCHEMA), Options())
    crashed = MetricResult("row_flags", "rows", float("nan"), error="boom")  # extra = {}
    for got in (info(None), info(crashed), info(empty)):
        assert got == FlagsInfo() and got.count_by_kind == {} and got.anomaly_threshold is None
