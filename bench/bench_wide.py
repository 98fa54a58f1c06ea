"""A wide table through the whole suite: 2,000 columns (half numbers, half 5-level categories).

    .venv/bin/python bench/bench_wide.py [--columns 2000] [--rows 50]

Prints the total time, the slowest metrics and the peak memory. Pairs grow with the square of
the columns, so pair trends use a seeded sample of ``metrics.pairs.MAX_PAIR_COLUMNS`` columns.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metrics import suite  # noqa: E402


def frame(rows: int, columns: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            f"c{i}": rng.normal(size=rows) if i % 2 else rng.choice(list("abcde"), rows)
            for i in range(columns)
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--columns", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=50)
    args = parser.parse_args()
    real, synthetic = frame(args.rows, args.columns, 1), frame(args.rows, args.columns, 2)
    start = time.perf_counter()
    a = suite.assess(real, synthetic)
    total = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.rows:,} rows x {args.columns:,} columns: {total:.1f} s, peak {peak:,.0f} MB")
    for name, seconds in sorted(a.timings.items(), key=lambda x: -x[1])[:5]:
        print(f"    {name:<16} {seconds:6.1f} s")


if __name__ == "__main__":
    main()
