"""The built-in demo pair: real student placement records and a reproducible synthetic version.

The real data is the student placements table that sdmetrics (a dependency) ships; no network is
needed. It is split into a real training part and a real holdout. The synthetic part comes from a
small, seeded generator that resamples real rows with noise, plus a few planted flaws so the demo
has something to find: exact copies of real rows, impossible values, one shifted column and one
under-generated category.

Run ``python demo/make_demo.py OUT_DIR`` to write the three files as CSV.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 7
HOLDOUT_SHARE = 0.25
SYNTHETIC_ROWS = 600
DEMO_NAMES = {
    "real": "student_placements_real.csv",
    "synthetic": "student_placements_synthetic.csv",
    "holdout": "student_placements_holdout.csv",
}


def real_placements() -> pd.DataFrame:
    """The real table shipped with sdmetrics, as read from its CSV."""
    path = resources.files("sdmetrics") / "demos/single_table/student_placements_real.csv"
    with resources.as_file(path) as p:
        return pd.read_csv(p)


def _synthesise(real: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Resample real rows, jitter numbers and dates, and redraw some categories."""
    base = real.iloc[rng.integers(0, len(real), n)].reset_index(drop=True).copy()
    for col in ["second_perc", "high_perc", "degree_perc", "employability_perc", "mba_perc"]:
        noise = rng.normal(0, real[col].std() * 0.6, n)
        base[col] = (base[col] + noise).clip(real[col].min(), real[col].max()).round(2)
    salary = base["salary"] + rng.normal(0, real["salary"].std() * 0.3, n)
    base["salary"] = (salary.clip(lower=real["salary"].min()) / 1000).round() * 1000
    for col in ["gender", "high_spec", "degree_type", "mba_spec", "work_experience"]:
        redraw = rng.random(n) < 0.4
        base.loc[redraw, col] = (
            real[col].sample(int(redraw.sum()), replace=True, random_state=1).to_numpy()
        )
    start = pd.to_datetime(base["start_date"])
    start = start + pd.to_timedelta(rng.integers(-20, 21, n), unit="D")
    start = start.clip(
        pd.to_datetime(real["start_date"]).min(), pd.to_datetime(real["start_date"]).max()
    )
    end = start + pd.to_timedelta((base["duration"].fillna(0) * 30.4).round(), unit="D")
    base["start_date"] = start.dt.strftime("%Y-%m-%d")
    base["end_date"] = end.where(base["duration"].notna()).dt.strftime("%Y-%m-%d")
    base["student_id"] = np.arange(50_000, 50_000 + n)
    return base


def _plant_flaws(synthetic: pd.DataFrame, real: pd.DataFrame, rng: np.random.Generator) -> None:
    n = len(synthetic)
    # A generator that drifts: employability scores come out about 7 points too high.
    top = real["employability_perc"].max()
    synthetic["employability_perc"] = (synthetic["employability_perc"] + 7).clip(upper=top).round(2)
    # It almost never produces the 'Arts' specialisation.
    arts = synthetic.index[synthetic["high_spec"] == "Arts"]
    synthetic.loc[arts[: max(0, len(arts) - 2)], "high_spec"] = "Commerce"
    # Impossible values: negative salaries and percentages above 100.
    bad = rng.choice(n, 6, replace=False)
    synthetic.loc[bad[:3], "salary"] = -25_000.0
    synthetic.loc[bad[3:], "degree_perc"] = 112.5
    # Memorised records: 12 rows copied verbatim from the real training data (new ids only).
    copies = rng.choice(len(real), 12, replace=False)
    rows = rng.choice(np.setdiff1d(np.arange(n), bad), 12, replace=False)
    cols = [c for c in real.columns if c != "student_id"]
    synthetic.loc[rows, cols] = real.iloc[copies][cols].to_numpy()


def demo_tables(seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Real, synthetic and holdout tables of the demo, the same for the same seed."""
    rng = np.random.default_rng(seed)
    full = real_placements()
    order = rng.permutation(len(full))
    n_hold = int(round(len(full) * HOLDOUT_SHARE))
    holdout = full.iloc[np.sort(order[:n_hold])].reset_index(drop=True)
    real = full.iloc[np.sort(order[n_hold:])].reset_index(drop=True)
    synthetic = _synthesise(real, SYNTHETIC_ROWS, rng)
    _plant_flaws(synthetic, real, rng)
    return {"real": real, "synthetic": synthetic, "holdout": holdout}


def demo_csv_bytes(seed: int = SEED) -> dict[str, bytes]:
    """The demo tables as CSV bytes, so the app reads them through the same reader as uploads."""
    return {role: df.to_csv(index=False).encode() for role, df in demo_tables(seed).items()}


def main(out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for role, data in demo_csv_bytes().items():
        (out / DEMO_NAMES[role]).write_bytes(data)
        print(f"wrote {out / DEMO_NAMES[role]}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "demo/data")
