"""Privacy's intervals (Wilson, Newcombe, order statistics), its floor and its findings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_privacy import SCHEMA, draw, plant_copies  # same planted-data builder

from metrics.encode import encode
from metrics.options import Options
from metrics.privacy import COPY_WEIGHT, compute_privacy, info, privacy_json
from metrics.privacy_intervals import Counts, bounds, floors, median_interval, newcombe
from metrics.privacy_rows import effective_rows
from metrics.schema import ColumnSpec, Kind, Schema
from metrics.uncertainty import rng, severity_beyond, wilson

MIXED = Schema(
    [
        ColumnSpec("a", Kind.NUMERICAL),
        ColumnSpec("b", Kind.NUMERICAL),
        ColumnSpec("c", Kind.CATEGORICAL),
        ColumnSpec("d", Kind.NUMERICAL),
    ]
)


def mixed(n: int, seed: int) -> pd.DataFrame:
    """A plain mixed table: correlated numbers, a category, a skewed whole number."""
    g = np.random.default_rng(seed)
    a = g.normal(size=n)
    return pd.DataFrame(
        {"a": a, "b": a + g.normal(size=n), "c": g.choice(list("wxyz"), n), "d": g.poisson(3, n)}
    )


def test_wilson_and_newcombe_at_known_values() -> None:
    assert wilson(0, 100, 0.95)[1] == pytest.approx(0.0370, abs=5e-4)
    assert wilson(50, 100, 0.95) == pytest.approx((0.4038, 0.5962), abs=5e-4)
    # Newcombe (1998), method 10, example (a): 56/70 - 48/80 = 0.2, interval 0.0524 to 0.3339.
    got = newcombe(56 / 70, wilson(56, 70, 0.95), 48 / 80, wilson(48, 80, 0.95))
    assert got == pytest.approx((0.0524, 0.3339), abs=5e-4)


def test_no_copy_of_a_hundred_rows_has_an_upper_bound_near_four_percent() -> None:
    c = Counts(0, 100, 0, 100, 50.0, 100.0, 0.5)
    b = bounds(c, COPY_WEIGHT, 0.95)
    assert b.exact_copy_rate == pytest.approx((0.0, 0.0370), abs=5e-4)
    assert b.exact_copy_rate[0] == 0.0  # exactly 0, not 1e-19
    # The excess can be as large as the copy rate's upper bound minus nothing: exact copies alone
    # leave a copy part down to 1 - 10 x (Newcombe's upper bound), high end 1.
    assert b.copy_excess[0] == 0.0 and 0.5 < 1 - 10 * b.copy_excess[1] < 0.7
    # No near copy either: the same bound again, summed in quadrature (MOVER).
    assert b.near_copy_excess == b.copy_excess
    assert b.copy_score[1] == 1.0
    assert b.copy_score[0] == pytest.approx(1 - 10 * np.sqrt(2) * b.copy_excess[1])
    assert b.score == (min(b.dcr_score[0], b.copy_score[0]), min(b.dcr_score[1], b.copy_score[1]))


def test_score_interval_propagates_monotone_formulas() -> None:
    c = Counts(30, 1000, 5, 1000, 600.0, 1000.0, 0.5)
    b = bounds(c, COPY_WEIGHT, 0.95)
    assert b.dcr_score == pytest.approx(
        (2 * (1 - b.dcr_share[1]), min(1.0, 2 * (1 - b.dcr_share[0])))
    )
    # No near copy (0 of 1,000 on both sides): the copy part's high end is the exact copies'
    # alone, its low end widened by the near copies' own upper bound (MOVER).
    e, (low, high), near_high = 0.025, b.copy_excess, b.near_copy_excess[1]
    assert b.copy_score[1] == pytest.approx(1 - 10 * low)
    assert b.copy_score[0] == pytest.approx(1 - 10 * (e + np.hypot(high - e, near_high)))
    assert b.score[0] <= min(0.8, 1 - 10 * 0.025) <= b.score[1]  # the point score inside


def test_median_interval_covers_the_median() -> None:
    hits = 0
    for k in range(200):
        values = np.random.default_rng(k).normal(size=101)
        low, high = median_interval(values, 0.95)
        hits += low <= 0.0 <= high
    assert 0.92 <= hits / 200 <= 0.99
    assert median_interval(np.array([np.nan]), 0.95) is None


def test_effective_rows_counts_a_shared_nearest_record_once() -> None:
    assert effective_rows(np.arange(10)) == 10
    assert effective_rows(np.zeros(10)) == 1
    assert effective_rows(np.r_[np.zeros(5), np.arange(1, 6)]) == pytest.approx(100 / 30)
    assert effective_rows(np.zeros(10), np.ones(10, dtype=bool)) == 10  # ties: no cluster


def test_same_distribution_has_no_finding_and_a_floor_near_one() -> None:
    res = compute_privacy(encode(mixed(1000, 1), mixed(1000, 2), MIXED, mixed(1000, 3)), Options())
    found = info(res)
    assert res.findings == []
    assert 0.97 <= res.floor <= 1.0 and res.floor == found.floor
    assert res.interval[0] <= res.score <= res.interval[1] and res.interval[1] >= res.floor
    assert found.dcr_share_interval[0] <= 0.5 <= found.dcr_share_interval[1]
    assert "uploaded holdout" in found.holdout_note and found.floor_note in found.message


def test_dcr_interval_holds_the_expected_share_for_independent_samples() -> None:
    hits = 0
    for k in range(40):
        enc = encode(mixed(400, 3 * k + 10), mixed(400, 3 * k + 11), MIXED, mixed(400, 3 * k + 12))
        low, high = info(compute_privacy(enc, Options(seed=k))).dcr_share_interval
        hits += low <= 0.5 <= high
    assert hits >= 35  # 95% intervals: at most 5 of 40 misses (a binomial tail of 5%)


def test_planted_copies_are_still_found_even_when_few(sets) -> None:
    real, holdout, synthetic = sets
    copied, rows, _ = plant_copies(synthetic, real, 0.005)  # 10 rows of 2,000
    res = compute_privacy(encode(real, copied, SCHEMA, holdout), Options())
    kinds = {f.kind: f for f in res.findings}
    copies = kinds["exact_copies"]
    assert copies.severity == "medium" and set(copies.rows) == set(rows.tolist())
    assert info(res).exact_copy_rate_interval[0] > 0
    assert copies.beyond == pytest.approx(info(res).copy_floor - info(res).copy_score_interval[1])
    assert "dcr_closer_to_training" not in kinds  # 10 copies do not move the share


def test_memorised_near_copies_are_a_finding_beyond_the_floor() -> None:
    real, holdout, synthetic = mixed(1000, 4), mixed(1000, 5), mixed(1000, 6)
    near = real.iloc[:400].copy()
    near["a"] += 0.01  # close to a training record, not equal to it
    res = compute_privacy(encode(real, pd.concat([near, synthetic.iloc[400:]]), MIXED, holdout))
    kinds = {f.kind: f for f in res.findings}
    assert set(kinds) == {"dcr_closer_to_training", "near_copies"}
    finding = kinds["dcr_closer_to_training"]
    assert info(res).exact_copies == 0 and info(res).near_copies == 400
    assert kinds["near_copies"].columns == ("a",)  # a real row with one cell moved by 0.01
    assert finding.beyond == pytest.approx(info(res).dcr_floor - info(res).dcr_score_interval[1])
    assert finding.beyond > 0 and finding.severity == severity_beyond(finding.beyond)


def test_copies_at_the_natural_rate_are_not_a_finding() -> None:
    g = np.random.default_rng(0)
    schema = Schema([ColumnSpec("a", Kind.CATEGORICAL), ColumnSpec("b", Kind.BOOLEAN)])

    def frame(n):
        return pd.DataFrame({"a": g.choice(list("xyz"), n), "b": g.choice([True, False], n)})

    res = compute_privacy(encode(frame(300), frame(300), schema, frame(300)), Options())
    assert info(res).exact_copy_rate == info(res).holdout_copy_rate == 1.0
    assert res.findings == [] and info(res).copy_floor == 1.0 and res.floor > 0.95


def test_floor_draws_follow_the_reference() -> None:
    c = Counts(0, 2000, 0, 2000, 1000.0, 2000.0, 0.5)
    f = floors(c, COPY_WEIGHT, rng(0, "privacy", "floor"), 200)
    assert f.copy_score == 1.0  # no natural copies: an independent sample has none
    assert 0.98 < f.dcr_score < 1.0 and f.score == f.dcr_score
    big = floors(Counts(0, 2000, 0, 2000, 1e4, 2e4, 0.5), COPY_WEIGHT, rng(0, "p"), 200)
    assert big.score > f.score  # more rows, less noise, a floor closer to 1
    alone = floors(Counts(3, 10, 0, 0, 0.0, 0.0, float("nan")), COPY_WEIGHT, rng(0, "p"), 200)
    assert (alone.score, alone.copy_score) == (1.0, 1.0) and np.isnan(alone.dcr_score)


def test_deterministic_for_a_seed_and_split_floor_stated(sets) -> None:
    real, _, synthetic = sets
    enc = encode(real.iloc[:600], synthetic.iloc[:600], SCHEMA)
    a, b = compute_privacy(enc, Options(seed=4)), compute_privacy(enc, Options(seed=4))
    assert privacy_json(a) == privacy_json(b)
    assert "No holdout was uploaded" in info(a).message and a.floor > 0.95


def test_json_keeps_its_keys_and_adds_intervals(sets) -> None:
    real, holdout, synthetic = sets
    res = compute_privacy(encode(real.iloc[:300], synthetic.iloc[:300], SCHEMA, holdout))
    out = privacy_json(res)
    old = "exact_copies exact_copy_rate holdout_copy_rate dcr_share dcr_expected dcr_score "
    old += "copy_score nndr_median holdout_nndr_median near_copy_threshold n_searched score error"
    assert set(old.split()) <= set(out)
    assert out["interval"] == list(res.interval) and out["floor"] == res.floor
    for key in ("exact_copy_rate", "holdout_copy_rate", "dcr_share", "dcr_score", "copy_score"):
        low, high = out[f"{key}_interval"]
        assert low <= out[key] <= high
    assert out["nndr_median_interval"][0] <= out["nndr_median"] <= out["nndr_median_interval"][1]


def test_tiny_real_data_has_a_copy_interval_only() -> None:
    real = draw(5, 1)
    res = compute_privacy(encode(real, real, SCHEMA), Options())
    found = info(res)
    assert found.dcr_share_interval is None
    # No holdout: the natural rate is each real row's against the four others (none equal).
    assert found.n_baseline == 5 and found.holdout_copy_rate == 0.0
    assert found.holdout_copy_rate_interval == pytest.approx((0.0, wilson(0, 5, 0.95)[1]))
    assert res.interval == found.copy_score_interval == (0.0, 0.0) and res.floor == 1.0
    assert [f.kind for f in res.findings] == ["exact_copies"]


@pytest.fixture(scope="module")
def sets():
    return draw(2000, 1), draw(2000, 2), draw(2000, 3)
