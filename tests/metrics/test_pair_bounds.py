"""Pair trends' intervals, noise floors, the no-relation rule and the order of the worst pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.synth_table import schema_of
from metrics import pair_bounds
from metrics.encode import encode
from metrics.findings import merge_findings
from metrics.options import Options
from metrics.pair_findings import flagged, worst_first
from metrics.pair_stats import contingency_similarity
from metrics.pairs import pair_trends, pair_trends_table
from metrics.results import Finding, no_progress
from metrics.schema import Kind

N, C = Kind.NUMERICAL, Kind.CATEGORICAL
COMPAT = Options(sdmetrics_compatible=True)


def _process(rng: np.random.Generator, n: int, rho: float = 0.6) -> pd.DataFrame:
    """Two correlated numbers, a category that follows x, and an unrelated category."""
    x = rng.standard_normal(n)
    y = rho * x + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    g = np.where(x + rng.standard_normal(n) > 0, "hi", "lo")
    c = rng.choice(["a", "b", "c"], n)
    return pd.DataFrame({"x": x, "y": y, "g": g, "c": c})


KINDS = {"x": N, "y": N, "g": C, "c": C}


def _by_pair(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index(["column_a", "column_b"])


def test_identical_data_scores_one_with_an_interval_holding_one_and_no_finding():
    real = _process(np.random.default_rng(0), 1500)
    res = pair_trends(encode(real, real.copy(), schema_of(KINDS)), Options(), no_progress)
    d = res.details
    assert (d["score"] == 1.0).all()
    bounded = d["low"].notna()
    assert bounded.sum() == 3  # x~y, x~g, y~g hold relations; c is unrelated to all
    assert ((d.loc[bounded, "low"] <= 1.0) & (d.loc[bounded, "high"] == 1.0)).all()
    assert (d.loc[bounded, "beyond"] <= 0).all() and (d.loc[bounded, "floor"] < 1.0).all()
    assert res.score == 1.0 and res.interval is not None and res.interval[1] == 1.0
    assert res.floor is not None and res.floor < 1.0
    assert res.findings == []


def test_pairs_with_no_relation_on_either_side_score_one_and_do_not_count():
    rng = np.random.default_rng(1)
    real, syn = _process(rng, 400), _process(rng, 400)
    ours = _by_pair(pair_trends_table(encode(real, syn, schema_of(KINDS)), Options()))
    for pair in [("x", "c"), ("y", "c"), ("g", "c")]:
        row = ours.loc[pair]
        assert row["relation"] == "none" and row["score"] == 1.0 and row["weight"] == 0.0
        assert np.isnan(row["low"]) and np.isnan(row["floor"])
    # sdmetrics' definitions keep the computed similarity (binning noise: below 1).
    compat = _by_pair(pair_trends_table(encode(real, syn, schema_of(KINDS)), COMPAT))
    assert compat.loc[("x", "c"), "score"] < 0.95 and compat.loc[("x", "c"), "relation"] == "none"
    assert np.isfinite(compat.loc[("x", "c"), "high"])


def test_a_lost_correlation_is_a_high_severity_finding_beyond_the_floor():
    rng = np.random.default_rng(2)
    real = _process(rng, 3000, rho=0.9)
    syn = _process(rng, 3000, rho=0.9).assign(y=lambda f: rng.permutation(f["y"].to_numpy()))
    res = pair_trends(encode(real, syn, schema_of(KINDS)), Options(), no_progress)
    # y lost its relations with x and with g (which follows x): one finding about y.
    lost = [f for f in res.findings if {"x", "y"} <= set(f.columns)]
    assert len(lost) == 1 and lost[0].columns[0] == "y" and lost[0].severity == "high"
    assert lost[0].beyond is not None and lost[0].beyond >= 0.2
    assert "worst: x, correlation 0.90 real vs" in lost[0].message
    row = res.details.iloc[0]  # worst first
    assert (row["column_a"], row["column_b"]) == ("x", "y") and row["beyond"] > 0.2
    assert row["relation"] == "weaker"


def _equal_and_lost(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """a~b: the same association on both sides, b's levels relabelled in the synthetic data
    (its shares move, so the pair scores lower, while its association stays); c~d: a strong
    association weakened (about 0.75 real, 0.35 synthetic)."""
    rng = np.random.default_rng(seed)

    def side(synthetic: bool) -> pd.DataFrame:
        a = rng.integers(0, 3, n)
        b = np.where(rng.random(n) < 0.25, a, rng.choice(3, n, p=[0.5, 0.3, 0.2]))
        if synthetic:
            b = (b + 1) % 3
        c = rng.integers(0, 3, n)
        d = np.where(rng.random(n) < (0.35 if synthetic else 0.75), c, rng.integers(0, 3, n))
        return pd.DataFrame({k: v.astype(str) for k, v in dict(a=a, b=b, c=c, d=d).items()})

    return side(False), side(True)


def test_equal_associations_rank_after_a_lost_relation_and_are_not_flagged():
    real, syn = _equal_and_lost(5000, seed=3)
    kinds = dict.fromkeys("abcd", C)
    res = pair_trends(encode(real, syn, schema_of(kinds)), Options(), no_progress)
    d = _by_pair(res.details)
    equal, lost = d.loc[("a", "b")], d.loc[("c", "d")]
    assert abs(equal["real"] - equal["synthetic"]) < 0.03 and equal["relation"] == "kept"
    assert lost["real"] - lost["synthetic"] > 0.3 and lost["relation"] == "weaker"
    # The equal pair scores lower and further below its floor (b's shares moved), yet it
    # ranks after the lost relation and raises no finding: column shapes report b.
    assert equal["score"] < lost["score"] and equal["beyond"] > lost["beyond"] > 0
    order = list(zip(res.details["column_a"], res.details["column_b"], strict=True))
    assert order.index(("c", "d")) < order.index(("a", "b"))
    assert [set(f.columns) for f in res.findings] == [{"c", "d"}]
    assert res.findings[0].severity == "high"


def test_the_demo_ranks_its_lost_relation_before_its_equal_associations():
    from tests.demo_pair import encoded

    res = pair_trends(encoded(), Options(), no_progress)
    d = res.details
    pairs = list(zip(d["column_a"], d["column_b"], strict=True))
    lost, equal = (
        pairs.index(("high_spec", "degree_type")),
        pairs.index(("degree_perc", "mba_spec")),
    )
    assert (d.loc[lost, "real"], d.loc[lost, "synthetic"]) == pytest.approx((0.70, 0.29), abs=0.01)
    assert d.loc[equal, "real"] == pytest.approx(d.loc[equal, "synthetic"], abs=0.01)
    assert lost < equal and not flagged(d).loc[equal] and flagged(d).loc[lost]
    assert not [f for f in res.findings if set(f.columns) == {"degree_perc", "mba_spec"}]
    # No pair without a relation scores like a defect any more (they showed about 0.75).
    assert (d.loc[d["relation"] == "none", "score"] == 1.0).all()
    # The table, the findings and worst_first agree.
    pd.testing.assert_frame_equal(worst_first(d), d)
    finding_pairs = [tuple(f.columns) for f in res.findings if len(f.columns) == 2]
    assert (
        finding_pairs
        == [p for p, hit in zip(pairs, flagged(d), strict=True) if hit][: len(finding_pairs)]
    )


def test_a_lost_target_relation_is_a_pair_finding_that_a_utility_finding_does_not_hide():
    rng = np.random.default_rng(4)
    n = 3000

    def side(rho: float) -> pd.DataFrame:
        x, other = rng.standard_normal(n), rng.standard_normal(n)
        target = rho * x + 0.1 * other + np.sqrt(1 - rho**2 - 0.01) * rng.standard_normal(n)
        return pd.DataFrame({"x": x, "other": other, "target": target})

    real, syn = side(0.30), side(0.01)
    kinds = {"x": N, "other": N, "target": N}
    res = pair_trends(encode(real, syn, schema_of(kinds)), Options(), no_progress)
    row = _by_pair(res.details).loc[("x", "target")]
    assert row["real"] == pytest.approx(0.30, abs=0.03)
    assert row["synthetic"] == pytest.approx(0.01, abs=0.03)
    found = [f for f in res.findings if set(f.columns) == {"x", "target"}]
    assert len(found) == 1 and found[0].beyond is not None and found[0].beyond > 0
    assert "x & target: their correlation is weaker" in found[0].message
    utility = Finding("utility", "high", ("target",), "Utility on target is poor.", "utility")
    assert found[0] in merge_findings([utility, *res.findings])


def test_a_broken_column_of_a_wide_table_is_one_short_finding_listing_every_partner():
    rng = np.random.default_rng(5)
    n, width = 2000, 25

    def side() -> pd.DataFrame:
        latent = rng.standard_normal(n)
        cols = {f"c{i:02d}": latent + rng.standard_normal(n) for i in range(width)}
        return pd.DataFrame(cols)

    real, syn = side(), side()
    syn["c07"] = rng.permutation(syn["c07"].to_numpy())
    kinds = dict.fromkeys(real.columns, N)
    res = pair_trends(encode(real, syn, schema_of(kinds)), Options(), no_progress)
    about = [f for f in res.findings if "c07" in f.columns]
    assert len(about) == 1
    top = about[0]
    assert top.columns[0] == "c07" and len(top.columns) == width
    named = [c for c in top.columns if c in top.message]
    assert "and 22 other columns" in top.message and len(named) <= 3
    assert len(top.message) < 200


def test_intervals_are_deterministic_for_a_seed_and_move_with_it():
    rng = np.random.default_rng(6)
    real, syn = _process(rng, 500), _process(rng, 700)
    enc = encode(real, syn, schema_of(KINDS))
    one, two = (pair_trends(enc, Options(seed=11), no_progress) for _ in range(2))
    pd.testing.assert_frame_equal(one.details, two.details, check_exact=True)
    assert one.findings == two.findings and one.interval == two.interval
    other = pair_trends_table(enc, Options(seed=12))
    same = _by_pair(one.details).loc[_by_pair(other).index]
    assert np.array_equal(same["score"], _by_pair(other)["score"])
    assert not np.allclose(same["low"], _by_pair(other)["low"], equal_nan=True)


@pytest.mark.parametrize("compat", [False, True])
def test_across_independent_real_samples_the_interval_holds_the_floor_most_of_the_time(compat):
    # In compatible mode the mixed pairs' own-range bins cost even a real sample about 0.1;
    # their floor must carry that, or every perfect generator would look broken.
    held, total, metric_held = 0, 0, 0
    draws = 100
    for seed in range(draws):
        rng = np.random.default_rng(1000 + seed)
        real, syn = _process(rng, 300), _process(rng, 400)
        options = Options(seed=seed, sdmetrics_compatible=compat)
        res = pair_trends(encode(real, syn, schema_of(KINDS)), options, no_progress)
        d = res.details.dropna(subset=["low", "high", "floor"])
        held += int(((d["low"] <= d["floor"]) & (d["floor"] <= d["high"])).sum())
        total += len(d)
        assert res.interval is not None and res.floor is not None
        metric_held += res.interval[0] <= res.floor <= res.interval[1]
    assert total >= 2.5 * draws  # the three related pairs nearly always count
    assert 0.85 <= held / total <= 0.99
    assert metric_held / draws >= 0.85


def test_the_floor_of_a_sparse_table_does_not_promise_more_than_real_samples_score():
    # 144 equally likely cells, 161 real rows against 600: most cells are thin. Draws from
    # the observed shares alone put the floor near 0.67, far above what real samples score.
    rng = np.random.default_rng(7)
    p = np.full(144, 1 / 144)
    scores, floors = [], []
    for _ in range(40):
        real, syn = rng.multinomial(161, p), rng.multinomial(600, p)
        scores.append(contingency_similarity(real, syn))
        floors.append(1 - pair_bounds.null_distance(real, 600))
    assert np.mean(floors) <= np.mean(scores) + 0.01
    assert np.mean(floors) >= np.mean(scores) - 0.1


def test_large_tables_get_the_resampled_interval_from_their_cells(monkeypatch):
    rng = np.random.default_rng(8)
    p = 1 / np.arange(1, 121) ** 0.8
    p /= p.sum()
    real, syn = rng.multinomial(4000, p), rng.multinomial(4000, np.roll(p, 3))
    score = contingency_similarity(real, syn)
    resampled = pair_bounds.contingency_bounds(real, syn, score, Options(), ("a", "b"))
    monkeypatch.setattr(pair_bounds, "DRAW_BUDGET", 0)
    cells = pair_bounds.contingency_bounds(real, syn, score, Options(), ("a", "b"))
    assert cells[2] == resampled[2]  # the floor does not resample
    assert cells[:2] == pytest.approx(resampled[:2], abs=0.005)
    assert cells[0] < score < cells[1]
