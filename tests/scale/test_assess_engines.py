"""The report on the large-data engines (issue 16): exact metrics over every row equal the
in-memory suite's, whatever the sample; what is sampled is said; the CLI picks and reports."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engines.assess import assess_files, assess_sources
from engines.base import sample_positions
from engines.duckdb_engine import DuckDBEngine
from engines.pandas_engine import PandasEngine
from metrics.options import Options
from metrics.scale_info import EXACT_METRICS
from metrics.suite import assess
from tests import demo_pair
from tests.scale.test_pair_states import HOSTILE, KINDS, _table

ROOT = Path(__file__).resolve().parents[2]
TOL = 1e-9
# The sampled families are not what these tests compare: skipping them keeps the tests fast.
SAMPLED = frozenset({"detection", "utility", "privacy", "privacy_attacks", "row_flags",
                     "subgroups", "rules", "wasserstein_similarity"})  # fmt: skip


def _files(tmp: Path, frames: dict[str, pd.DataFrame | None]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for role, frame in frames.items():
        if frame is None:
            out[role] = None
            continue
        path = tmp / f"{role}.parquet"
        # Several row groups: the engine must read a file in pieces and keep the order.
        frame.to_parquet(path, index=False, row_group_size=max(1, len(frame) // 5))
        out[role] = str(path)
    return out


def _column_scores(a, name: str) -> dict[str, float]:
    d = a.results[name].details
    return dict(zip(d["column"].astype(str), d["score"].astype(float), strict=True))


def _pair_scores(a) -> dict[tuple[str, str], float]:
    d = a.results["pair_trends"].details
    keys = zip(d["column_a"].astype(str), d["column_b"].astype(str), strict=True)
    return dict(zip(keys, d["score"].astype(float), strict=True))


def _gap(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max(
        (0.0 if np.isnan(a[k]) and np.isnan(b[k]) else abs(a[k] - b[k]) for k in a), default=0.0
    )


def _worst(today, ours, pairs: bool = True) -> float:
    worst = 0.0
    for name in EXACT_METRICS:
        if name == "pair_trends":
            if pairs:
                worst = max(worst, _gap(_pair_scores(today), _pair_scores(ours)))
        else:
            worst = max(worst, _gap(_column_scores(today, name), _column_scores(ours, name)))
        if pairs or name != "pair_trends":
            worst = max(worst, abs(today.results[name].score - ours.results[name].score))
    return worst


@pytest.mark.parametrize("compat", [False, True])
def test_demo_on_duckdb_equals_the_in_memory_report(tmp_path, compat) -> None:
    """Nothing sampled (the demo is small): every family, not only the exact ones, matches."""
    paths = _files(tmp_path, demo_pair.frames())
    back = {r: pd.read_parquet(p) for r, p in paths.items() if p}
    options = Options(sdmetrics_compatible=compat, skip=SAMPLED - {"privacy"})
    today = assess(back["real"], back["synthetic"], back["holdout"], options=options)
    ours = assess_files(paths, "duckdb", options=options).assessment
    assert _worst(today, ours) < TOL
    for family, score in today.scores.items():
        assert ours.scores[family] == pytest.approx(score, abs=TOL), family
    assert ours.scale is not None and not ours.scale.sampled_any
    assert ours.scale.rows == {"real": 161, "synthetic": 600, "holdout": 54}
    assert "nothing was sampled" in ours.scale.sample_words()
    # The exact copies agree with the privacy metric's own count.
    privacy = today.results["privacy"].extra
    assert ours.scale.copies.exact_copies == privacy.exact_copies


@functools.lru_cache(maxsize=1)
def _seeded() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(16)
    real, syn = _table(rng, 50_000, 0.0), _table(rng, 37_000, 0.3)
    syn.iloc[:40] = real.iloc[:40].to_numpy()  # planted exact copies
    return {"real": real, "synthetic": syn}


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_exact_metrics_cover_every_row_when_the_rest_is_sampled(tmp_path, engine) -> None:
    """A 10,000-row sample of a 50k/37k pair: column shapes, missing values, coverage,
    validity and (sdmetrics-compatible) pair trends equal the in-memory run on all rows."""
    frames = _seeded()
    options = Options(sdmetrics_compatible=True, skip=SAMPLED)
    from bench.synth_table import schema_of

    schema = schema_of(KINDS)
    today = assess(frames["real"], frames["synthetic"], schema=schema, options=options)
    paths = _files(tmp_path, dict(frames))
    sources = paths if engine == "duckdb" else frames
    eng = DuckDBEngine() if engine == "duckdb" else PandasEngine()
    ours = assess_sources(sources, eng, schema, options, sample_rows=10_000).assessment
    assert _worst(today, ours) < TOL
    scale = ours.scale
    assert scale.sample_rows == {"real": 10_000, "synthetic": 10_000}
    assert scale.rows == {"real": 50_000, "synthetic": 37_000}
    assert scale.copies.exact_copies >= 40
    assert "From a seeded sample (10,000 real, 10,000 synthetic" in scale.sample_words()
    assert any(HOSTILE in key for key in _pair_scores(ours))


def test_synthlens_mode_pairs_counted_over_every_row(tmp_path) -> None:
    """SynthLens mode with nothing sampled equals the in-memory run pair by pair; sampled,
    the score is the exact pairs' weighted mean (the weights come from the sample)."""
    frames = {k: v.iloc[:6_000] for k, v in _seeded().items()}
    from bench.synth_table import schema_of

    schema, options = schema_of(KINDS), Options(skip=SAMPLED)
    today = assess(frames["real"], frames["synthetic"], schema=schema, options=options)
    whole = assess_sources(frames, DuckDBEngine(), schema, options).assessment
    assert _worst(today, whole) < TOL
    sampled = assess_sources(frames, DuckDBEngine(), schema, options, sample_rows=2_000)
    res = sampled.assessment.results["pair_trends"]
    d = res.details[res.details["score"].notna() & (res.details["weight"] > 0)]
    assert res.score == pytest.approx(np.average(d["score"], weights=d["weight"]), abs=TOL)
    assert "weights" in sampled.assessment.scale.notes["pair_trends"]


def test_every_engine_draws_the_same_rows(tmp_path) -> None:
    frame = _seeded()["real"]
    (path,) = [p for p in _files(tmp_path, {"real": frame}).values() if p]
    pos = sample_positions(len(frame), 1_000, 7, "real")
    assert np.all(np.diff(pos) > 0) and len(pos) == 1_000
    ours = DuckDBEngine().sample(path, pos)
    want = PandasEngine().sample(pd.read_parquet(path), pos)
    pd.testing.assert_frame_equal(ours, want)
    other = sample_positions(len(frame), 1_000, 7, "synthetic")
    assert not np.array_equal(pos, other)  # each side its own draw


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), "report", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)  # fmt: skip


def test_cli_duckdb_reports_what_is_exact_and_what_is_sampled(tmp_path) -> None:
    frames = {k: v.iloc[:3_000] for k, v in _seeded().items()}
    paths = _files(tmp_path, dict(frames))
    out, html = tmp_path / "r.json", tmp_path / "r.html"
    done = _cli("--real", paths["real"], "--synthetic", paths["synthetic"], "--engine",
                "duckdb", "--sample-rows", "1000", "--json", str(out), "--html", str(html),
                "--skip", "privacy_attacks", "--skip", "utility", "--skip", "subgroups")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Exact over all rows (3,000 real, 3,000 synthetic)" in done.stderr
    report = json.loads(out.read_text())
    scale = report["scale"]
    assert scale["engine"] == "duckdb" and scale["sample_rows"]["real"] == 1_000
    assert scale["exact_copies"]["copies"] >= 40
    on = {m["name"]: m["computed_on"] for m in report["metrics"]}
    assert on["column_shapes"] == "all rows" and on["detection"] == "sample"
    assert "From a seeded sample (1,000 real" in html.read_text()


def test_cli_refuses_a_broken_parquet_file_in_one_line(tmp_path) -> None:
    bad = tmp_path / "real.parquet"
    bad.write_bytes(b"PAR1 this is not a parquet file PAR1")
    good = _files(tmp_path, {"synthetic": _seeded()["synthetic"].iloc[:500]})["synthetic"]
    done = _cli("--real", str(bad), "--synthetic", good, "--engine", "duckdb",
                "--json", str(tmp_path / "r.json"))  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ") and "real" in done.stderr.lower()


def test_auto_engine_picks_duckdb_for_inputs_too_large_for_memory(tmp_path) -> None:
    import cli_engines

    small = tmp_path / "a.parquet"
    small.write_bytes(b"x" * 1000)
    csv = tmp_path / "b.csv"
    csv.write_bytes(b"x" * 1000)
    assert cli_engines.auto_engine([str(small), str(csv)], 10**9, 500 << 20)[0] == "pandas"
    engine, why = cli_engines.auto_engine([str(small), str(csv)], 40_000, 500 << 20)
    assert engine == "duckdb" and "in memory" in why
    assert cli_engines.auto_engine([str(small)], 10**12, 999)[0] == "duckdb"  # past the reader
    xlsx = tmp_path / "c.xlsx"
    xlsx.write_bytes(b"x" * 10_000)
    assert cli_engines.auto_engine([str(xlsx)], 1, 1)[0] == "pandas"  # only in memory


def test_csv_files_are_read_as_uploads_are(tmp_path) -> None:
    """A CSV goes through the upload reader's guarantees on its way to DuckDB: the scores
    equal the in-memory run on read_table's frames, and a ragged row is refused by line."""
    from metrics.io import InputError, read_table

    frames = {k: v.iloc[:2_000] for k, v in _seeded().items()}
    paths = {}
    for role, frame in frames.items():
        paths[role] = tmp_path / f"{role}.csv"
        frame.to_csv(paths[role], index=False)
    options = Options(skip=SAMPLED)
    back = {r: read_table(str(p)) for r, p in paths.items()}
    today = assess(back["real"], back["synthetic"], options=options)
    ours = assess_files(paths, "duckdb", options=options).assessment
    assert _worst(today, ours) < TOL
    ragged = tmp_path / "ragged.csv"
    text = paths["synthetic"].read_text().splitlines()
    text[1500] += ",extra"
    ragged.write_text("\n".join(text) + "\n")
    with pytest.raises(InputError, match="1501|1,501"):
        assess_files({"real": paths["real"], "synthetic": ragged}, "duckdb", options=options)


def test_synthlens_pair_similarities_over_every_row_when_sampled(tmp_path) -> None:
    """SynthLens mode, sampled: each pair's similarity over all rows is the in-memory run's
    (the decile edges come from the same every-k-th real rows), for every pair that run
    scores by its similarity."""
    from bench.synth_table import schema_of
    from engines.assess import open_sources
    from engines.exact import exact_figures
    from metrics.encode import encode

    frames = _seeded()
    schema, options = schema_of(KINDS), Options(skip=SAMPLED)
    today = assess(frames["real"], frames["synthetic"], schema=schema, options=options)
    opened = open_sources(_files(tmp_path, dict(frames)), DuckDBEngine(), 5_000, 0)
    s = opened.samples
    enc = encode(s["real"], s["synthetic"], schema)
    figures = exact_figures(opened.engine, opened.sources, schema, enc, options)
    d = today.results["pair_trends"].details
    own = d["weight"].gt(0) & (d["shape"].isna() | d["shape"].ne(d["score"]))
    compared = 0
    for _, row in d[own & d["error"].isna()].iterrows():
        fig = figures.pairs.get((row["column_a"], row["column_b"]))
        if fig is None:  # a calendar-part pair: from the sample
            continue
        assert fig.score == pytest.approx(row["score"], abs=TOL), (row["column_a"], row["column_b"])
        compared += 1
    assert compared >= 10
