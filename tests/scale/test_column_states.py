"""Column-shape states: pandas and DuckDB producers, merged over uneven partitions, score as
today's in-memory KS and TV complements; the sketched path stays within its stated bound."""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from engines import duckdb_columns, pandas_columns
from metrics.encode import Encoded, encode
from metrics.marginal_stats import ks_complement, tv_complement
from metrics.schema import ColumnSpec, Kind, Schema
from metrics.state_columns import (
    CategoricalState,
    ColumnState,
    NumericState,
    ks_complement_from,
    merge,
    merge_all,
    numeric_state,
    tv_complement_from,
)
from tests.demo_pair import encoded as demo_encoded
from tests.demo_pair import frames as demo_frames

TOL = 1e-9


def today(enc: Encoded) -> dict[str, float]:
    """Per-column scores from the in-memory metric functions."""
    out = {}
    for spec in enc.schema.columns:
        col = spec.name
        if spec.kind in (Kind.NUMERICAL, Kind.DATETIME):
            out[col] = ks_complement(enc.real.numeric[col], enc.synthetic.numeric[col])
        elif spec.kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
            n = len(enc.categories[col])
            out[col] = tv_complement(enc.real.codes[col], enc.synthetic.codes[col], n)
    return out


def scores(real: dict[str, ColumnState], syn: dict[str, ColumnState]) -> dict[str, float]:
    out = {}
    for col, r in real.items():
        s = syn[col]
        if isinstance(r, NumericState) and isinstance(s, NumericState):
            result = ks_complement_from(r, s)
            assert result.exact and result.bound == 0.0
            out[col] = result.score
        else:
            assert isinstance(r, CategoricalState) and isinstance(s, CategoricalState)
            out[col] = tv_complement_from(r, s)
    return out


def worst_gap(a: dict[str, float], b: dict[str, float]) -> float:
    assert a.keys() == b.keys()
    return max(0.0 if np.isnan(a[c]) and np.isnan(b[c]) else abs(a[c] - b[c]) for c in a)


def producer(engine: str):
    return pandas_columns.column_states if engine == "pandas" else duckdb_columns.column_states


def states(engine: str, frame: pd.DataFrame, columns: list[ColumnSpec], sizes: list[int]):
    parts = pandas_columns.split(frame, sizes) if sizes else [frame]
    return merge_all([producer(engine)(p, columns) for p in parts])


def uneven(n: int, parts: int, seed: int) -> list[int]:
    """``parts - 1`` uneven sizes adding up to less than ``n`` (the rest is the last part)."""
    cuts = np.sort(np.random.default_rng(seed).choice(np.arange(1, n), parts - 1, replace=False))
    return np.diff(np.concatenate([[0], cuts])).tolist()


@lru_cache(maxsize=1)
def table_pair() -> tuple[pd.DataFrame, pd.DataFrame, Schema]:
    """A seeded 50k-row pair of mixed kinds with NaNs (synthetic: 40k rows, shifted)."""

    def side(n: int, seed: int, shift: float) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        income = rng.lognormal(10 + shift, 1.0, n)
        income[rng.random(n) < 0.05] = np.nan
        age = rng.integers(18, 90, n).astype(float)
        age[rng.random(n) < 0.02] = np.nan
        stamps = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, n), "D")
        when = pd.Series(stamps).mask(rng.random(n) < 0.03)
        region = rng.choice(np.array(["north", "south", "east", "west", "x y"], dtype=object), n)
        region[rng.random(n) < 0.04] = None
        if shift:
            region[:50] = "only synthetic"
        code = rng.integers(1, 6, n).astype(float)  # a float categorical of whole values
        code[rng.random(n) < 0.1] = np.nan
        flag = pd.Series(rng.random(n) < 0.3 + shift, dtype=object).mask(rng.random(n) < 0.01)
        return pd.DataFrame(
            {
                "income": income,
                "age": age,
                "when": when,
                "region": region,
                "code": code,
                "flag": flag,
                "rate": np.round(rng.normal(shift, 1, n), 3),
            }
        )

    kinds = {
        "income": Kind.NUMERICAL,
        "age": Kind.NUMERICAL,
        "when": Kind.DATETIME,
        "region": Kind.CATEGORICAL,
        "code": Kind.CATEGORICAL,
        "flag": Kind.BOOLEAN,
        "rate": Kind.NUMERICAL,
    }
    schema = Schema([ColumnSpec(name, kind) for name, kind in kinds.items()])
    return side(50_000, 1, 0.0), side(40_000, 2, 0.2), schema


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
@pytest.mark.parametrize("split", [False, True])
def test_demo_parity(engine: str, split: bool) -> None:
    enc, f = demo_encoded(), demo_frames()
    cols = enc.schema.columns
    real = states(engine, f["real"], cols, uneven(len(f["real"]), 4, 0) if split else [])
    syn = states(engine, f["synthetic"], cols, uneven(len(f["synthetic"]), 3, 1) if split else [])
    assert worst_gap(scores(real, syn), today(enc)) <= TOL


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_seeded_table_parity(engine: str) -> None:
    real_df, syn_df, schema = table_pair()
    expected = today(encode(real_df, syn_df, schema))
    for parts, seed in ((3, 0), (7, 1)):
        real = states(engine, real_df, schema.columns, uneven(len(real_df), parts, seed))
        syn = states(engine, syn_df, schema.columns, uneven(len(syn_df), parts - 1, seed))
        assert worst_gap(scores(real, syn), expected) <= TOL


def test_merge_order_does_not_matter() -> None:
    real_df, syn_df, schema = table_pair()
    parts = [
        pandas_columns.column_states(p, schema.columns)
        for p in pandas_columns.split(real_df, uneven(len(real_df), 5, 3))
    ]
    syn = pandas_columns.column_states(syn_df, schema.columns)
    first = scores(merge_all(parts), syn)
    for order in itertools.islice(itertools.permutations(range(len(parts))), 1, 30, 7):
        assert scores(merge_all([parts[i] for i in order]), syn) == first
    # Associativity on one column: (a + b) + c == a + (b + c), bit for bit.
    a, b, c = (p["income"] for p in parts[:3])
    left, right = merge(merge(a, b), c), merge(a, merge(b, c))
    assert isinstance(left, NumericState) and isinstance(right, NumericState)
    assert np.array_equal(left.values, right.values) and np.array_equal(left.counts, right.counts)


def test_parquet_file_read_by_duckdb(tmp_path) -> None:
    real_df, syn_df, schema = table_pair()
    expected = today(encode(real_df, syn_df, schema))
    paths = {}
    for role, df in (("real", real_df), ("synthetic", syn_df)):
        paths[role] = tmp_path / f"{role}.parquet"
        df.to_parquet(paths[role])
    real = duckdb_columns.column_states(paths["real"], schema.columns)
    syn = duckdb_columns.column_states(paths["synthetic"], schema.columns)
    assert worst_gap(scores(real, syn), expected) <= TOL


def test_hostile_column_names(tmp_path) -> None:
    names = ['a "quoted" name', "x'); DROP TABLE t; --", "café ☃ col", " spaced "]
    rng = np.random.default_rng(5)
    kinds = [Kind.NUMERICAL, Kind.CATEGORICAL, Kind.NUMERICAL, Kind.BOOLEAN]

    def side(n: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                names[0]: rng.normal(size=n),
                names[1]: rng.choice(["a", "b", "c"], n),
                names[2]: rng.integers(0, 9, n).astype(float),
                names[3]: rng.random(n) < 0.5,
            }
        )

    real_df, syn_df = side(3000), side(2000)
    schema = Schema([ColumnSpec(n, k) for n, k in zip(names, kinds, strict=True)])
    expected = today(encode(real_df, syn_df, schema))
    real_df.to_parquet(tmp_path / "real.parquet")
    real = duckdb_columns.column_states(tmp_path / "real.parquet", schema.columns)
    syn = duckdb_columns.column_states(syn_df, schema.columns)
    assert worst_gap(scores(real, syn), expected) <= TOL


def test_sketched_ks_within_stated_bound() -> None:
    rng = np.random.default_rng(11)
    real = rng.normal(0.0, 1.0, 200_000)
    syn = rng.normal(0.05, 1.1, 200_000)
    exact = ks_complement(real, syn)
    # Partitions sketched on their own (each over the cap) and merged.
    real_state = merge(numeric_state(real[:120_000], cap=100_000), numeric_state(real[120_000:]))
    syn_state = numeric_state(syn, cap=100_000)
    assert not real_state.exact and not syn_state.exact
    result = ks_complement_from(real_state, syn_state)
    assert not result.exact and 0 < result.bound < 0.05
    assert abs(result.score - exact) <= result.bound
    # Under the cap the same column is exact.
    exact_state = numeric_state(real, cap=300_000)
    assert exact_state.exact
    assert ks_complement_from(exact_state, numeric_state(syn, cap=300_000)).score == exact


def test_duckdb_sketches_past_the_cap() -> None:
    rng = np.random.default_rng(12)
    real_df = pd.DataFrame({"v": rng.normal(0.0, 1.0, 30_000)})
    syn_df = pd.DataFrame({"v": rng.normal(0.1, 1.0, 20_000)})
    cols = [ColumnSpec("v", Kind.NUMERICAL)]
    real = duckdb_columns.column_states(real_df, cols, cap=10_000)["v"]
    syn = duckdb_columns.column_states(syn_df, cols, cap=10_000)["v"]
    assert isinstance(real, NumericState) and isinstance(syn, NumericState)
    assert not real.exact and real.n == 30_000 and real.min == np.round(real_df["v"].min(), 14)
    result = ks_complement_from(real, syn)
    assert abs(result.score - ks_complement(real_df["v"].to_numpy(), syn_df["v"].to_numpy())) <= (
        result.bound
    )
