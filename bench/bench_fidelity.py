"""SynthLens' QualityReport-equivalent scores against sdmetrics' QualityReport: time, memory, scores.

For each row count the generated 20-column pair (``bench/synth_table.py``) is written to
Parquet once; two fresh worker processes then read it and compute

- ``synthlens``: ``encode`` + column shapes + pair trends in ``sdmetrics_compatible`` mode;
- ``sdmetrics``: ``QualityReport.generate`` with its subsampling disabled (so both compute the
  same numbers; with subsampling its pair score changes from run to run).

Reading the files is not timed. Memory is each worker's peak resident set: ``total`` is the
whole process (``ru_maxrss``, data included), ``compute`` the peak above the resident set
after loading (Linux ``clear_refs`` resets the high-water mark first).

Usage::

    .venv/bin/python bench/bench_fidelity.py --rows 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402

from bench.synth_table import KINDS, make_pair, schema_of  # noqa: E402


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def worker(engine: str, real_path: str, synthetic_path: str) -> dict:
    """Load the pair, compute the three scores with one engine, measure time and memory."""
    # Imports first, so that neither engine is timed loading its modules.
    from metrics.encode import encode
    from metrics.options import Options
    from metrics.quality import quality_report, sdmetrics_metadata, sdmetrics_reference

    if engine == "sdmetrics":
        import sdmetrics.reports.single_table  # noqa: F401

    real, synthetic = pd.read_parquet(real_path), pd.read_parquet(synthetic_path)
    # Arrow keeps the buffers it read the files with; give them back so that the resident
    # set after loading is the frames themselves, the same for both engines.
    pa.default_memory_pool().release_unused()
    gc.collect()
    schema = schema_of(KINDS)
    baseline = _status_kb("VmRSS")
    reset = _reset_peak()
    start = time.perf_counter()
    if engine == "synthlens":
        scores = quality_report(encode(real, synthetic, schema), Options(sdmetrics_compatible=True))
    else:
        scores = sdmetrics_reference(real, synthetic, sdmetrics_metadata(schema))
    seconds = time.perf_counter() - start
    peak = _status_kb("VmHWM") if reset else None
    return {
        "seconds": seconds,
        "scores": scores,
        "total_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "compute_mb": (peak - baseline) / 1024 if peak and baseline else None,
    }


def _run_worker(engine: str, real: Path, synthetic: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", engine, str(real), str(synthetic)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench(rows: int, seed: int, folder: Path) -> dict:
    real, synthetic, _ = make_pair(rows, seed=seed)
    paths = folder / f"real_{rows}.parquet", folder / f"synthetic_{rows}.parquet"
    real.to_parquet(paths[0])
    synthetic.to_parquet(paths[1])
    del real, synthetic
    ours = _run_worker("synthlens", *paths)
    ref = _run_worker("sdmetrics", *paths)
    diff = max(abs(ours["scores"][k] - ref["scores"][k]) for k in ref["scores"])
    return {"rows": rows, "synthlens": ours, "sdmetrics": ref, "max_score_diff": diff}


def _fmt_mb(value: float | None) -> str:
    return f"{value:8.0f}" if value is not None else "     n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return 0
    results = []
    print(
        f"{'rows':>9} {'ours s':>8} {'sdm s':>8} {'speed':>7} {'ours MB':>8} {'(comp.)':>8} "
        f"{'sdm MB':>8} {'(comp.)':>8} {'mem':>6} {'max |diff|':>10}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            r = bench(rows, args.seed, Path(tmp))
            results.append(r)
            o, s = r["synthlens"], r["sdmetrics"]
            print(
                f"{rows:>9,} {o['seconds']:8.2f} {s['seconds']:8.2f} "
                f"{s['seconds'] / o['seconds']:6.1f}x {_fmt_mb(o['total_mb'])} "
                f"{_fmt_mb(o['compute_mb'])} {_fmt_mb(s['total_mb'])} {_fmt_mb(s['compute_mb'])} "
                f"{o['total_mb'] / s['total_mb']:6.2f} {r['max_score_diff']:10.1e}",
                flush=True,
            )
    print(
        "speed = sdmetrics time / SynthLens time; mem = SynthLens peak / sdmetrics peak "
        "(whole process). Scores: " + json.dumps(results[-1]["synthlens"]["scores"])
    )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    raise SystemExit(main())
