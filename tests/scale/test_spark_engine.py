"""The Spark engine (issue 16) against the pandas engine, on the same Parquet files.

One local session for the module (starting one costs seconds); the files are written with
several row groups and the session splits them into several partitions, so every state is
merged from partitions. Every score the states give (column shapes, pair trends, missing
values, coverage, validity, exact copies) equals the pandas engine's to 1e-9, and the seeded
sample is the same rows. Skipped when PySpark or Java is missing (``pip install -r
requirements-spark.txt``; ``scripts/test.sh`` installs both).
"""

from __future__ import annotations

import math
import shutil

import numpy as np
import pandas as pd
import pytest

from engines.base import sample_positions
from engines.pandas_engine import PandasEngine
from engines.pandas_pairs import NUMBER_KINDS, pair_keys
from metrics import state_columns as scol
from metrics import state_coverage as scov
from metrics import state_pairs as sp
from metrics.schema import Schema
from tests import demo_pair
from tests.scale.test_pair_states import HOSTILE, seeded

pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("the Spark engine needs a Java runtime", allow_module_level=True)

pytestmark = pytest.mark.spark

TOL = 1e-9
REPORT: dict[str, float] = {}
# Small splits: every file below becomes 3+ partitions (one row group per split at most).
SPLITS = {"spark.sql.files.minPartitionNum": "3", "spark.sql.files.openCostInBytes": "1"}


@pytest.fixture(scope="module")
def spark_engine():
    from engines.spark_engine import SparkEngine, spark_session

    spark = spark_session(conf=SPLITS)
    for key, value in SPLITS.items():  # a session from another module: set them anyway
        spark.conf.set(key, value)
    return SparkEngine(session=spark)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, dict[str, str]]:
    root = tmp_path_factory.mktemp("spark")
    sets = {"demo": demo_pair.frames(), "seeded": seeded()[0]}
    out: dict[str, dict[str, str]] = {}
    for name, frames in sets.items():
        out[name] = {}
        for role, frame in frames.items():
            path = root / f"{name}_{role}.parquet"
            frame.to_parquet(path, row_group_size=max(len(frame) // 5, 1))
            out[name][role] = str(path)
    return out


def _scores(engine, paths: dict[str, str], schema: Schema) -> dict[str, float]:
    """Every exact score the states give, by family and column (or pair)."""
    real, syn = paths["real"], paths["synthetic"]
    out: dict[str, float] = {}
    cols = {s: engine.column_states(paths[s], schema) for s in ("real", "synthetic")}
    for name, state in cols["real"].items():
        other = cols["synthetic"][name]
        if isinstance(state, scol.NumericState):
            out[f"column/ks/{name}"] = scol.ks_complement_from(state, other).score  # type: ignore[arg-type]
        else:
            try:
                out[f"column/tv/{name}"] = scol.tv_complement_from(state, other)  # type: ignore[arg-type]
            except ValueError:
                out[f"column/tv/{name}"] = math.nan
    numbers, others = pair_keys(schema)
    sides = {}
    for role in ("real", "synthetic"):
        first = engine.number_states(paths[role], schema, numbers, False)
        bins = {c: sp.sdmetrics_binning(r, role == "real") for c, r in first.ranges.items()}
        tables = engine.table_states(paths[role], schema, others, bins)
        sides[role] = (sp.merge(first, tables), bins)
    (r, bins_r), (s, bins_s) = sides["real"], sides["synthetic"]
    for key in numbers:
        c = sp.correlation_similarity_from(r, s, key)
        out[f"pair/corr/{key}"] = c.score
        out[f"pair/corr-real/{key}"] = c.real
    kinds = {c.name: c.kind for c in schema.columns}
    for key in others:
        k = tuple(None if kinds[c] in NUMBER_KINDS else kinds[c] for c in key)
        errors = tuple((bins_r.get(c) or bins_s.get(c) or sp.Binning(())).error for c in key)
        t = sp.contingency_similarity_from(r, s, key, k, errors)  # type: ignore[arg-type]
        out[f"pair/table/{key}"] = t.score
        out[f"pair/assoc/{key}"] = t.sdmetrics_association
    side_r, side_s = engine.side_state(real, schema), engine.side_state(syn, schema)
    outside = engine.outside_state(syn, schema, scov.validity_bounds(side_r, schema))
    for family, got in (
        ("missing", scov.missing_scores(side_r, side_s, schema)),
        ("coverage", scov.coverage_scores(side_r, side_s, schema)),
        ("validity", scov.validity_scores(side_r, side_s, outside, schema)),
    ):
        out.update({f"{family}/{c}": v for c, v in got.items()})
    copies = engine.copy_counts(real, syn, schema, paths.get("holdout"))
    out["copies/exact"] = copies.exact_copies
    out["copies/natural"] = copies.natural
    out["copies/baseline"] = copies.n_baseline
    out["copies/synthetic"] = copies.n_synthetic
    return out


def _compare(label: str, want: dict[str, float], got: dict[str, float]) -> None:
    assert set(want) == set(got)
    worst: dict[str, float] = {}
    for key, value in want.items():
        assert np.isnan(value) == np.isnan(got[key]), key
        if np.isfinite(value):
            parts = key.split("/")
            family = "/".join(parts[:2]) if parts[0] in ("column", "pair") else parts[0]
            diff = abs(value - got[key])
            worst[family] = max(worst.get(family, 0.0), diff)
            if key.startswith("copies/"):
                assert value == got[key], key
    for family, diff in worst.items():
        REPORT[f"{label}/{family}"] = diff
    assert max(worst.values()) <= TOL, worst


def _partitions(engine, path: str) -> int:
    return int(engine.spark.read.parquet(path).rdd.getNumPartitions())


def test_demo_pair_scores_equal_pandas(spark_engine, files) -> None:
    paths = files["demo"]
    assert _partitions(spark_engine, paths["real"]) >= 3
    schema = demo_pair.encoded().schema
    want = _scores(PandasEngine(), paths, schema)
    _compare("demo", want, _scores(spark_engine, paths, schema))


def test_seeded_50k_scores_equal_pandas(spark_engine, files) -> None:
    paths = files["seeded"]
    assert _partitions(spark_engine, paths["real"]) >= 3
    schema = seeded()[1]
    assert HOSTILE in schema.names()
    want = _scores(PandasEngine(), paths, schema)
    _compare("50k", want, _scores(spark_engine, paths, schema))


def test_rows_columns_and_sample_equal_pandas(spark_engine, files) -> None:
    path = files["seeded"]["real"]
    pandas = PandasEngine()
    rows = spark_engine.rows(path)
    assert rows == pandas.rows(path) == 50_000
    assert spark_engine.columns(path) == pandas.columns(path)
    positions = sample_positions(rows, 2_000, 7, "real")
    got = spark_engine.sample(path, positions)
    pd.testing.assert_frame_equal(got, pandas.sample(path, positions))
    # A frame goes through spark.createDataFrame: the same side state as in memory.
    frame = demo_pair.frames()["synthetic"]
    schema = demo_pair.encoded().schema
    want = scov.missing_scores(pandas.side_state(frame, schema),
                               pandas.side_state(frame, schema), schema)  # fmt: skip
    side = spark_engine.side_state(frame, schema)
    assert side.n_rows == len(frame)
    assert scov.missing_scores(side, side, schema) == want


def test_report_figures() -> None:
    """Prints the measured maxima per family (run with -s)."""
    print({k: f"{v:.2e}" for k, v in sorted(REPORT.items())})


def test_clear_error_without_pyspark(monkeypatch) -> None:
    """Without PySpark the module still imports; asking for a session names the fix."""
    import sys

    from engines import spark_engine

    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(ImportError, match="requirements-spark.txt"):
        spark_engine.spark_session()
    with pytest.raises(ImportError, match="Java 17"):
        _ = spark_engine.SparkEngine().spark
