"""Column-shape findings describe the change that happened, with numbers that agree with the words.

Each test plants one defect seen on real generator output (issue 12) and checks the finding's
sentence: a lost spike or lost zeros are not "shifted higher", a collapse to a constant and a
pile-up on the last date are found, a share that nearly doubled is found on enough rows, and
two medians that differ never print the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bench.synth_table import schema_of
from metrics.encode import encode
from metrics.marginal import column_shapes_table
from metrics.marginal_words import fmt_pair, fmt_share_pair
from metrics.results import Finding
from metrics.schema import Kind

N, C, D = Kind.NUMERICAL, Kind.CATEGORICAL, Kind.DATETIME


def _finding(real: pd.Series, synthetic: pd.Series, kind: Kind) -> Finding:
    """The one column-shape finding of a single planted column."""
    enc = encode(real.to_frame("x"), synthetic.to_frame("x"), schema_of({"x": kind}))
    _, findings = column_shapes_table(enc)
    assert len(findings) == 1, findings
    [found] = findings
    assert found.columns == ("x",) and found.beyond is not None and found.beyond > 0
    return found


def _mixed(rng: np.random.Generator, n: int, spike: float, share: float) -> pd.Series:
    """``n`` values: a ``share`` of them exactly ``spike``, the rest lognormal."""
    k = round(share * n)
    return pd.Series(rng.permutation(np.append(np.full(k, spike), rng.lognormal(2, 1, n - k))))


def test_a_lost_spike_is_described_as_a_spike_not_a_shift():
    rng = np.random.default_rng(1)
    real, syn = _mixed(rng, 2000, 7.0, 0.375), _mixed(rng, 2000, 7.0, 0.127)
    found = _finding(real, syn, N)
    assert "the spike at 7 (37.5% of real values) fell to 12.7%" in found.message
    assert "shifted" not in found.message


def test_lost_zeros_are_described_as_zeros():
    rng = np.random.default_rng(2)
    real, syn = _mixed(rng, 5000, 0.0, 0.994), _mixed(rng, 5000, 0.0, 0.023)
    found = _finding(real, syn, N)
    assert "99.4% of real values are 0, 2.3% of synthetic" in found.message
    assert found.severity == "high" and "shifted" not in found.message


def test_new_zeros_in_the_synthetic_data_are_described_as_zeros():
    rng = np.random.default_rng(3)
    real, syn = _mixed(rng, 2000, 0.0, 0.05), _mixed(rng, 2000, 0.0, 0.40)
    assert "40.0% of synthetic values are 0, 5.0% of real" in _finding(real, syn, N).message


def test_a_collapse_to_a_constant_is_found_and_named():
    rng = np.random.default_rng(4)
    real = pd.Series(np.round(rng.normal(50, 10, 500)))
    syn = pd.Series(np.full(500, 50.0))
    found = _finding(real, syn, N)
    assert "collapsed to one value, 50 (" in found.message and found.severity == "high"


def test_a_collapse_to_one_category_is_found_and_named():
    rng = np.random.default_rng(5)
    real = pd.Series(rng.choice(["a", "b", "c"], 600, p=[0.5, 0.3, 0.2]))
    found = _finding(real, pd.Series(["b"] * 600), C)
    assert "collapsed to one category, 'b' (" in found.message and found.severity == "high"


def test_a_pile_up_on_the_last_date_is_found():
    rng = np.random.default_rng(6)
    days = pd.to_datetime("2023-01-01") + pd.to_timedelta(np.arange(200), "D")
    real = pd.Series(days[rng.integers(0, 200, 4000)])
    # A generator that clips to the real range: 13% of its rows land on the last date.
    syn = pd.Series(days[np.where(rng.random(4000) < 0.13, 199, rng.integers(0, 200, 4000))])
    found = _finding(real, syn, D)
    last_share = (real == days[199]).mean()
    assert 0.002 < last_share < 0.01  # about 0.5% of real rows are on the last date
    assert "of synthetic values pile up on the last real date, 2023-07-19" in found.message
    share = float(found.message.split("% of synthetic")[0].split(": ")[-1])
    assert abs(share - 100 * (syn == days[199]).mean()) < 0.05


def test_a_pile_up_on_the_real_maximum_counts_values_a_float_step_below_it():
    rng = np.random.default_rng(7)
    real = pd.Series(rng.uniform(0, 100, 3000))
    edge = real.max()
    syn = rng.uniform(0, 100, 3000)
    syn[:600] = np.nextafter(edge, 0)  # clipped, then one floating-point step of noise
    found = _finding(real, pd.Series(syn), N)
    assert "20.0% of synthetic values pile up on the real maximum" in found.message


def test_a_category_share_that_nearly_doubled_is_found_and_named():
    rng = np.random.default_rng(8)
    levels = np.array(["a", "b", "c", "d"])
    real = pd.Series(levels[rng.choice(4, 5000, p=[0.50, 0.30, 0.12, 0.08])])
    syn = pd.Series(levels[rng.choice(4, 5000, p=[0.43, 0.30, 0.12, 0.15])])
    found = _finding(real, syn, C)
    # 'a' lost as much share as 'd' gained; 'd' nearly doubling is the news.
    assert "'d' rose from" in found.message and "of real values to" in found.message
    ratio = float(found.message.split("(")[1].split(" times")[0])
    assert 1.7 <= ratio <= 2.1


def test_medians_that_differ_are_printed_with_the_digits_that_show_it():
    real = pd.Series(np.linspace(2016.59, 2017.59, 1001))
    found = _finding(real, real + 0.27, N)
    assert "shifted higher: real median 2,017.09, synthetic 2,017.36" in found.message


def test_more_spread_out_and_more_concentrated():
    rng = np.random.default_rng(9)
    real = pd.Series(rng.normal(100, 10, 3000))
    wide = _finding(real, pd.Series(rng.normal(100, 20, 3000)), N)
    assert "more spread out: middle half spans 13" in wide.message
    narrow = _finding(real, pd.Series(rng.normal(100, 4, 3000)), N)
    assert "more concentrated" in narrow.message


def test_pairs_of_numbers_and_shares_get_the_digits_that_tell_them_apart():
    assert fmt_pair(2017.09, 2017.36, N) == ("2,017.09", "2,017.36")
    assert fmt_pair(41.0, 53.0, N) == ("41", "53")  # already different: unchanged
    assert fmt_pair(0.5012, 0.5013, N) == ("0.50120", "0.50130")
    assert fmt_pair(2.99996, 3.31, N) == ("3.00", "3.31")  # one precision for both
    assert fmt_share_pair(0.375, 0.127) == ("37.5%", "12.7%")
    assert fmt_share_pair(0.50012, 0.50031) == ("50.012%", "50.031%")


def test_a_shift_clipped_to_the_real_range_names_the_shift_then_the_pile_up():
    rng = np.random.default_rng(10)
    real = pd.Series(np.round(rng.normal(70, 8, 2000), 1))
    syn = pd.Series(np.round(rng.normal(77, 8, 2000).clip(None, real.max() - 8), 1))
    found = _finding(real, syn, N)
    assert found.message.startswith("x: shifted higher: real median ")
    assert "pile up" not in found.message  # clipped inside the real range, not on its edge
    clipped = pd.Series(np.round(rng.normal(77, 8, 2000).clip(None, 88), 1))
    found = _finding(real.clip(None, 88), clipped, N)
    assert found.message.startswith("x: shifted higher: real median ")
    on_edge = f"{100 * (clipped == 88).mean():.1f}% of synthetic values pile up on the real maximum"
    assert (
        f"; {on_edge}, 88 ({100 * (real.clip(None, 88) == 88).mean():.1f}% of real)"
        in found.message
    )


def test_a_score_and_floor_near_one_are_printed_with_the_digits_that_tell_them_apart():
    rng = np.random.default_rng(11)
    real = pd.Series(rng.normal(0, 1, 100_000))
    found = _finding(real, pd.Series(rng.normal(0.03, 1, 100_000)), N)
    assert "1.00" not in found.message
    assert f"KS complement {found.score:.3f}; an independent real sample scores about 0.99" in (
        found.message
    )


def test_a_count_column_is_described_by_the_value_whose_share_moved_not_by_equal_medians():
    rng = np.random.default_rng(12)
    real = pd.Series(rng.poisson(3.0, 20_000).astype(float))
    # 5% more of the synthetic rows on 3: a 1.2-fold change of a common value, not a spike.
    syn = pd.Series(np.where(rng.random(20_000) < 0.05, 3.0, rng.poisson(3.0, 20_000)))
    found = _finding(real, syn, N)
    assert "x: 3 holds 2" in found.message and "of synthetic values, 2" in found.message
    assert "spike" not in found.message
    found = _finding(real, pd.Series(rng.poisson(3.3, 20_000).astype(float)), N)
    assert "real median 3, synthetic 3" not in found.message
    assert "real mean 3.00, synthetic 3.3" in found.message
