"""The report past one machine's memory (issue 16): time and peak memory on DuckDB and Spark.

Writes an ``N``-row x 20-column real/synthetic pair (``bench/synth_table.py``, generated in
1M-row chunks with their own seeds, so no step holds the whole table) as Parquet into a cache
folder, then runs ``cli.py report --engine E`` on it in a child process and reports its wall
time and peak resident memory (the child's ``ru_maxrss``; DuckDB's own buffers included).

``--parity`` instead compares, at ``--rows``, every exact metric (column shapes, pair trends,
missing values, coverage, validity: each column's and pair's score and the metric's score) of
the chosen engine with the in-memory pandas suite on the same files, and prints the largest
difference (the tests do the same at 50k rows).

Usage::

    .venv/bin/python bench/bench_scale.py --rows 10000000 --engine duckdb
    .venv/bin/python bench/bench_scale.py --rows 1000000 --engine duckdb --parity
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHUNK = 1_000_000
CACHE = Path("/tmp/synthlens-bench-scale")


def write_pair(rows: int, folder: Path = CACHE) -> tuple[Path, Path]:
    """The pair's Parquet files (made once per row count)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from bench.synth_table import make_pair

    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / f"real_{rows}.parquet", folder / f"synthetic_{rows}.parquet"
    if all(p.exists() for p in paths):
        return paths
    writers: list = [None, None]
    done = 0
    for i in range(-(-rows // CHUNK)):
        n = min(CHUNK, rows - done)
        for k, frame in enumerate(make_pair(n, seed=1000 + i)[:2]):
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writers[k] is None:
                writers[k] = pq.ParquetWriter(str(paths[k]) + ".part", table.schema)
            writers[k].write_table(table, row_group_size=250_000)
        done += n
        print(f"  wrote {done:,} of {rows:,} rows", file=sys.stderr, flush=True)
    for k, w in enumerate(writers):
        w.close()
        Path(str(paths[k]) + ".part").rename(paths[k])
    return paths


def run_report(rows: int, engine: str, sample_rows: int, extra: list[str]) -> dict:
    real, synthetic = write_pair(rows)
    out = CACHE / f"report_{engine}_{rows}.json"
    cmd = [sys.executable, str(ROOT / "cli.py"), "report", "--real", str(real),
           "--synthetic", str(synthetic), "--engine", engine, "--sample-rows",
           str(sample_rows), "--json", str(out), *extra]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"report failed ({done.returncode}): {done.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = json.loads(out.read_text())
    scale = report.get("scale") or {}
    return {
        "rows": rows,
        "engine": engine,
        "sample_rows": sample_rows,
        "wall_s": round(wall, 1),
        "peak_mb": round(peak),
        "overall": report["scores"].get("overall"),
        "timings": {k: round(v, 1) for k, v in (scale.get("timings_seconds") or {}).items()},
        "slowest_metrics": sorted(
            ((round(v, 1), k) for k, v in report["timings_seconds"].items()), reverse=True
        )[:4],  # fmt: skip
    }


def parity(rows: int, engine: str) -> dict:
    """Largest difference of the exact metrics between ``engine`` and the pandas suite."""
    import pandas as pd

    from bench.synth_table import KINDS, schema_of
    from engines.assess import assess_sources, make_engine
    from metrics.options import Options
    from metrics.scale_info import EXACT_METRICS
    from metrics.suite import assess

    real, synthetic = write_pair(rows)
    skip = frozenset({"detection", "utility", "privacy", "privacy_attacks", "row_flags",
                      "subgroups", "rules", "wasserstein_similarity"})  # fmt: skip
    out = {}
    for compat in (True, False):
        options = Options(sdmetrics_compatible=compat, skip=skip)
        schema = schema_of(KINDS)
        start = time.perf_counter()
        frames = pd.read_parquet(real), pd.read_parquet(synthetic)
        today = assess(*frames, schema=schema, options=options)
        t_today = time.perf_counter() - start
        del frames
        start = time.perf_counter()
        ours = assess_sources({"real": str(real), "synthetic": str(synthetic)},
                              make_engine(engine), schema, options).assessment  # fmt: skip
        t_ours = time.perf_counter() - start
        worst: dict[str, float] = {}
        for name in EXACT_METRICS:
            a, b = today.results[name], ours.results[name]
            keys = ["column_a", "column_b"] if name == "pair_trends" else ["column"]
            joined = a.details.merge(b.details, on=keys, suffixes=("_a", "_b"))
            both = joined[["score_a", "score_b"]].astype(float).dropna()
            sketched = ours.scale.sketched if name == "column_shapes" else {}
            exact_rows = (
                both if not sketched else both[~joined.loc[both.index, "column"].isin(sketched)]
            )
            worst[name] = float((exact_rows["score_a"] - exact_rows["score_b"]).abs().max())
            worst[name + " (metric score)"] = abs(float(a.score) - float(b.score))
        worst["sketched_columns"] = dict(ours.scale.sketched)
        worst["sketched_max_gap"] = max(
            (abs(_score(today, c) - _score(ours, c)) for c in ours.scale.sketched), default=0.0
        )
        out["sdmetrics_compatible" if compat else "synthlens"] = {
            "max_abs_difference": worst, "pandas_s": round(t_today, 1),
            f"{engine}_s": round(t_ours, 1)}  # fmt: skip
    return out


def _score(a, column: str) -> float:
    d = a.results["column_shapes"].details
    return float(d.loc[d["column"] == column, "score"].iloc[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000_000])
    parser.add_argument("--engine", choices=["duckdb", "spark", "pandas"], default="duckdb")
    parser.add_argument("--sample-rows", type=int, default=100_000)
    parser.add_argument("--parity", action="store_true")
    parser.add_argument("--spark-master", default=None)
    args = parser.parse_args()
    for rows in args.rows:
        if args.parity:
            print(json.dumps({"rows": rows, **parity(rows, args.engine)}, indent=1), flush=True)
            continue
        extra = ["--spark-master", args.spark_master] if args.spark_master else []
        print(json.dumps(run_report(rows, args.engine, args.sample_rows, extra)), flush=True)


if __name__ == "__main__":
    main()
