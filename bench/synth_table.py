"""A realistic 20-column real table and a synthetic counterpart with realistic imperfections.

Used by the benchmarks and by tests that need a table shaped like the ones analysts bring:
skewed and heavy-tailed numbers, integers, missing values, categories of 2 to 2,000 levels
(Zipf-distributed, so the long tail is rare), a boolean and a datetime, with relations between
columns. The synthetic side is drawn from the same process with the flaws generators typically
have: slightly wrong spreads, weakened relations, rare categories never generated, a
missing-rate gap, a narrower date range and a few values outside the real range or categories.

Everything is deterministic for a given seed. Category columns are ``object`` dtype whose cells
share a small pool of ``str`` objects, as pandas gives after reading Parquet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.schema import ColumnSpec, Kind, Schema

KINDS: dict[str, Kind] = {
    "age": Kind.NUMERICAL,
    "income": Kind.NUMERICAL,
    "balance": Kind.NUMERICAL,
    "n_purchases": Kind.NUMERICAL,
    "score": Kind.NUMERICAL,
    "tenure_months": Kind.NUMERICAL,
    "spend": Kind.NUMERICAL,
    "latitude": Kind.NUMERICAL,
    "discount": Kind.NUMERICAL,
    "signup_date": Kind.DATETIME,
    "gender": Kind.CATEGORICAL,
    "region": Kind.CATEGORICAL,
    "plan": Kind.CATEGORICAL,
    "device": Kind.CATEGORICAL,
    "segment": Kind.CATEGORICAL,
    "occupation": Kind.CATEGORICAL,
    "city": Kind.CATEGORICAL,
    "product_sku": Kind.CATEGORICAL,
    "churned": Kind.BOOLEAN,
    "channel": Kind.CATEGORICAL,
}


def schema_of(kinds: dict[str, Kind]) -> Schema:
    """A :class:`Schema` from a ``{column: kind}`` mapping, in its order."""
    return Schema([ColumnSpec(name, kind) for name, kind in kinds.items()])


def _labels(prefix: str, n_levels: int) -> np.ndarray:
    return np.array([f"{prefix}_{i:04d}" for i in range(n_levels)], dtype=object)


def _exp(x: np.ndarray) -> np.ndarray:
    """``np.exp`` computed the same on every x86 machine. numpy's float64 ``exp`` and ``power``
    take a SIMD path on AVX-512 machines that differs from other machines' in the last bit,
    which changed the seeded tables (and the golden reports built on them) from one machine to
    the next; the long-double libm routines have no such dispatch."""
    return np.exp(np.asarray(x, dtype=np.longdouble)).astype(np.float64)


def _zipf(rng: np.random.Generator, n: int, n_levels: int, a: float, keep: int | None = None):
    """Codes 0..n_levels-1 with Zipf-like frequencies; ``keep`` truncates the tail."""
    p = (1.0 / np.arange(1, n_levels + 1, dtype=np.longdouble) ** a).astype(np.float64)
    if keep is not None:
        p[keep:] = 0.0
    return rng.choice(n_levels, size=n, p=p / p.sum())


def _with_nan(rng: np.random.Generator, values: np.ndarray, rate: float) -> np.ndarray:
    out = values.astype("float64")
    out[rng.random(len(out)) < rate] = np.nan
    return out


def _draw(n: int, rng: np.random.Generator, synthetic: bool) -> pd.DataFrame:
    """One side. ``synthetic`` switches on the imperfections listed in the module docstring."""
    # A latent "affluence" factor drives income, plan, spend and churn, so columns relate.
    latent = rng.standard_normal(n)
    relation = 0.6 if synthetic else 1.0  # synthetic data weakens the relations

    age = np.clip(np.round(41 + 13 * rng.standard_normal(n) + (1.5 if synthetic else 0)), 18, 90)
    income_sigma = 0.8 if synthetic else 0.7
    income = _exp(10.6 + 0.45 * relation * latent + income_sigma * rng.standard_normal(n) * 0.8)
    income = _with_nan(rng, income, 0.05)
    zero = rng.random(n) < 0.25
    balance = np.where(zero, 0.0, rng.lognormal(7.5, 1.4, n) - 300.0).round(2)
    n_purchases = rng.poisson(_exp(1.2 + 0.3 * relation * latent)).astype("int64")
    if synthetic:
        # A few counts beyond anything seen in the real data.
        n_purchases[rng.random(n) < 0.001] += 60
    score = np.round(100 * rng.beta(2.0 + relation * (latent > 0), 3.0, n), 1)
    tenure = np.clip(np.round((age - 18) * 2.5 * rng.random(n)), 0, None).astype("int64")
    noise = 0.25 if not synthetic else 0.6
    spend = np.round(
        np.nan_to_num(income, nan=40000.0) * 0.08 * _exp(noise * rng.standard_normal(n)), 2
    )
    latitude = np.where(
        rng.random(n) < 0.6, 40.7 + rng.standard_normal(n), 34.0 + 2 * rng.standard_normal(n)
    )
    discount = _with_nan(rng, np.round(rng.exponential(0.08, n), 3), 0.25 if synthetic else 0.30)

    start = np.datetime64("2015-01-01T00:00:00", "s").astype("int64")
    span = 9 * 365 * 86400
    offset = rng.random(n) * span
    if synthetic:
        offset = span * 0.06 + offset * 0.94  # the earliest sign-ups are never generated
    signup = pd.to_datetime((start + offset).astype("int64"), unit="s")
    signup = signup.where(rng.random(n) >= 0.02)

    gender = np.array(["F", "M"], dtype=object)[(rng.random(n) < 0.49).astype(int)]
    gender = np.where(rng.random(n) < 0.01, None, gender)
    region_names = np.array(["north", "south", "east", "west", "central"], dtype=object)
    region = region_names[rng.choice(5, size=n, p=[0.3, 0.25, 0.2, 0.15, 0.1])]
    if synthetic:
        region = np.where(rng.random(n) < 0.001, "unknown", region)
    plan_names = np.array(["free", "basic", "plus", "premium"], dtype=object)
    plan_code = np.clip(np.round(1.2 + relation * latent + 0.8 * rng.standard_normal(n)), 0, 3)
    plan = plan_names[plan_code.astype(int)]
    device = np.array(["mobile", "desktop", "tablet"], dtype=object)[
        rng.choice(3, size=n, p=[0.55, 0.35, 0.1] if not synthetic else [0.5, 0.4, 0.1])
    ]
    seg_code = (age // 10).astype(int) % 6 * 2 + (rng.random(n) < 0.5)
    if synthetic:
        seg_code = np.where(rng.random(n) < 0.4, rng.integers(0, 12, n), seg_code)
    segment = _labels("seg", 12)[seg_code]
    occupation = _labels("occ", 30)[_zipf(rng, n, 30, 1.0)]
    city = _labels("city", 200)[_zipf(rng, n, 200, 1.1, keep=170 if synthetic else None)]
    sku = _labels("sku", 2000)[_zipf(rng, n, 2000, 1.05, keep=1500 if synthetic else None)]
    churn_logit = -1.6 - 0.6 * relation * latent - 0.02 * tenure + (0.2 if synthetic else 0.0)
    churned = rng.random(n) < 1 / (1 + _exp(-churn_logit))
    channel = np.array(["organic", "ads", "referral", "partner"], dtype=object)[
        rng.choice(4, size=n, p=[0.4, 0.3, 0.2, 0.1])
    ]

    return pd.DataFrame(
        {
            "age": age.astype("int64"),
            "income": income,
            "balance": balance,
            "n_purchases": n_purchases,
            "score": score,
            "tenure_months": tenure,
            "spend": spend,
            "latitude": latitude,
            "discount": discount,
            "signup_date": signup,
            "gender": gender,
            "region": region,
            "plan": plan,
            "device": device,
            "segment": segment,
            "occupation": occupation,
            "city": city,
            "product_sku": sku,
            "churned": churned,
            "channel": channel,
        }
    )


def make_pair(
    n_rows: int, seed: int = 0, n_synthetic: int | None = None, imperfect: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame, Schema]:
    """A real table, its synthetic counterpart and their schema.

    Parameters
    ----------
    n_rows:
        Rows of the real table.
    seed:
        Seed of the generator; the same seed gives the same frames.
    n_synthetic:
        Rows of the synthetic table (``n_rows`` when omitted).
    imperfect:
        With False the synthetic table is a fresh sample of the real process, a perfect
        generator's output (tests plant their own defects into it).

    Returns
    -------
    real, synthetic, schema
    """
    rng = np.random.default_rng(seed)
    real = _draw(n_rows, rng, synthetic=False)
    synthetic = _draw(n_rows if n_synthetic is None else n_synthetic, rng, synthetic=imperfect)
    return real, synthetic, schema_of(KINDS)
