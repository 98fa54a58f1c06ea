"""Pair-trend states (issue 16): merged partition states score as today's in-memory metric.

Today's pair scores come from ``metrics.pairs_measure`` on an ``Encoded``; the states come from
the raw frames, split into uneven partitions, through the pandas and DuckDB producers.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from bench.synth_table import schema_of
from engines import duckdb_pairs, pandas_pairs
from metrics import pair_quantiles
from metrics.encode import Encoded, encode
from metrics.options import Options
from metrics.pair_stats import contingency_similarity
from metrics.pairs_measure import contingencies, correlations
from metrics.results import no_progress
from metrics.schema import Kind, Schema
from metrics.state_pairs import (
    Binning,
    PairStates,
    contingency_similarity_from,
    correlation_similarity_from,
    merge,
    quantile_binning,
    sdmetrics_binning,
)
from tests import demo_pair

TOL = 1e-9
HOSTILE = 'we"ird, col ü'
PRODUCERS = {"pandas": pandas_pairs, "duckdb": duckdb_pairs}


def _table(rng: np.random.Generator, n: int, shift: float) -> pd.DataFrame:
    x = rng.normal(shift, 1.0, n)
    y = 2 * x + rng.normal(0, 1 + shift, n)
    big = 1e9 + 1e-3 * (x + rng.normal(0, 0.5, n))  # a large offset: raw sums would cancel
    date = pd.Timestamp("2020-01-01") + pd.to_timedelta(
        (86_400 * (x * 30 + 400)).astype(np.int64), unit="s"
    )
    cat = np.where(x + rng.normal(0, 1, n) > shift, "high", rng.choice(["a", "b", "c"], n))
    frame = pd.DataFrame({
        "x": x, "y": y, "big": big, "date": date, "cat": cat.astype(object),
        "flag": rng.random(n) < 0.3 + 0.2 * (x > 0),
        "code": rng.integers(1, 4, n).astype(float),  # whole floats: labels "1", "2", "3"
        HOSTILE: rng.exponential(1.0, n) * (1 + (cat == "high")),
    })  # fmt: skip
    for col, share in (("x", 0.05), ("y", 0.1), ("date", 0.02), ("cat", 0.03), ("code", 0.04)):
        frame.loc[rng.random(n) < share, col] = None
    return frame


KINDS = {"x": Kind.NUMERICAL, "y": Kind.NUMERICAL, "big": Kind.NUMERICAL,
         "date": Kind.DATETIME, "cat": Kind.CATEGORICAL, "flag": Kind.BOOLEAN,
         "code": Kind.CATEGORICAL, HOSTILE: Kind.NUMERICAL}  # fmt: skip


@functools.lru_cache(maxsize=1)
def seeded() -> tuple[dict[str, pd.DataFrame], Schema, Encoded]:
    rng = np.random.default_rng(16)
    frames = {"real": _table(rng, 50_000, 0.0), "synthetic": _table(rng, 37_000, 0.3)}
    schema = schema_of(KINDS)
    return frames, schema, encode(frames["real"], frames["synthetic"], schema)


def _parts(frame: pd.DataFrame, seed: int) -> list[pd.DataFrame]:
    """3-7 uneven partitions of a frame (contiguous row ranges)."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(3, 8))
    cuts = np.sort(rng.choice(np.arange(1, len(frame)), k - 1, replace=False))
    return [frame.iloc[a:b] for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(frame)], strict=True)]


def _merged(states: list[PairStates], seed: int = 0) -> PairStates:
    order = np.random.default_rng(seed).permutation(len(states))
    return functools.reduce(merge, [states[i] for i in order])


def _states(producer, sources, schema, numbers, others, binning_of, spearman=False):
    """Both passes over one side's partitions: numbers, then tables on the merged ranges."""
    first = _merged([producer.number_states(s, schema, numbers, spearman) for s in sources])
    binnings = binning_of(first)
    tables = [producer.table_states(s, schema, others, binnings) for s in sources]
    return merge(first, _merged(tables, 1)), binnings


def _sdmetrics_binnings(real: bool):
    def make(state: PairStates) -> dict[str, Binning]:
        return {c: sdmetrics_binning(r, real) for c, r in state.ranges.items()}

    return make


def _compat_scores(frames, schema, producer, sources_of) -> dict:
    """Today's and the states' sdmetrics-compatible pair scores, by pair."""
    numbers, others = pandas_pairs.pair_keys(schema)
    sides = {}
    for name in ("real", "synthetic"):
        sides[name] = _states(producer, sources_of(frames[name], name), schema, numbers, others,
                              _sdmetrics_binnings(name == "real"))  # fmt: skip
    (real, bins_r), (syn, bins_s) = sides["real"], sides["synthetic"]
    ours = {}
    for key in numbers:
        ours[key] = correlation_similarity_from(real, syn, key)
    for a, b in others:
        kinds = tuple(None if kind_of(schema, c) in pandas_pairs.NUMBER_KINDS else
                      kind_of(schema, c) for c in (a, b))  # fmt: skip
        errors = tuple((bins_r.get(c) or bins_s.get(c) or Binning(())).error for c in (a, b))
        ours[(a, b)] = contingency_similarity_from(real, syn, (a, b), kinds, errors)  # type: ignore[arg-type]
    return ours


def kind_of(schema: Schema, col: str) -> Kind:
    return next(c.kind for c in schema.columns if c.name == col)


def _today(enc: Encoded, options: Options) -> dict:
    cols = list(enc.analysed)
    pairs = correlations(enc, options, cols, bounds=False)
    pairs.update(contingencies(enc, options, no_progress, cols, bounds=False))
    return pairs


def _compare(today: dict, ours: dict) -> float:
    """Largest |difference| of scores, correlations and sdmetrics associations; errors equal."""
    worst = 0.0
    assert set(today) == set(ours)
    for key, pair in today.items():
        mine = ours[key]
        assert (pair.error is None) == (mine.error is None), (key, pair.error, mine.error)
        assert (pair.n_real, pair.n_synthetic) == (mine.n_real, mine.n_synthetic), key
        if pair.error:
            assert pair.error == mine.error
            continue
        got = [(pair.score, mine.score)]
        if pair.metric == "CorrelationSimilarity":
            got += [(pair.real, mine.real), (pair.synthetic, mine.synthetic)]
        else:
            got.append((pair.sdmetrics_association, mine.sdmetrics_association))
        for want, have in got:
            assert np.isnan(want) == np.isnan(have), key
            if np.isfinite(want):
                worst = max(worst, abs(want - have))
    return worst


def _pandas_sources(frame: pd.DataFrame, name: str) -> list:
    return _parts(frame, 7 if name == "real" else 8)


REPORT: dict[str, float] = {}


@pytest.mark.parametrize("engine", list(PRODUCERS))
def test_demo_pair_sdmetrics_mode(engine: str) -> None:
    enc = demo_pair.encoded()
    frames = demo_pair.frames()
    ours = _compat_scores(frames, enc.schema, PRODUCERS[engine], _pandas_sources)
    today = _today(enc, Options(sdmetrics_compatible=True))
    worst = _compare(today, ours)
    REPORT[f"demo/{engine}"] = worst
    assert worst < TOL


@pytest.mark.parametrize("engine", list(PRODUCERS))
def test_seeded_50k_sdmetrics_mode(engine: str) -> None:
    frames, schema, enc = seeded()
    ours = _compat_scores(frames, schema, PRODUCERS[engine], _pandas_sources)
    worst = _compare(_today(enc, Options(sdmetrics_compatible=True)), ours)
    REPORT[f"50k/{engine}"] = worst
    assert worst < TOL


def test_parquet_path_through_duckdb(tmp_path) -> None:
    frames, schema, enc = seeded()

    def files(frame: pd.DataFrame, name: str) -> list[str]:
        paths = []
        for i, part in enumerate(_parts(frame, 3 if name == "real" else 4)):
            path = tmp_path / f"{name}_{i}.parquet"
            part.to_parquet(path, index=False)
            paths.append(str(path))
        return paths

    ours = _compat_scores(frames, schema, duckdb_pairs, files)
    worst = _compare(_today(enc, Options(sdmetrics_compatible=True)), ours)
    assert worst < TOL
    assert any(HOSTILE in key for key in ours)


@pytest.mark.parametrize("engine", list(PRODUCERS))
def test_spearman_exact_from_value_pair_counts(engine: str) -> None:
    frames, schema, enc = seeded()
    numbers, _ = pandas_pairs.pair_keys(schema)
    producer = PRODUCERS[engine]
    states = {
        name: _merged([producer.number_states(p, schema, numbers, True)
                       for p in _parts(frames[name], 5)])
        for name in ("real", "synthetic")
    }  # fmt: skip
    today = correlations(enc, Options(correlation="spearman"), list(enc.analysed), bounds=False)
    worst = 0.0
    for key, pair in today.items():
        mine = correlation_similarity_from(states["real"], states["synthetic"], key, True)
        assert mine.error is None and pair.error is None
        worst = max(worst, abs(pair.real - mine.real), abs(pair.synthetic - mine.synthetic))
    REPORT[f"spearman/{engine}"] = worst
    assert worst < TOL


def test_synthlens_quantile_tables_with_edges_as_input() -> None:
    """SynthLens mode cuts numbers at real quantiles: given those edges, the states' tables
    score as pair_quantiles' tables do."""
    frames, schema, enc = seeded()
    cols = list(enc.analysed)
    tables = pair_quantiles.build(enc, cols, 0.95, no_progress)
    numbers, others = pandas_pairs.pair_keys(schema)
    binnings = {c: quantile_binning(e) for c, e in tables.edges.items()}
    sides = [
        _merged([duckdb_pairs.table_states(p, schema, others, binnings) for p in _parts(f, 6)])
        for f in (frames["real"], frames["synthetic"])
    ]
    worst = 0.0
    for a, b in others:
        kinds = tuple(None if c in tables.edges else kind_of(schema, c) for c in (a, b))
        mine = contingency_similarity_from(sides[0], sides[1], (a, b), kinds)  # type: ignore[arg-type]
        want = contingency_similarity(tables.real[(a, b)], tables.synthetic[(a, b)])
        worst = max(worst, abs(want - mine.score))
    REPORT["synthlens-quantile/duckdb"] = worst
    assert worst < TOL


def test_merge_order_does_not_matter() -> None:
    frames, schema, _ = seeded()
    numbers, others = pandas_pairs.pair_keys(schema)
    parts = _parts(frames["real"], 11)
    first = [pandas_pairs.number_states(p, schema, numbers) for p in parts]
    binnings = _sdmetrics_binnings(True)(_merged(first))
    states = [merge(f, pandas_pairs.table_states(p, schema, others, binnings))
              for f, p in zip(first, parts, strict=True)]  # fmt: skip
    orders = [_merged(states, seed) for seed in range(4)]
    base = orders[0]
    for other in orders[1:]:
        assert other.tables == base.tables and other.ranges == base.ranges
        for key, m in base.moments.items():
            o = other.moments[key]
            assert o.n == m.n
            # Means sit on the first partition's pivot, which the order decides.
            assert o.pivot_x + o.mean_x == pytest.approx(m.pivot_x + m.mean_x, rel=1e-12)
            for f in ("m2x", "m2y", "cxy"):
                assert getattr(o, f) == pytest.approx(getattr(m, f), rel=1e-12, abs=1e-12)
    whole = pandas_pairs.number_states(frames["real"], schema, numbers)
    for key, m in whole.moments.items():
        assert base.moments[key].cxy == pytest.approx(m.cxy, rel=1e-11, abs=1e-9)


def test_report_figures() -> None:
    """Prints the measured maxima (run with -s); always passes once the others have."""
    print({k: f"{v:.2e}" for k, v in REPORT.items()})
