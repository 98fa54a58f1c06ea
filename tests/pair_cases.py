"""Relations Pearson and equal-width bins cannot see, planted in scikit-learn's breast cancer
table (569 real rows): a skewed column changed inside one category, a rise then fall that
became a steady rise, a monthly profile that went flat, and honest independent halves.

Each case returns ``(real, synthetic, schema)``; the real side is one half of the table and the
synthetic side the other half (an independent real sample) with the defect planted in it.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer

from bench.synth_table import schema_of
from metrics.schema import Kind

N, C, D = Kind.NUMERICAL, Kind.CATEGORICAL, Kind.DATETIME
KEEP = ["mean radius", "mean texture", "area error", "worst area", "mean smoothness"]


@lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    frame = load_breast_cancer(as_frame=True).frame
    out = frame[KEEP].copy()
    out["diagnosis"] = np.where(frame["target"] == 1, "benign", "malignant")
    return out


def halves(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two disjoint random halves of the table (copies)."""
    table = _table()
    order = np.random.default_rng(seed).permutation(len(table))
    half = len(table) // 2
    return (table.iloc[order[:half]].reset_index(drop=True),
            table.iloc[order[half:]].reset_index(drop=True))  # fmt: skip


def kinds(frame: pd.DataFrame) -> dict[str, Kind]:
    return {c: D if c == "visit" else C if c == "diagnosis" else N for c in frame.columns}


def skewed_by_category(seed: int = 0, factor: float = 2.0):
    """``area error`` (skewed: median 24, maximum 542) multiplied by ``factor`` among the
    benign rows of the synthetic half, so its median there doubles."""
    real, syn = halves(seed)
    benign = syn["diagnosis"] == "benign"
    syn.loc[benign, "area error"] *= factor
    return real, syn, schema_of(kinds(real))


def _rise_then_fall(x: np.ndarray, noise: np.ndarray, peak: float | None) -> np.ndarray:
    u = (pd.Series(x).rank(pct=True)).to_numpy()
    if peak is None:
        f = u
    else:
        f = np.where(u < peak, u / peak, 1 - 0.9 * (u - peak) / (1 - peak))
    return 40 + 30 * f + 6 * noise


def non_monotone(seed: int = 0):
    """``response`` rises then falls with ``mean radius`` in the real half (peak at its 60th
    percentile); in the synthetic half it keeps rising, with noise set so both correlations
    are about the same (0.2)."""
    real, syn = halves(seed)

    def noise(frame: pd.DataFrame) -> np.ndarray:
        t = frame["mean texture"].to_numpy()
        return (t - t.mean()) / t.std()

    real["response"] = _rise_then_fall(real["mean radius"].to_numpy(), noise(real), 0.6)
    r_real = np.corrcoef(real["mean radius"], real["response"])[0, 1]
    base = _rise_then_fall(syn["mean radius"].to_numpy(), noise(syn), None)
    # More noise in the synthetic rise until its correlation matches the real one.
    extra = np.random.default_rng(seed).standard_normal(len(syn))
    for scale in np.linspace(0, 60, 241):
        candidate = base + scale * extra
        if np.corrcoef(syn["mean radius"], candidate)[0, 1] <= r_real:
            break
    syn["response"] = candidate
    return real, syn, schema_of(kinds(real))


def _dates(frame: pd.DataFrame, rng: np.random.Generator, column: str) -> pd.Series:
    """Dates over 2019-2020: rows in the top 15% of ``column`` (with some noise) in July, the
    others in the other months."""
    rank = frame[column].rank(pct=True).to_numpy() + rng.normal(0, 0.03, len(frame))
    july = rank > 0.85
    month = np.where(july, 7, rng.choice([1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12], len(frame)))
    year = rng.choice([2019, 2020], len(frame))
    day = rng.integers(1, 29, len(frame))
    return pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}))


def seasonal(seed: int = 0, shuffled: bool = True):
    """``visit`` dates: ``worst area`` peaks in July in the real half; the synthetic half's
    dates are shuffled among its rows (the profile goes flat), or kept (``shuffled=False``:
    an honest sample)."""
    real, syn = halves(seed)
    rng = np.random.default_rng(seed + 1)
    real["visit"] = _dates(real, rng, "worst area")
    syn["visit"] = _dates(syn, rng, "worst area")
    if shuffled:
        syn["visit"] = rng.permutation(syn["visit"].to_numpy())
    return real, syn, schema_of(kinds(real))


def honest(seed: int = 0):
    """Two independent halves, with a date column unrelated to anything."""
    real, syn = halves(seed)
    rng = np.random.default_rng(seed + 2)
    for frame in (real, syn):
        frame["visit"] = pd.Timestamp("2019-01-01") + pd.to_timedelta(
            rng.integers(0, 730, len(frame)), unit="D"
        )
    return real, syn, schema_of(kinds(real))
