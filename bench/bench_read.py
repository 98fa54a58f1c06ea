"""Time and peak memory of reading a large CSV through ``metrics.io.read_table``.

Generates a realistic 1,000,000-row x 20-column CSV (about 150 MB: ints, floats with NaN,
categories, a boolean, a date, a ZIP-like code with leading zeros, an e-mail) into a temporary folder, then
reads it in a fresh subprocess per measurement so each peak RSS (``ru_maxrss``) is its own:

- ``path``: ``read_table(path)`` (the command line);
- ``bytes``: the file's bytes read into memory first, then ``read_table(data, name)`` (a browser
  upload; Streamlit holds those bytes too, so they count);
- ``pandas-c`` / ``pandas-pyarrow``: plain ``pd.read_csv`` with each engine, for comparison.

Usage: ``python bench/bench_read.py [--rows N] [--skip-engines]``. Uses one core, except the
pyarrow engine comparison, which runs its own thread pool for a few seconds.
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

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 250_000


def _chunk(rng: np.random.Generator, start: int, n: int) -> dict[str, np.ndarray]:
    cities = np.array(["Paris", "Lyon", "Lille", "Nantes", "Nice", "Rennes", "Brest", "Metz"])
    segments = np.array(["retail", "sme", "corporate", "private", "public"])
    income = rng.lognormal(10.5, 0.6, n).round(2)
    income[rng.random(n) < 0.05] = np.nan
    days = rng.integers(0, 3650, n).astype("timedelta64[D]") + np.datetime64("2014-01-01")
    segment = segments[rng.integers(0, len(segments), n)].astype(object)
    segment[rng.random(n) < 0.03] = ""
    return {
        "customer_id": np.arange(start, start + n),
        "age": rng.integers(18, 90, n),
        "income": income,
        "balance": rng.normal(2500, 4000, n).round(4),
        "credit_score": rng.integers(300, 851, n),
        "city": cities[rng.integers(0, len(cities), n)],
        "segment": segment,
        "is_active": rng.random(n) < 0.7,
        "signup_date": np.datetime_as_string(days, unit="D"),
        "zip_code": np.char.zfill(rng.integers(1000, 99999, n).astype(str), 5),
        "n_products": rng.poisson(2.0, n),
        "tenure_months": rng.integers(0, 240, n),
        "monthly_spend": rng.gamma(2.0, 150.0, n).round(2),
        "churn_prob": rng.random(n).round(6),
        "last_login_days": rng.exponential(20, n).round(3),
        "num_complaints": rng.poisson(0.3, n),
        "discount_rate": np.where(rng.random(n) < 0.2, np.nan, rng.random(n).round(3)),
        "email": np.char.add(
            np.char.add("user", rng.integers(0, 10**7, n).astype(str)), "@example.com"
        ),
        "latitude": rng.uniform(42.0, 51.0, n).round(6),
        "longitude": rng.uniform(-4.5, 8.0, n).round(6),
    }


def generate(path: Path, rows: int, seed: int = 0) -> None:
    """Write the benchmark CSV in chunks (pandas' writer; keeps generation memory small)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        for i, start in enumerate(range(0, rows, CHUNK)):
            frame = pd.DataFrame(_chunk(rng, start, min(CHUNK, rows - start)))
            frame.to_csv(fh, index=False, header=i == 0)


def _rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    VmHWM belongs to this process's own address space; ``ru_maxrss`` can carry over the
    parent's peak through fork/exec, so it is only the fallback off Linux.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(mode: str, path: str) -> dict[str, float]:
    """Run in a fresh process: read once, report seconds and memory (MiB)."""
    import pandas as pd

    from metrics import io

    base = _rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    if mode == "path":
        frame = io.read_table(path)
    elif mode == "bytes":
        data = Path(path).read_bytes()
        frame = io.read_table(data, Path(path).name)
    elif mode == "pandas-c":
        frame = pd.read_csv(path, engine="c")
    elif mode == "pandas-pyarrow":
        frame = pd.read_csv(path, engine="pyarrow")
    else:
        raise SystemExit(f"unknown mode {mode}")
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - c0,
        "base_mb": base,
        "peak_mb": _rss_mb(),
        "frame_mb": frame.memory_usage(deep=True).sum() / 2**20,
        "rows": len(frame),
        "cols": frame.shape[1],
        "object_cols": frame.select_dtypes(include="object").shape[1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-engines", action="store_true", help="only read_table")
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--generate", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    if args.generate:
        generate(Path(args.generate), args.rows)
        return

    modes = ["path", "bytes"] + ([] if args.skip_engines else ["pandas-c", "pandas-pyarrow"])
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "bench.csv"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        t0 = time.perf_counter()
        # Each step in its own process, so this one stays small and no peak is inherited.
        cmd = [sys.executable, __file__, "--rows", str(args.rows)]
        subprocess.run([*cmd, "--generate", str(csv_path)], check=True, env=env)
        size = csv_path.stat().st_size
        print(
            f"generated {args.rows:,} rows x 20 columns: {size / 2**20:.1f} MiB "
            f"({size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        columns = (
            ("seconds", lambda r: f"{r['seconds']:.2f}"),
            ("cpu s", lambda r: f"{r['cpu_seconds']:.2f}"),
            ("base MB", lambda r: f"{r['base_mb']:.0f}"),
            ("peak MB", lambda r: f"{r['peak_mb']:.0f}"),
            ("peak-base", lambda r: f"{r['peak_mb'] - r['base_mb']:.0f}"),
            ("frame MB", lambda r: f"{r['frame_mb']:.0f}"),
            ("obj cols", lambda r: str(r["object_cols"])),
        )
        print(f"{'mode':<16}" + "".join(f"{h:>11}" for h, _ in columns))
        for mode in modes:
            out = subprocess.run(
                [*cmd, "--measure", mode, str(csv_path)],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            assert r["rows"] == args.rows and r["cols"] == 20, r
            print(f"{mode:<16}" + "".join(f"{cell(r):>11}" for _, cell in columns))


if __name__ == "__main__":
    main()
