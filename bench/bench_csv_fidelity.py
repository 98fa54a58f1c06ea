"""Like-for-like fidelity from two CSV files, reading included: SynthLens against sdmetrics.

The 20-column pair of ``bench/synth_table.py`` is written to two CSV files once; two fresh
worker processes then time, end to end:

- ``synthlens``: ``metrics.io.read_table`` of both files (pyarrow's reader for large files),
  ``encode`` + column shapes + pair trends in ``sdmetrics_compatible`` mode;
- ``sdmetrics``: ``pd.read_csv`` of both files (``parse_dates`` for the datetime column, which
  sdmetrics needs as datetimes) + ``QualityReport.generate`` with subsampling disabled.

Module imports are not timed; everything from opening the files to the scores is. Each engine
runs ``--repeat`` times (default 3) in fresh processes, the two taking turns, each after a
``--pause`` (default 10 s), and the median run is reported with the range. Each line also gives the reading part of that run, its peak resident memory, and the
largest score difference between the two.

Usage::

    .venv/bin/python bench/bench_csv_fidelity.py --rows 1000000
"""

from __future__ import annotations

import argparse
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

from bench.synth_table import KINDS, make_pair, schema_of  # noqa: E402

DATETIME = [name for name, kind in KINDS.items() if kind.name == "DATETIME"]


def worker(engine: str, real_path: str, synthetic_path: str) -> dict:
    """Read both files and compute the three scores with one engine; time and peak memory."""
    import pandas as pd

    from metrics.encode import encode
    from metrics.io import read_table
    from metrics.options import Options
    from metrics.quality import quality_report, sdmetrics_metadata, sdmetrics_reference

    if engine == "sdmetrics":
        import sdmetrics.reports.single_table  # noqa: F401

    schema = schema_of(KINDS)
    start = time.perf_counter()
    if engine == "synthlens":
        real, synthetic = read_table(real_path), read_table(synthetic_path)
        read = time.perf_counter() - start
        reader = real.attrs["synthlens_read"].get("reader", "pandas")
        scores = quality_report(encode(real, synthetic, schema), Options(sdmetrics_compatible=True))
    else:
        real, synthetic = (
            pd.read_csv(p, parse_dates=DATETIME) for p in (real_path, synthetic_path)
        )
        read, reader = time.perf_counter() - start, "pandas.read_csv"
        scores = sdmetrics_reference(real, synthetic, sdmetrics_metadata(schema))
    return {
        "seconds": time.perf_counter() - start,
        "read_seconds": read,
        "reader": reader,
        "scores": scores,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
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


def _median(runs: list[dict]) -> dict:
    """The run with the median time, with every run's seconds beside it."""
    runs = sorted(runs, key=lambda r: r["seconds"])
    return {**runs[len(runs) // 2], "all_seconds": [r["seconds"] for r in runs]}


def bench(
    rows: int,
    seed: int,
    folder: Path,
    skip_sdmetrics: bool = False,
    repeat: int = 1,
    pause: float = 0.0,
) -> dict:
    real, synthetic, _ = make_pair(rows, seed=seed)
    paths = folder / f"real_{rows}.csv", folder / f"synthetic_{rows}.csv"
    real.to_csv(paths[0], index=False)
    synthetic.to_csv(paths[1], index=False)
    del real, synthetic
    os.sync()  # no write-back of the fresh files competes with the timed reads
    sizes = [p.stat().st_size / 2**20 for p in paths]
    engines = ["synthlens"] + ([] if skip_sdmetrics else ["sdmetrics"])
    runs: dict[str, list[dict]] = {e: [] for e in engines}
    # Fresh workers, the engines taking turns: this machine's speed drifts by 10-20% over
    # minutes, which would otherwise favour whichever engine ran in the faster minutes. Each
    # starts after a pause: for some seconds after a worker exits, the memory it freed is slow
    # to use again (this VM's host takes it back), and a run started at once pays for that
    # (measured: 3.99 s for SynthLens right after an sdmetrics run, 3.08 s after 8 s).
    for _ in range(repeat):
        for engine in engines:
            time.sleep(pause)
            runs[engine].append(_run_worker(engine, *paths))
    result = {"rows": rows, "csv_mb": sizes, **{e: _median(r) for e, r in runs.items()}}
    if not skip_sdmetrics:
        ours, ref = result["synthlens"], result["sdmetrics"]
        result["max_score_diff"] = max(
            abs(ours["scores"][k] - ref["scores"][k]) for k in ref["scores"]
        )
    return result


def _seconds(run: dict) -> str:
    spread = run["all_seconds"]
    if len(spread) == 1:
        return f"{run['seconds']:.2f} s"
    return f"{run['seconds']:.2f} s (median of {len(spread)}: {spread[0]:.2f}-{spread[-1]:.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-sdmetrics", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="fresh runs of each; the median")
    parser.add_argument("--pause", type=float, default=10.0, help="seconds before each run")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return 0
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            r = bench(rows, args.seed, Path(tmp), args.skip_sdmetrics, args.repeat, args.pause)
            results.append(r)
            o = r["synthlens"]
            line = (
                f"{rows:>9,} rows, 2 CSV of {r['csv_mb'][0]:.0f} + {r['csv_mb'][1]:.0f} MiB | "
                f"SynthLens {_seconds(o)}, read {o['read_seconds']:.2f} s ({o['reader']}), "
                f"peak {o['peak_mb']:.0f} MB"
            )
            if "sdmetrics" in r:
                s = r["sdmetrics"]
                line += (
                    f" | sdmetrics {_seconds(s)}, read {s['read_seconds']:.2f} s, "
                    f"peak {s['peak_mb']:.0f} MB | speed {s['seconds'] / o['seconds']:.1f}x, "
                    f"max |score diff| {r['max_score_diff']:.1e}"
                )
            print(line, flush=True)
    print("Scores (SynthLens): " + json.dumps(results[-1]["synthlens"]["scores"]))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    raise SystemExit(main())
