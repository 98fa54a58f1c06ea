"""Column-shape intervals and noise floors: coverage under a perfect generator, detection of a
real shift, the counts they are made from, the long-tail floor, determinism, the metric's bounds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.synth_table import schema_of
from metrics.encode import encode
from metrics.marginal import column_shapes, column_shapes_table
from metrics.marginal_noise import (
    grid_counts,
    ks_distances,
    population_shares,
    real_grid,
    tv_distances,
    unseen,
)
from metrics.marginal_stats import ks_statistic, sorted_values
from metrics.options import Options
from metrics.results import no_progress
from metrics.schema import Kind
from metrics.uncertainty import mean_bounds

SCHEMA = schema_of({"x": Kind.NUMERICAL, "c": Kind.CATEGORICAL})
SHARES = [0.4, 0.3, 0.15, 0.1, 0.05]


def _side(rng: np.random.Generator, n: int, shift: float = 0.0) -> pd.DataFrame:
    shares = np.array(SHARES) + [-shift, 0, 0, shift, 0]
    return pd.DataFrame(
        {
            "x": rng.standard_normal(n) + 2 * shift,
            "c": np.array(list("abcde"), dtype=object)[rng.choice(5, n, p=shares)],
        }
    )


def _tables(shift: float, draws: int = 200) -> list[pd.DataFrame]:
    """Details of ``draws`` seeded tables, 300 real rows against 300 synthetic rows drawn from
    the same distribution (``shift`` 0) or a shifted one."""
    out = []
    for seed in range(draws):
        rng = np.random.default_rng(seed)
        real, syn = _side(rng, 300), _side(rng, 300, shift)
        table, findings = column_shapes_table(encode(real, syn, SCHEMA), options=Options(seed=seed))
        table["found"] = table["column"].isin([f.columns[0] for f in findings])
        out.append(table.set_index("column"))
    return out


def test_intervals_hold_the_floor_90_to_99_percent_of_the_time_under_a_perfect_generator():
    tables = _tables(0.0)
    for col in ("x", "c"):
        rows = pd.DataFrame([t.loc[col] for t in tables])
        held = ((rows["low"] <= rows["floor"]) & (rows["floor"] <= rows["high"])).mean()
        assert 0.90 <= held <= 0.99, (col, held)
        # A finding is an interval wholly below the floor: noise alone rarely makes one.
        assert rows["found"].mean() <= 0.025, col
        assert ((rows["beyond"] > 0) == rows["found"]).all()


def test_a_real_shift_puts_the_interval_below_the_floor_and_raises_a_finding():
    # Half a standard deviation on the number; 'a' 40% -> 20% and 'd' 10% -> 30%.
    tables = _tables(0.2, draws=20)
    for col in ("x", "c"):
        rows = pd.DataFrame([t.loc[col] for t in tables])
        assert (rows["high"] < rows["floor"]).mean() >= 0.9, col
        assert rows["found"].mean() >= 0.9, col


def test_a_finding_carries_its_distance_beyond_the_floor_and_a_severity_from_it():
    rng = np.random.default_rng(0)
    real, syn = _side(rng, 2000), _side(rng, 2000, 0.2)
    table, findings = column_shapes_table(encode(real, syn, SCHEMA))
    table = table.set_index("column")
    for f in findings:
        row = table.loc[f.columns[0]]
        assert f.beyond == pytest.approx(row["floor"] - row["high"])
        assert f.severity == (
            "high" if f.beyond >= 0.2 else "medium" if f.beyond >= 0.08 else "low"
        )
    assert {f.columns[0] for f in findings} == {"x", "c"}


def test_grid_counts_give_the_exact_ks_distance_when_the_grid_holds_every_real_value():
    rng = np.random.default_rng(1)
    rs = sorted_values(rng.integers(0, 40, 300).astype(float))
    ss = sorted_values(rng.integers(0, 45, 250).astype(float))  # some above the real maximum
    grid = real_grid(rs)
    assert len(grid) == len(np.unique(rs))
    cr, cs = grid_counts(rs, grid), grid_counts(ss, grid)
    assert cr.sum() == 300 and cs.sum() == 250 and cr[-1] == 0 and cs[-1] == (ss > rs[-1]).sum()
    assert ks_distances(cr[None], cs[None])[0] == pytest.approx(ks_statistic(rs, ss), abs=1e-12)


def test_a_quantile_grid_is_within_one_cell_of_the_exact_ks_distance():
    rng = np.random.default_rng(2)
    rs, ss = sorted_values(rng.normal(0, 1, 50_000)), sorted_values(rng.normal(0.05, 1.2, 40_000))
    grid = real_grid(rs)
    assert len(grid) == 512 and grid[0] == rs[0] and grid[-1] == rs[-1]
    on_grid = ks_distances(grid_counts(rs, grid)[None], grid_counts(ss, grid)[None])[0]
    assert ks_statistic(rs, ss) - 1 / 500 <= on_grid <= ks_statistic(rs, ss)


def test_tv_distances_of_known_counts():
    real = np.array([[5, 5, 0], [10, 0, 0]])
    syn = np.array([[0, 5, 5], [0, 0, 10]])
    assert tv_distances(real, syn).tolist() == [0.5, 1.0]


def test_the_floor_of_a_long_tailed_category_column_is_not_above_what_a_perfect_generator_scores():
    # 2,000 Zipf-distributed codes on 3,000 rows: the samples' rare codes rarely coincide.
    rng = np.random.default_rng(3)
    p = 1 / np.arange(1, 2001) ** 1.05
    p /= p.sum()
    levels = np.array([f"k{i}" for i in range(2000)], dtype=object)
    scores, floors = [], []
    for seed in range(8):
        real = pd.DataFrame({"c": levels[rng.choice(2000, 3000, p=p)]})
        syn = pd.DataFrame({"c": levels[rng.choice(2000, 3000, p=p)]})
        enc = encode(real, syn, schema_of({"c": Kind.CATEGORICAL}))
        table, findings = column_shapes_table(enc, options=Options(seed=seed))
        scores.append(table["score"].iloc[0])
        floors.append(table["floor"].iloc[0])
        assert findings == []
    # The real frequencies alone would put the floor near 0.80, above every score here.
    assert np.mean(floors) <= np.mean(scores) + 0.005
    assert np.mean(floors) >= np.mean(scores) - 0.05


def test_unseen_mass_and_population_shares():
    counts = np.array([10, 3, 2, 1, 1, 1, 1])  # four singletons, one doubleton, 19 rows
    mass, count = unseen(counts)
    assert mass == pytest.approx(4 / 19 * (18 * 4 / (18 * 4 + 2)))
    assert count == 8  # Chao1: (18 / 19) * 4**2 / (2 * 1) = 7.6, rounded up
    shares = population_shares(counts, mass, count)
    assert shares.sum() == pytest.approx(1.0) and len(shares) == len(counts) + count
    assert unseen(np.array([5, 7, 0, 3])) == (0.0, 0)  # no singleton: nothing unseen


def test_the_metric_interval_and_floor_are_the_means_of_the_columns():
    rng = np.random.default_rng(4)
    real, syn = _side(rng, 500), _side(rng, 500, 0.1)
    res = column_shapes(encode(real, syn, SCHEMA), Options(), no_progress)
    table = res.details
    assert res.interval == mean_bounds(zip(table["low"], table["high"], strict=True))
    assert res.floor == pytest.approx(table["floor"].mean())
    assert res.interval[0] <= res.score <= res.interval[1] and 0 < res.floor <= 1


def test_intervals_are_seeded_per_column_and_repeat_exactly():
    rng = np.random.default_rng(5)
    real, syn = _side(rng, 400), _side(rng, 400)
    both, _ = column_shapes_table(encode(real, syn, SCHEMA), options=Options(seed=3))
    again, _ = column_shapes_table(encode(real, syn, SCHEMA), options=Options(seed=3))
    pd.testing.assert_frame_equal(both, again)
    alone, _ = column_shapes_table(
        encode(real[["c"]], syn[["c"]], schema_of({"c": Kind.CATEGORICAL})),
        options=Options(seed=3),
    )
    cols = ["score", "low", "high", "floor", "beyond"]
    assert both.set_index("column").loc["c", cols].tolist() == alone.loc[0, cols].tolist()
    other, _ = column_shapes_table(encode(real, syn, SCHEMA), options=Options(seed=4))
    assert other["low"].tolist() != both["low"].tolist()
    assert other["score"].tolist() == both["score"].tolist()


def test_sdmetrics_compatible_mode_keeps_its_scores_and_gains_the_same_intervals():
    rng = np.random.default_rng(6)
    real, syn = _side(rng, 400), _side(rng, 400, 0.1)
    enc = encode(real, syn, SCHEMA)
    ours = column_shapes(enc, Options(), no_progress)
    compat = column_shapes(enc, Options(sdmetrics_compatible=True), no_progress)
    pd.testing.assert_frame_equal(ours.details, compat.details)
    assert compat.interval is not None and compat.floor is not None


def test_a_column_without_values_on_one_side_has_no_interval_and_no_finding():
    real = pd.DataFrame({"x": [np.nan] * 5, "c": [None] * 5})
    syn = pd.DataFrame({"x": [1.0, 2, 3, 4, 5], "c": list("abcab")})
    res = column_shapes(encode(real, syn, SCHEMA), Options(), no_progress)
    assert res.details[["low", "high", "floor", "beyond"]].isna().all().all()
    assert res.findings == [] and res.interval is None and res.floor is None
