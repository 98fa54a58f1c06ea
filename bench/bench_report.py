"""Time the full SynthLens report (fidelity, detection, flags, privacy, utility) end to end.

    python bench/bench_report.py [--rows 100000 1000000] [--target churned]

Each size runs in its own process so the peak memory is that run's own. Targets (issue 4):
100,000 x 20 within 30 s and 1,000,000 x 20 within 120 s on a 2-core machine. Prints the time of
every metric so a slow one is easy to find.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one(rows: int, target: str | None) -> dict:
    from bench.synth_table import make_pair
    from metrics.encode import encode
    from metrics.options import Options
    from metrics.suite import run

    real, synthetic, schema = make_pair(rows, seed=1)
    holdout, _, _ = make_pair(max(rows // 5, 1000), seed=2)
    start = time.perf_counter()
    enc = encode(real, synthetic, schema, holdout)
    encoded = time.perf_counter() - start
    a = run(enc, Options(target=target))
    total = time.perf_counter() - start
    return {
        "rows": rows,
        "encode_s": round(encoded, 2),
        "total_s": round(total, 2),
        "peak_mb": round(_peak_mb()),
        "metrics_s": {k: round(v, 2) for k, v in a.timings.items()},
        "scores": {k: round(v, 4) for k, v in a.scores.items()},
        "errors": {k: r.error for k, r in a.results.items() if r.error},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--target", default="churned")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one(args.child, args.target)))
        return
    limits = {100_000: 30, 1_000_000: 120}
    for rows in args.rows:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(rows), "--target", args.target],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            print(f"{rows:>9,} rows: failed\n{out.stderr[-2000:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        limit = limits.get(rows)
        met = "met" if limit is not None and r["total_s"] <= limit else "MISSED"
        verdict = "" if limit is None else f" (target {limit} s: {met})"
        print(
            f"{rows:>9,} rows x 20: {r['total_s']:.1f} s total{verdict}, "
            f"encode {r['encode_s']:.1f} s, peak {r['peak_mb']:,} MB"
        )
        for name, secs in sorted(r["metrics_s"].items(), key=lambda kv: -kv[1]):
            print(f"    {name:<16} {secs:6.2f} s")
        print(f"    scores: {r['scores']}")
        if r["errors"]:
            print(f"    errors: {r['errors']}")


if __name__ == "__main__":
    main()
