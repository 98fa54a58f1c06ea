"""Mergeable coverage and exact-copy states (issue 16) against today's in-memory metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engines import duckdb_coverage as dc
from engines import pandas_coverage as pc
from metrics import state_copies as sp
from metrics import state_coverage as sc
from metrics.coverage import coverage_table, missing_values_table, validity_table
from metrics.encode import encode
from metrics.privacy_copies import count_copies
from metrics.schema import ColumnSpec, Kind, Schema
from tests.demo_pair import encoded, frames

HOSTILE = 'we"ird co l\u00e9'


def _parts(df: pd.DataFrame, n: int, seed: int) -> list[pd.DataFrame]:
    """``n`` uneven partitions, in shuffled order (merging must not care)."""
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.choice(np.arange(1, len(df)), n - 1, replace=False))
    bounds = [0, *cuts.tolist(), len(df)]
    parts = [df.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return [parts[i] for i in rng.permutation(n)]


def _states(engine: str, df: pd.DataFrame, schema: Schema, n: int, seed: int) -> sc.SideState:
    mod = pc if engine == "pandas" else dc
    return sc.merge([mod.side_state(p, schema) for p in _parts(df, n, seed)])


def _outside(engine, df, schema, bounds) -> sc.OutsideState:
    mod = pc if engine == "pandas" else dc
    states = [mod.outside_state(p, schema, bounds) for p in _parts(df, 4, 9)]
    out = states[0]
    for st in states[1:]:
        out = out.merge(st)
    return out


def _check_scores(enc, real: sc.SideState, syn: sc.SideState, outside) -> float:
    worst = 0.0
    for fn, mine in (
        (missing_values_table, sc.missing_scores(real, syn, enc.schema)),
        (coverage_table, sc.coverage_scores(real, syn, enc.schema)),
        (validity_table, sc.validity_scores(real, syn, outside, enc.schema)),
    ):
        today = fn(enc)[0].set_index("column")["score"]
        assert set(today.index) == set(mine)
        for col, value in today.items():
            assert np.isnan(value) == np.isnan(mine[col]), col
            if np.isfinite(value):
                worst = max(worst, abs(value - mine[col]))
        assert sc.metric_score(mine) == pytest.approx(today.mean(), abs=1e-9)
    assert worst <= 1e-9
    return worst


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_demo_parity(engine):
    enc, f = encoded(), frames()
    real = _states(engine, f["real"], enc.schema, 3, 1)
    syn = _states(engine, f["synthetic"], enc.schema, 5, 2)
    _check_scores(enc, real, syn, _outside(engine, f["synthetic"], enc.schema,
                                           sc.validity_bounds(real, enc.schema)))  # fmt: skip
    table = missing_values_table(enc)[0].set_index("column")
    interval, floor = sc.missing_interval(real, syn, "salary")
    assert interval == (table.loc["salary", "low"], table.loc["salary", "high"])
    assert floor == table.loc["salary", "floor"]


def _copy_counts(engine, f, schema, holdout=True) -> sp.CopyCounts:
    hold = f.get("holdout") if holdout else None
    if engine == "duckdb":
        return dc.copy_counts(f["real"], f["synthetic"], schema, hold)
    states = {}
    for role in ("real", "synthetic", "holdout"):
        if role in f:
            side = _states("pandas", f[role], schema, 3, 4)
            states[role] = sp.merge([pc.copy_state(p, schema, sc.whole_labels(side))
                                     for p in _parts(f[role], 3, 5)])  # fmt: skip
    return sp.copy_counts(states["real"], states["synthetic"], states.get("holdout") if hold
                          is not None else None)  # fmt: skip


def _today(enc) -> tuple[int, int, int]:
    c = count_copies(enc).fields()
    return c["exact_copies"], c["holdout_copies"], c["n_baseline"]


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_demo_copies(engine):
    enc, f = encoded(), frames()
    got = _copy_counts(engine, f, enc.schema)
    assert (got.exact_copies, got.natural, got.n_baseline) == _today(enc)
    alone = encode(f["real"], f["synthetic"], enc.schema)
    got = _copy_counts(engine, {k: f[k] for k in ("real", "synthetic")}, enc.schema, False)
    assert (got.exact_copies, got.natural, got.n_baseline) == _today(alone)


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(50, 10, n)
    x[rng.random(n) < 0.05] = np.nan
    cat = rng.choice(["a", "b", "c", "d", "rare"], n, p=[0.4, 0.3, 0.2, 0.0999, 0.0001])
    grade = rng.integers(1, 6, n).astype(float)
    grade[rng.random(n) < 0.02] = np.nan
    dates = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    return pd.DataFrame({
        "x": x,
        HOSTILE: np.where(rng.random(n) < 0.03, None, cat),
        "grade": grade,  # float-typed categories: "1" only when the whole side is whole
        "flag": rng.random(n) < 0.3,
        "when": pd.Series(dates.strftime("%Y-%m-%d")).where(rng.random(n) > 0.01),
        "small": rng.integers(0, 3, n),  # few distinct rows: many copies by nature
    })  # fmt: skip


SCHEMA = Schema([ColumnSpec("x", Kind.NUMERICAL), ColumnSpec(HOSTILE, Kind.CATEGORICAL),
                 ColumnSpec("grade", Kind.CATEGORICAL), ColumnSpec("flag", Kind.BOOLEAN),
                 ColumnSpec("when", Kind.DATETIME), ColumnSpec("small", Kind.NUMERICAL)])  # fmt: skip


def _pair() -> dict[str, pd.DataFrame]:
    real, syn = _table(50_000, 1), _table(30_000, 2)
    syn.loc[:99, "x"] = syn.loc[:99, "x"] * 3  # beyond the real range: invalid, wider range
    syn.loc[100:199, "x"] = real.loc[100:199, "x"].to_numpy()  # exact copies (with NaN)
    syn.loc[100:199, SCHEMA.names(Kind.CATEGORICAL, Kind.BOOLEAN, Kind.DATETIME)] = real.loc[
        100:199, SCHEMA.names(Kind.CATEGORICAL, Kind.BOOLEAN, Kind.DATETIME)
    ].to_numpy()
    syn.loc[100:199, "small"] = real.loc[100:199, "small"].to_numpy()
    syn.loc[200:299] = real.loc[200:299].to_numpy()
    syn["small"] = syn["small"].astype(float)
    syn.loc[200:249, "small"] = -0.0 * (syn.loc[200:249, "small"] == 0) + syn.loc[200:249, "small"]
    syn.loc[250:259, "x"] = syn.loc[250:259, "x"] + 1e-14  # round-off: not a copy today
    syn.loc[260:261, HOSTILE] = "new"  # a category the real side never has
    return {"real": real, "synthetic": syn}


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_seeded_parity(engine):
    f = _pair()
    enc = encode(f["real"], f["synthetic"], SCHEMA)
    real = _states(engine, f["real"], SCHEMA, 5, 3)
    syn = _states(engine, f["synthetic"], SCHEMA, 7, 4)
    outside = _outside(engine, f["synthetic"], SCHEMA, sc.validity_bounds(real, SCHEMA))
    _check_scores(enc, real, syn, outside)
    got = _copy_counts(engine, f, SCHEMA, False)
    assert (got.exact_copies, got.natural, got.n_baseline) == _today(enc)


def test_planted_copies():
    """NaN equals NaN, -0.0 equals 0.0, a difference at the 14th decimal is no copy."""
    real = pd.DataFrame({"x": [0.0, np.nan, 0.1 + 0.2, 5.0], "c": ["a", "b", "c", None]})
    syn = pd.DataFrame({"x": [-0.0, np.nan, 0.3, 5.0 + 1e-14, 5.0], "c": ["a", "b", "c", None,
                                                                        None]})  # fmt: skip
    schema = Schema([ColumnSpec("x", Kind.NUMERICAL), ColumnSpec("c", Kind.CATEGORICAL)])
    enc = encode(real, syn, schema)
    want = _today(enc)
    assert want[0] == 3  # rows 0, 1 and 4
    for engine in ("pandas", "duckdb"):
        got = _copy_counts(engine, {"real": real, "synthetic": syn}, schema, False)
        assert (got.exact_copies, got.natural, got.n_baseline) == want, engine


def test_parquet_path(tmp_path):
    f = _pair()
    enc = encode(f["real"], f["synthetic"], SCHEMA)
    paths = {}
    for role, df in f.items():
        paths[role] = tmp_path / f"{role}.parquet"
        df.to_parquet(paths[role])
    real = dc.side_state(paths["real"], SCHEMA)
    syn = dc.side_state(paths["synthetic"], SCHEMA)
    outside = dc.outside_state(paths["synthetic"], SCHEMA, sc.validity_bounds(real, SCHEMA))
    _check_scores(enc, real, syn, outside)
    got = dc.copy_counts(paths["real"], paths["synthetic"], SCHEMA)
    assert (got.exact_copies, got.natural, got.n_baseline) == _today(enc)
