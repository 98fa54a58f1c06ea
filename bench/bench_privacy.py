"""Benchmark: SynthLens privacy (DCR, exact copies, NNDR) against sdmetrics' DCR metric.

Usage::

    .venv/bin/python bench/bench_privacy.py                 # 100,000 x 100,000 + sdmetrics 5,000
    .venv/bin/python bench/bench_privacy.py --rows 20000 --sdmetrics-rows 1000
    .venv/bin/python bench/bench_privacy.py --skip-sdmetrics
    .venv/bin/python bench/bench_privacy.py --report-table --rows 100000 [--no-privacy]

``--report-table`` times the privacy metric and the privacy attacks separately on the table the
report benchmark uses (bench/synth_table.py, seed 1, a holdout of a fifth of the rows, seed 2,
encoded as bench_report.py encodes it), with each part's wall and CPU time (CPU time counts
both cores and moves less than wall time when other work shares the machine).

The table: 20 columns (12 numerical with correlations, 5% missing in two of them, 2 whole-number
columns, 1 datetime, 7 categorical with 2-20 levels). "Synthetic" is an independent sample of the
same distribution with a quarter of its rows replaced by copies of training rows, so the
measured DCR share should be about 0.5 + 0.25 / 2 = 0.625 for both implementations.

sdmetrics 0.32 has ``DCROverfittingProtection`` (synthetic vs training vs holdout, a Gower-like
distance: range-scaled absolute differences capped at 1, averaged over columns, pandas cross
joins in chunks of 1,000). It is timed on ``--sdmetrics-rows`` rows per set; SynthLens on the
same rows, then on ``--rows`` x ``--rows`` without a holdout (half of the real rows split off).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metrics.encode import encode  # noqa: E402
from metrics.options import Options  # noqa: E402
from metrics.privacy import compute_privacy, info  # noqa: E402
from metrics.schema import ColumnSpec, Kind, Schema  # noqa: E402


def make_table(n: int, seed: int) -> pd.DataFrame:
    """A mixed-type table with correlated columns (same distribution for every seed)."""
    rng = np.random.default_rng(seed)
    mix = np.random.default_rng(12345).normal(size=(12, 12)) / 3.5  # fixed across seeds
    z = rng.normal(size=(n, 12)) @ mix
    out = {f"x{i}": z[:, i] * (i + 1) + 10 * i for i in range(12)}
    out["x0"] = np.round(np.abs(out["x0"]) * 3)  # a whole, non-negative count
    out["x1"] = np.round(out["x1"] * 100)
    for col in ("x2", "x3"):
        out[col][rng.random(n) < 0.05] = np.nan
    out["when"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(
        np.round(np.abs(z[:, 4]) * 200), unit="D"
    )
    for k, levels in enumerate((2, 3, 4, 5, 8, 12, 20)):
        col = z[:, 5 + k] + rng.normal(size=n)  # related to the numbers, not a function of them
        cut = np.quantile(col, np.linspace(0, 1, levels + 1)[1:-1])
        out[f"c{k}"] = np.array([f"level{j}" for j in range(levels)])[np.digitize(col, cut)]
    return pd.DataFrame(out)


def schema_of(df: pd.DataFrame) -> Schema:
    kinds = {"when": Kind.DATETIME}
    return Schema(
        [
            ColumnSpec(c, kinds.get(c, Kind.CATEGORICAL if c.startswith("c") else Kind.NUMERICAL))
            for c in df.columns
        ]
    )


def with_copies(synthetic: pd.DataFrame, real: pd.DataFrame, share: float, seed: int):
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(synthetic), int(share * len(synthetic)), replace=False)
    src = rng.choice(len(real), len(rows), replace=False)
    out = synthetic.copy()
    out.iloc[rows] = real.iloc[src].to_numpy()
    return out.astype(synthetic.dtypes.to_dict())


def sdmetrics_metadata(df: pd.DataFrame) -> dict:
    sd = {Kind.NUMERICAL: "numerical", Kind.DATETIME: "datetime", Kind.CATEGORICAL: "categorical"}
    cols = {}
    for spec in schema_of(df).columns:
        cols[spec.name] = {"sdtype": sd[spec.kind]}
        if spec.kind is Kind.DATETIME:
            cols[spec.name]["datetime_format"] = "%Y-%m-%d"
    return {"columns": cols}


def bench_sdmetrics(n: int) -> None:
    from sdmetrics.single_table import DCROverfittingProtection

    train, holdout = make_table(n, 1), make_table(n, 2)
    synthetic = with_copies(make_table(n, 3), train, 0.25, 4)
    t0 = time.perf_counter()
    sd = DCROverfittingProtection.compute_breakdown(
        train, synthetic, holdout, sdmetrics_metadata(train), None
    )
    t_sd = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = compute_privacy(encode(train, synthetic, schema_of(train), holdout), Options())
    t_ours = time.perf_counter() - t0
    share_sd = sd["synthetic_data_percentages"]["closer_to_training"]
    print(f"{n:,} x {n:,} (+ {n:,} holdout rows):")
    print(f"  sdmetrics DCROverfittingProtection: {t_sd:8.2f} s  closer_to_training={share_sd:.3f}")
    found = info(res)
    print(
        f"  SynthLens privacy:                  {t_ours:8.2f} s  dcr_share={found.dcr_share:.3f}"
        f"  (plus exact copies: {found.exact_copies:,}, NNDR)"
    )
    print(f"  speed-up: {t_sd / t_ours:.0f}x")


def bench_large(n: int) -> None:
    real = make_table(n, 1)
    synthetic = with_copies(make_table(n, 3), real, 0.25, 4)
    schema = schema_of(real)
    t0 = time.perf_counter()
    enc = encode(real, synthetic, schema)
    t_enc = time.perf_counter() - t0
    cpu0, t0 = time.process_time(), time.perf_counter()
    res = compute_privacy(enc, Options())
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    ex = info(res)
    print(
        f"{n:,} x {n:,} rows, {real.shape[1]} columns, no holdout (half the real rows split off):"
    )
    print(f"  encode: {t_enc:.2f} s; privacy: {wall:.2f} s wall, {cpu:.2f} s CPU")
    print(
        f"  exact copies {ex.exact_copies:,} ({ex.exact_copy_rate:.1%}), "
        f"dcr_share {ex.dcr_share:.3f} (expected {ex.dcr_expected:.3f}), "
        f"score {res.score:.3f}, rows searched {ex.n_searched:,}"
    )
    print(f"  {ex.sample_note or 'no subsampling of synthetic or real rows'}")


def _timed(run, label: str) -> None:
    """Run ``run(progress)`` and print the wall and CPU time between its progress messages."""
    marks = [(time.perf_counter(), time.process_time(), "start")]
    last = [""]

    def progress(_fraction: float, message: str) -> None:
        step = message.split(":")[0] + ":" + message.split(":")[1] if ":" in message else message
        if step != last[0]:
            last[0] = step
            marks.append((time.perf_counter(), time.process_time(), step))

    run(progress)
    marks.append((time.perf_counter(), time.process_time(), "end"))
    t0, c0 = marks[0][:2]
    print(f"  {label}: {marks[-1][0] - t0:.2f} s wall, {marks[-1][1] - c0:.2f} s CPU")
    marks[0] = (t0, c0, "(before the first progress message)")
    for (t1, c1, step), (t2, c2, _) in zip(marks, marks[1:], strict=False):
        print(f"    {step:<50} {t2 - t1:7.2f} s wall {c2 - c1:7.2f} s CPU")


def bench_report_table(n: int, privacy: bool, attacks: bool) -> None:
    from bench.synth_table import make_pair
    from metrics.privacy_attacks import MAX_ATTACKER_ROWS, compute_attacks

    real, synthetic, schema = make_pair(n, seed=1)
    holdout, _, _ = make_pair(max(n // 5, 1000), seed=2)
    enc = encode(real, synthetic, schema, holdout)
    print(f"{n:,} real x {n:,} synthetic x {real.shape[1]} columns, {holdout.shape[0]:,} holdout:")
    if privacy:
        _timed(lambda p: compute_privacy(enc, Options(), p), "compute_privacy")
    if attacks:
        label = f"compute_attacks (2,000 attacks, attacker rows capped at {MAX_ATTACKER_ROWS:,})"
        _timed(lambda p: compute_attacks(enc, Options(), p), label)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sdmetrics-rows", type=int, default=5_000)
    parser.add_argument("--skip-sdmetrics", action="store_true")
    parser.add_argument("--report-table", action="store_true", help="time privacy and attacks")
    parser.add_argument("--no-privacy", action="store_true", help="with --report-table")
    parser.add_argument("--no-attacks", action="store_true", help="with --report-table")
    args = parser.parse_args()
    if args.report_table:
        bench_report_table(args.rows, not args.no_privacy, not args.no_attacks)
        return
    if not args.skip_sdmetrics:
        bench_sdmetrics(args.sdmetrics_rows)
    bench_large(args.rows)


if __name__ == "__main__":
    main()
