"""Every catalogued metric on awkward tables, in the spirit of scikit-learn's common tests: no
exception escapes, every score is in [0, 1] or NaN with a reason, and the same seed gives the
same output. A new catalogue entry is tested here without a line of its own."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metrics import catalogue
from metrics.encode import encode
from metrics.options import Options
from metrics.schema import infer


def _awkward(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(0, 1, n),
            "empty": [np.nan] * n,
            "constant": [7.0] * n,
            "label": rng.choice(["a", "b", "c"], n),
            "same_label": ["k"] * n,
            "missing_label": [None] * n,
            "day": pd.to_datetime("2021-01-01") + pd.to_timedelta(rng.integers(0, 90, n), "D"),
            "flag": rng.choice([True, False], n),
        }
    )


TABLES = {
    "awkward": (_awkward(80, 0), _awkward(70, 1)),
    "single_row": (_awkward(1, 0), _awkward(1, 1)),
    "tiny": (_awkward(5, 0), _awkward(4, 1)),
}


def _run(entry, enc, done):
    options = Options(seed=3)
    quiet = lambda fraction, message: None  # noqa: E731
    if entry.needs:
        return entry.fn(enc, options, quiet, catalogue.needed_results(entry, done))
    return entry.fn(enc, options, quiet)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_metric_on_awkward_tables(table):
    real, synthetic = TABLES[table]
    enc = encode(real, synthetic, infer(real, synthetic))
    done: dict = {}
    for entry in catalogue.run_order():
        first = _run(entry, enc, done)  # no exception may escape the metric
        done[entry.name] = first
        score = first.score
        assert score is None or np.isnan(score) or 0.0 <= score <= 1.0, (entry.name, score)
        if score is None or np.isnan(score):
            reason = (
                first.error
                or first.excluded
                or ("error" in first.details and first.details["error"].notna().any())
            )
            assert reason or first.details.empty, f"{entry.name}: NaN score with no reason"
        if "score" in first.details:
            s = first.details["score"].astype(float)
            assert ((s >= 0) & (s <= 1) | s.isna()).all(), entry.name
        again = _run(entry, enc, done)
        assert (again.score == first.score) or (np.isnan(again.score) and np.isnan(first.score))
        pd.testing.assert_frame_equal(again.details, first.details, obj=entry.name)


def test_a_failure_on_one_column_is_reported_on_that_column_and_the_rest_is_scored():
    real, synthetic = TABLES["awkward"]
    enc = encode(real, synthetic, infer(real, synthetic))
    # An array no numeric code can read: every computation on 'x' raises.
    enc.synthetic.numeric["x"] = np.array(["boom"] * synthetic.shape[0], dtype=object)
    for entry in catalogue.CATALOGUE:
        if entry.result != "columns" or "x" not in (enc.continuous if entry.kinds else []):
            continue
        res = _run(entry, enc, {})
        rows = res.details.set_index("column")
        assert isinstance(rows.loc["x", "error"], str) and rows.loc["x", "error"], entry.name
        others = rows.drop(index="x")["score"].astype(float)
        assert others.notna().any(), f"{entry.name}: one bad column stopped the others"
