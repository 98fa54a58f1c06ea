"""Range edges: floating-point noise at the real minimum is not invalid, and sentences print
bounds with the digits that show the difference (validity, coverage and the row flags)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bench.synth_table import schema_of
from metrics.coverage import coverage_table, validity_table
from metrics.coverage_edges import distinct_texts, edge_tolerance, share_text
from metrics.encode import encode
from metrics.flags_invalid import flag_invalid
from metrics.flags_kinds import Events, num_text
from metrics.marginal import fmt_value
from metrics.schema import Kind

N, D = Kind.NUMERICAL, Kind.DATETIME
ONE_STEP_BELOW_42 = np.nextafter(42.0, -np.inf)  # 42 - 7.1e-15


def _real(n: int = 1000) -> pd.DataFrame:
    # Real values from 42 to 167.5, the range of the example.
    return pd.DataFrame({"x": np.linspace(42.0, 167.5, n)})


def _flag_texts(real: pd.DataFrame, syn: pd.DataFrame) -> dict[int, str]:
    ev = Events()
    flag_invalid(encode(real, syn, schema_of({"x": N})), ev)
    # Each part starts: rows, kind, column, scores, sentences.
    return {int(r): t for part in ev.parts for r, t in zip(part[0], part[4], strict=True)}


def test_the_tolerance_is_a_billionth_of_the_range_and_a_few_float_steps_at_least():
    assert edge_tolerance(42.0, 167.5) == 125.5e-9
    assert 42.0 - ONE_STEP_BELOW_42 < edge_tolerance(42.0, 42.0) < 1e-13  # constant column
    assert edge_tolerance(np.inf, -np.inf) == 0.0


def test_values_one_float_step_below_the_real_minimum_are_valid():
    syn = _real()
    syn.loc[1:202, "x"] = ONE_STEP_BELOW_42  # 202 values, 7e-15 below the real minimum
    enc = encode(_real(), syn, schema_of({"x": N}))
    table, findings = validity_table(enc)
    assert table.loc[0, "invalid"] == 0 and table.loc[0, "score"] == 1.0 and findings == []
    cover = coverage_table(enc)[0].loc[0]
    assert cover["score"] == 1.0 and cover["uncovered_share"] == 0.0
    assert _flag_texts(_real(), syn) == {}


def test_real_values_one_float_step_outside_the_synthetic_range_are_covered():
    syn = _real()
    syn.loc[0, "x"] = np.nextafter(42.0, np.inf)  # the synthetic minimum is one step above
    cover = coverage_table(encode(_real(), syn, schema_of({"x": N})))[0].loc[0]
    assert cover["uncovered_share"] == 0.0 and cover["score"] == 1.0


def test_values_really_below_the_minimum_are_named_with_the_bound_and_the_lowest():
    syn = _real(10_000)
    syn.loc[:19, "x"] = np.linspace(41.5, 41.9, 20)
    syn.loc[20:221, "x"] = ONE_STEP_BELOW_42  # noise: not counted
    table, findings = validity_table(encode(_real(10_000), syn, schema_of({"x": N})))
    assert table.loc[0, "invalid"] == 20
    assert findings[0].message == (
        "x: 20 synthetic values (0.20%) lie below the real minimum 42 (lowest 41.5)."
    )
    assert findings[0].beyond is not None and findings[0].beyond > 0


def test_both_edges_and_unreadable_values_are_listed_apart():
    syn = _real().astype(object)
    syn.loc[:1, "x"] = [41.0, 40.0]
    syn.loc[2:4, "x"] = [170.0, 168.0, 169.25]
    syn.loc[5, "x"] = "oops"
    msg = validity_table(encode(_real(), syn, schema_of({"x": N})))[1][0].message
    assert msg == (
        "x: 6 synthetic values (0.60%) are invalid: 2 below the real minimum 42 (lowest 40); "
        "3 above the real maximum 167.5 (highest 170); 1 could not be read as a number."
    )


def test_a_bound_and_a_value_that_would_print_the_same_get_more_digits():
    syn = _real()
    syn.loc[:29, "x"] = 41.9999  # 1e-4 below: beyond the tolerance, so invalid
    msg = validity_table(encode(_real(), syn, schema_of({"x": N})))[1][0].message
    assert "below the real minimum 42.00000 (lowest 41.99990)" in msg
    assert distinct_texts(1e6, 999_999.8, N, num_text) == ("1,000,000.00", "999,999.80")
    assert distinct_texts(42.0, 41.5, N, fmt_value) == ("42", "41.5")


def test_dates_a_second_apart_are_printed_to_the_second_or_finer():
    real = pd.DataFrame({"d": pd.date_range("2021-01-01", periods=400, freq="D")})
    syn = real.copy()
    syn.loc[:49, "d"] = pd.Timestamp("2020-12-31 23:59:59")
    msg = validity_table(encode(real, syn, schema_of({"d": D})))[1][0].message
    assert "below the real minimum 2021-01-01 (lowest 2020-12-31 23:59:59)" in msg
    day = pd.Timestamp("2021-01-01").value
    # Half a millisecond apart: "23:59:59" would suggest a whole second.
    assert distinct_texts(day, day - 500_000.0, D, fmt_value) == (
        "2021-01-01 00:00:00.000000",
        "2020-12-31 23:59:59.999500",
    )


def test_row_flags_ignore_float_noise_and_print_distinct_bounds():
    syn = _real()
    syn.loc[0, "x"] = ONE_STEP_BELOW_42
    syn.loc[1, "x"] = 40.0  # beyond the flags' 1% of the range (1.255)
    assert _flag_texts(_real(), syn) == {
        1: "x = 40 is below the real minimum 42 (tolerance 1% of the range)"
    }
    # A constant real column: no range, so only the float-noise tolerance applies.
    real = pd.DataFrame({"x": [42.0] * 50})
    syn = pd.DataFrame({"x": [42.0] * 47 + [ONE_STEP_BELOW_42, 41.9999, -0.0]})
    assert _flag_texts(real, syn) == {
        48: "x = 41.9999 is below the real minimum 42",
        49: "x = -0 is below the real minimum 42",
    }


def test_float_noise_below_zero_is_not_negative():
    real = pd.DataFrame({"x": np.linspace(0.0, 100.0, 200)})
    syn = real.copy()
    syn.loc[0, "x"] = -1e-17  # a rounding step below 0, not a negative amount
    assert _flag_texts(real, syn) == {}


def test_tiny_shares_keep_two_significant_digits():
    assert share_text(0.000045) == "0.0045%"
    assert share_text(0.0033) == "0.33%"
    assert share_text(0.0) == "0%"
    assert share_text(0.25) == "25%"
