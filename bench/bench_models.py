"""Benchmark: the model-based metrics (detection and utility) on large tables.

Usage::

    .venv/bin/python bench/bench_models.py                       # 100,000 and 1,000,000 rows
    .venv/bin/python bench/bench_models.py --rows 100000 --threads 2
    .venv/bin/python bench/bench_models.py --max-model-rows 20000

The table is ``bench/synth_table.py``'s realistic 20-column pair (skewed numbers, NaN,
categories of 2 to 2,000 levels, a boolean, a datetime; the synthetic side has typical
generator flaws), so detection has something to find. Utility predicts ``plan`` (four levels, related to the other columns).

Both metrics sample at most ``Options.max_model_rows`` rows per side (50,000 by default), so
their time should barely grow from 100,000 to 1,000,000 rows; the target is well under 30 s each
on this 2-core machine. Wall and CPU seconds are printed. The models run on one OpenMP thread
unless ``SYNTHLENS_MODEL_THREADS`` (``--threads`` here) allows more: when other processes share
the cores, two threads spin waiting for each other and wall time grows far beyond CPU time.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth_table import make_pair  # noqa: E402
from metrics.detection import detect  # noqa: E402
from metrics.detection import info as detection_info  # noqa: E402
from metrics.encode import encode  # noqa: E402
from metrics.features import THREADS_ENV  # noqa: E402
from metrics.options import Options  # noqa: E402
from metrics.utility import evaluate  # noqa: E402
from metrics.utility import info as utility_info  # noqa: E402


def timed(fn, *args):
    """``fn(*args)`` with its wall and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def run(n_rows: int, options: Options) -> dict[str, float]:
    real, synthetic, schema = make_pair(n_rows, seed=options.seed)
    enc, enc_wall, _ = timed(encode, real, synthetic, schema)
    del real, synthetic
    det, det_wall, det_cpu = timed(detect, enc, options)
    util, util_wall, util_cpu = timed(evaluate, enc, options)
    print(
        f"\n{n_rows:,} rows x {len(schema.columns)} columns "
        f"(model rows capped at {options.max_model_rows:,} per side)"
    )
    print(f"  encode      {enc_wall:7.2f} s wall")
    print(
        f"  detection   {det_wall:7.2f} s wall {det_cpu:7.2f} s CPU   AUC {det.raw:.4f}  "
        f"score {det.score:.4f}  rows/side {detection_info(det).n_per_side}"
    )
    top = sorted(detection_info(det).importances.items(), key=lambda kv: -kv[1])[:3]
    print("              gives it away: " + ", ".join(f"{c} {v:.3f}" for c, v in top))
    print(
        f"  utility     {util_wall:7.2f} s wall {util_cpu:7.2f} s CPU   score {util.score:.4f}  "
        f"target {utility_info(util).target} ({utility_info(util).task})"
        + (f"  error: {util.error}" if util.error else "")
    )
    if not util.error:
        d = util.details.set_index(["model", "train"])["f1_macro"]
        print("              macro F1 " + "  ".join(f"{m}/{s} {d[(m, s)]:.3f}" for m, s in d.index))
    return {"detection": det_wall, "utility": util_wall}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--max-model-rows", type=int, default=Options().max_model_rows)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="OpenMP threads the models may use (sets SYNTHLENS_MODEL_THREADS; default 1)",
    )
    args = parser.parse_args(argv)
    options = Options(seed=args.seed, max_model_rows=args.max_model_rows, target="plan")
    if args.threads:
        os.environ[THREADS_ENV] = str(args.threads)
    for n in args.rows:
        run(n, options)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory {peak:,.0f} MB")


if __name__ == "__main__":
    main()
