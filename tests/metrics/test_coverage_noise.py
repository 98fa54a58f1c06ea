"""Intervals and noise floors of missing values, coverage and validity: known values, the
calibration a stakeholder relies on (a perfect generator rarely alarms), and planted defects
that must still be found."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.synth_table import make_pair, schema_of
from metrics.coverage import coverage, coverage_table, missing_values, validity, validity_table
from metrics.coverage_noise import category_noise, missing_noise, range_noise, range_scores
from metrics.encode import encode
from metrics.options import Options
from metrics.results import no_progress
from metrics.schema import Kind
from metrics.uncertainty import rng, severity_beyond

C, N = Kind.CATEGORICAL, Kind.NUMERICAL


def _categories(counts: dict[str, int], seed: int = 0) -> pd.DataFrame:
    labels = np.repeat(list(counts), list(counts.values()))
    return pd.DataFrame({"c": np.random.default_rng(seed).permutation(labels)})


def _coverage_row(real: pd.DataFrame, syn: pd.DataFrame):
    table, findings = coverage_table(encode(real, syn, schema_of({"c": C})))
    return table.iloc[0], findings


def test_a_category_seen_once_in_300_real_rows_and_missed_in_5000_does_not_alarm():
    real = _categories({"a": 150, "b": 100, "c": 49, "d": 1})
    syn = _categories({"a": 2500, "b": 1670, "c": 830}, seed=1)
    row, findings = _coverage_row(real, syn)
    assert row["score"] == 0.75 and findings == []
    # A split leaves such a category on the real side alone 300 / 5300 = 5.7% of the time.
    assert row["beyond"] <= 0 and row["high"] >= row["floor"]


def test_a_category_of_one_in_ten_thousand_real_rows_missed_does_not_alarm():
    counts = {f"k{i:03d}": 66 for i in range(299)} | {"rare": 2}  # 2 of 19,736 real rows
    real = _categories(counts)
    syn = _categories({k: 17 for k in list(counts)[:299]}, seed=1)  # 5,083 rows, no "rare"
    row, findings = _coverage_row(real, syn)
    assert row["covered_categories"] == 299 and row["real_categories"] == 300
    assert findings == [] and row["beyond"] <= 0


@pytest.mark.parametrize("n_syn", [300, 5000])
def test_a_category_holding_a_fifth_of_the_real_rows_missing_alarms(n_syn):
    real = _categories({"a": 120, "b": 120, "c": 60})
    syn = _categories({"a": n_syn // 2, "b": n_syn - n_syn // 2}, seed=1)
    row, findings = _coverage_row(real, syn)
    (finding,) = findings
    assert finding.kind == "missing_category" and finding.beyond == row["beyond"] > 0.3
    assert finding.severity == severity_beyond(finding.beyond) == "high"
    assert finding.message == (
        "c: the real category 'c' never appears in the synthetic data (20% of real rows). "
        "Category coverage 0.67; an independent real sample scores about 1.00."
    )


def _calibration(draw_pair, noise, n_draws: int = 200) -> tuple[float, float]:
    """Share of intervals holding their floor, and of columns that would get a finding,
    across independent samples of one process (a perfect generator)."""
    inside = beyond = 0
    for i in range(n_draws):
        gen = np.random.default_rng(1000 + i)
        real, syn = draw_pair(gen)
        (low, high), floor = noise(rng(i, "test"), real, syn)
        inside += low <= floor <= high
        beyond += floor > high
    return inside / n_draws, beyond / n_draws


def _zipf_counts(gen, n):
    p = 1 / np.arange(1, 41) ** 1.1
    return gen.multinomial(n, p / p.sum())


def _category_noise(gen, real, syn):
    score = float((syn[real > 0] > 0).mean())
    return category_noise(gen, real, syn, score, 200, 0.95)


def _range_noise(gen, real, syn):
    score = float(range_scores(real.min(), real.max(), syn.min(), syn.max(), 0.0))
    return range_noise(gen, real, syn, score, 200, 0.95)


def _missing_noise(gen, real, syn):
    return missing_noise(gen, (int(real), 161), (int(syn), 161), 200, 0.95)


@pytest.mark.parametrize(
    ("draw_pair", "noise", "most"),
    [
        (lambda g: (_zipf_counts(g, 161), _zipf_counts(g, 161)), _category_noise, 0.99),
        (lambda g: (_zipf_counts(g, 161), _zipf_counts(g, 1000)), _category_noise, 0.99),
        (lambda g: (g.lognormal(0, 1, 161), g.lognormal(0, 1, 161)), _range_noise, 0.99),
        (lambda g: (g.normal(size=500), g.normal(size=161)), _range_noise, 0.99),
        # Newcombe's interval of a difference is known to be a little conservative, and an
        # interval of |difference| reaches 1 whenever it holds 0: more than 99% is expected.
        (lambda g: (g.binomial(161, 0.2), g.binomial(161, 0.2)), _missing_noise, 1.0),
    ],
    ids=["categories", "categories-unequal", "range", "range-unequal", "missing"],
)
def test_a_perfect_generator_holds_the_floor_and_rarely_alarms(draw_pair, noise, most):
    inside, alarms = _calibration(draw_pair, noise)
    assert 0.90 <= inside <= most
    assert alarms <= 0.05


def test_newcombe_intervals_match_the_published_examples():
    # Newcombe (1998), Statistics in Medicine 17, table II, method 10.
    (low, high), _ = missing_noise(rng(0), (56, 70), (48, 80), 200, 0.95)
    assert (1 - high, 1 - low) == pytest.approx((0.0524, 0.3339), abs=1e-4)
    (low, high), _ = missing_noise(rng(0), (9, 10), (3, 10), 200, 0.95)
    assert (1 - high, 1 - low) == pytest.approx((0.1705, 0.8090), abs=1e-4)


def test_missing_values_floor_and_finding():
    (low, high), floor = missing_noise(rng(0), (0, 400), (0, 400), 200, 0.95)
    assert high == 1.0 and floor == 1.0 and low < 1.0  # never missing: a real sample is exact
    (_, high), floor = missing_noise(rng(0), (80, 400), (80, 400), 200, 0.95)
    assert high == 1.0 and 0.95 < floor < 0.99  # a 20% share moves by chance between samples
    real, syn, schema = make_pair(300, seed=3, imperfect=False)
    syn.loc[syn.index[:45], "gender"] = None  # 15% missing against about 1%
    table, findings = missing_values_table_for(real, syn, schema)
    assert [f.columns for f in findings] == [("gender",)]
    assert findings[0].beyond == table.loc["gender", "beyond"] > 0.08


def missing_values_table_for(real, syn, schema):
    res = missing_values(encode(real, syn, schema), Options(), no_progress)
    return res.details.set_index("column"), res.findings


def test_validity_floor_is_what_a_new_real_sample_would_show():
    real = pd.DataFrame({"x": np.linspace(0.0, 1.0, 999), "n": np.repeat([0.0, 1.0, 2.0], 333)})
    table = validity_table(encode(real, real.copy(), schema_of({"x": N, "n": N})))[0]
    got = table.set_index("column")
    # Continuous: each extreme is held once, so a new value lies beyond it 1 time in 1,000.
    assert got.loc["x", "floor"] == pytest.approx(1 - 2 / 1000)
    # Repeated extremes (a bounded column): a new value does not go beyond them.
    assert got.loc["n", "floor"] == 1.0
    assert (got["score"] == 1.0).all() and (got["high"] == 1.0).all() and (got["beyond"] <= 0).all()


def test_results_carry_intervals_floors_and_the_details_columns():
    real, syn, schema = make_pair(500, seed=5, imperfect=True)
    enc = encode(real, syn, schema)
    for metric in (missing_values, coverage, validity):
        res = metric(enc, Options(), no_progress)
        details = res.details
        scored = details[details["score"].notna()]
        assert {"low", "high", "floor", "beyond"} <= set(details.columns)
        assert (scored["low"] <= scored["score"] + 1e-12).all()
        assert (scored["score"] <= scored["high"] + 1e-12).all()
        assert np.allclose(scored["beyond"], scored["floor"] - scored["high"])
        assert res.interval == pytest.approx((scored["low"].mean(), scored["high"].mean()))
        assert res.floor == pytest.approx(scored["floor"].mean())
        for finding in res.findings:
            assert finding.beyond is not None and finding.beyond > 0


def test_same_seed_same_numbers_whatever_the_column_order():
    real, syn, schema = make_pair(400, seed=6, imperfect=True)
    enc = encode(real, syn, schema)
    first = coverage_table(enc, Options(seed=7))[0].set_index("column")
    pd.testing.assert_frame_equal(
        first, coverage_table(enc, Options(seed=7))[0].set_index("column")
    )
    cols = list(reversed(real.columns))
    flipped = encode(real[cols], syn[cols], schema_of({c: schema.kind_of(c) for c in cols}))
    again = coverage_table(flipped, Options(seed=7))[0].set_index("column").loc[first.index]
    pd.testing.assert_frame_equal(first, again)
    other = coverage_table(enc, Options(seed=8))[0].set_index("column")
    assert not first["floor"].equals(other["floor"])  # the seed is used
