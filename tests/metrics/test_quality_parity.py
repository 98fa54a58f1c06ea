"""The QualityReport equivalent equals sdmetrics' QualityReport (subsampling off) in
compatible mode, on the sdmetrics demo, a scikit-learn dataset and a generated table."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sdmetrics
from sklearn.datasets import load_wine

from bench.synth_table import make_pair, schema_of
from metrics.encode import encode
from metrics.options import Options
from metrics.quality import (
    merge_findings,
    quality_report,
    rank_findings,
    sdmetrics_metadata,
    sdmetrics_reference,
)
from metrics.results import Finding
from metrics.schema import ColumnSpec, Kind, Schema

COMPAT = Options(sdmetrics_compatible=True)
KEYS = ("Column Shapes", "Column Pair Trends", "overall")
SDTYPES = {
    "numerical": Kind.NUMERICAL,
    "datetime": Kind.DATETIME,
    "categorical": Kind.CATEGORICAL,
    "boolean": Kind.BOOLEAN,
    "id": Kind.ID,
}


def _assert_parity(real: pd.DataFrame, syn: pd.DataFrame, schema: Schema, metadata=None):
    ours = quality_report(encode(real, syn, schema), COMPAT)
    ref = sdmetrics_reference(real, syn, metadata or sdmetrics_metadata(schema))
    for key in KEYS:
        assert ours[key] == pytest.approx(ref[key], abs=1e-9, nan_ok=True), key
    return ours


def test_parity_on_the_sdmetrics_demo():
    folder = Path(sdmetrics.__file__).parent / "demos" / "single_table"
    meta = json.loads((folder / "metadata.json").read_text())["tables"]["student_placements"]
    real = pd.read_csv(folder / "student_placements_real.csv")
    syn = pd.read_csv(folder / "student_placements_synthetic.csv")
    schema = Schema(
        [
            ColumnSpec(c, SDTYPES[m["sdtype"]], m.get("datetime_format"))
            for c, m in meta["columns"].items()
        ]
    )
    ours = _assert_parity(real, syn, schema, meta)
    # The JSON report's properties are the same numbers.
    from metrics import suite
    from outputs import json_report

    fast = Options(sdmetrics_compatible=True,
                   skip=frozenset({"detection", "privacy", "utility", "row_flags"}))  # fmt: skip
    props = json_report.to_dict(suite.run(encode(real, syn, schema), fast))["properties"]
    assert props["column_shapes"] == pytest.approx(ours["Column Shapes"], abs=1e-12)
    assert props["pair_trends"] == pytest.approx(ours["Column Pair Trends"], abs=1e-12)
    # SynthLens' own definitions give a different pair score on the same data.
    assert quality_report(encode(real, syn, schema))["Column Pair Trends"] != pytest.approx(
        ours["Column Pair Trends"], abs=1e-3
    )


def test_parity_on_a_scikit_learn_dataset():
    wine = load_wine(as_frame=True).frame
    wine["target"] = "class_" + wine["target"].astype(str)
    rng = np.random.default_rng(0)
    parts = []
    for label, group in wine.groupby("target"):
        values = group.drop(columns="target")
        draws = rng.multivariate_normal(values.mean(), values.cov(), size=len(group) + 5)
        parts.append(pd.DataFrame(draws, columns=values.columns).assign(target=label))
    syn = pd.concat(parts, ignore_index=True).round(2)
    syn.loc[::9, "alcohol"] = np.nan
    kinds = {c: Kind.NUMERICAL for c in wine.columns if c != "target"} | {
        "target": Kind.CATEGORICAL
    }
    _assert_parity(wine, syn, schema_of(kinds))


def test_parity_on_a_generated_table_with_nan_dates_booleans_and_edge_columns():
    real, syn, schema = make_pair(1500, seed=8)
    rng = np.random.default_rng(8)
    for df in (real, syn):
        df["flag"] = pd.Series(rng.choice([True, False, None], len(df)), dtype=object)
        df["constant"] = 3.0
        df["empty"] = np.nan
    kinds = {c.name: c.kind for c in schema.columns} | {
        "flag": Kind.BOOLEAN,
        "constant": Kind.NUMERICAL,
        "empty": Kind.NUMERICAL,
    }
    ours = _assert_parity(real, syn, schema_of(kinds))
    assert all(0 <= ours[k] <= 1 for k in KEYS)


def test_parity_when_only_one_property_exists():
    real = pd.DataFrame({"x": np.arange(50.0), "c": ["a", "b"] * 25})
    syn = pd.DataFrame({"x": np.arange(50.0) + 3, "c": ["a"] * 30 + ["b"] * 20})
    # No pair passes sdmetrics' thresholds: the pair score is NaN and overall = shapes.
    ours = _assert_parity(real, syn, schema_of({"x": Kind.NUMERICAL, "c": Kind.CATEGORICAL}))
    assert np.isnan(ours["Column Pair Trends"]) and ours["overall"] == ours["Column Shapes"]


def test_merge_drops_pair_findings_of_broken_columns_and_ranks():
    def f(kind, severity, columns, score):
        return Finding(kind, severity, columns, "m", "metric", score=score)

    found = [
        f("pair", "high", ("age", "income"), 0.5),
        f("pair", "medium", ("plan", "age", "city"), 0.6),
        f("marginal", "high", ("age",), 0.4),
        f("pair", "medium", ("city", "plan"), 0.7),
        f("marginal", "low", ("city",), 0.9),
    ]
    merged = merge_findings(found)
    assert [x.columns for x in merged] == [
        ("age",),
        ("plan", "age", "city"),
        ("city", "plan"),
        ("city",),
    ]
    assert rank_findings(found)[0].score == 0.4


def test_quality_report_is_deterministic():
    real, syn, schema = make_pair(800, seed=9)
    enc = encode(real, syn, schema)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning leaks out of the metrics
        first = quality_report(enc)
    assert first == quality_report(encode(real, syn, schema))
