"""Column shapes: does each column's distribution look like the real one?

Numerical and datetime columns get the KS complement (``1 - D``, D the two-sample
Kolmogorov-Smirnov statistic), categorical and boolean columns the TV complement (``1 -`` the
total variation distance between the category frequencies). Both equal
``sdmetrics.single_column.KSComplement`` / ``TVComplement`` to within 1e-9, NaN handling
included: missing values are dropped (the ``missing_values`` metric compares them), values are
rounded to 14 decimals before the KS test, and TVComplement's 1e-6 regularisation of
categories only the synthetic data has is kept. The metric's score is the mean over columns,
as sdmetrics' "Column Shapes" property.

Intervals, floors and findings
------------------------------
Each column score gets a 95% interval (``Options.confidence``) and a noise floor, the score an
independent real sample of the synthetic size would get, both from a seeded bootstrap of the
two sides' counts (:mod:`metrics.marginal_noise`); the details table has them as ``low``,
``high``, ``floor`` and ``beyond`` (``floor - high``). The metric's interval is the mean of the
columns' bounds and its floor the mean of their floors. A column gets a finding only when its
whole interval sits below its floor (``beyond > 0``), with a severity from that distance
(:func:`metrics.uncertainty.severity_beyond`). The sentence names the change that happened (a
collapse to one value, a pile-up on a boundary, a lost or new spike, a shift, a spread, or the
category share that moved most; :mod:`metrics.marginal_words`). Intervals and findings are the
same in sdmetrics-compatible mode, whose scores they leave untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.encode import Encoded
from metrics.marginal_noise import (
    Noise,
    column_noise,
    grid_counts,
    ks_distances,
    real_grid,
    tv_distances,
)
from metrics.marginal_stats import (
    category_counts,
    ks_complement,
    ks_statistic,
    quantile_sorted,
    sorted_values,
    tv_complement,
    tv_from_counts,
)
from metrics.marginal_words import (
    continuous_words,
    discrete_words,
    fmt_pair,
    fmt_share,
    fmt_value,
)
from metrics.options import Options
from metrics.pair_stats import parallel_map
from metrics.results import Finding, MetricResult, Progress, no_progress
from metrics.schema import Kind
from metrics.uncertainty import mean_bounds, mean_floor, rng, severity_beyond

NAME = "column_shapes"
ANALYSED_KINDS = (Kind.NUMERICAL, Kind.DATETIME, Kind.CATEGORICAL, Kind.BOOLEAN)


@dataclass
class _Column:
    row: dict
    finding: Finding | None


def _noise_row(noise: Noise | None) -> dict:
    if noise is None:
        return {"low": np.nan, "high": np.nan, "floor": np.nan, "beyond": np.nan}
    return {"low": noise.low, "high": noise.high, "floor": noise.floor, "beyond": noise.beyond}


def _score_text(label: str, score: float, floor: float) -> str:
    """``KS complement 0.63; an independent real sample scores about 0.97``, with the digits
    that tell the two apart and never "1.00" for a number below 1."""
    for digits in (2, 3, 4):
        ts, tf = f"{score:.{digits}f}", f"{floor:.{digits}f}"
        rounded_up = (ts == f"{1:.{digits}f}" and score < 1) or (
            tf == f"{1:.{digits}f}" and floor < 1
        )
        if ts != tf and not rounded_up:
            break
    return f"{label} {ts}; an independent real sample scores about {tf}"


def _finding(
    col: str, score: float, noise: Noise | None, words: Callable[[Noise], str]
) -> Finding | None:
    """A finding when the whole interval is below the floor; ``words(noise)`` says what changed
    (called only then: describing a column reads its values again)."""
    if noise is None:
        return None
    severity = severity_beyond(noise.beyond)
    if severity is None:
        return None
    return Finding(
        kind="marginal",
        severity=severity,
        columns=(col,),
        metric=NAME,
        score=score,
        message=words(noise),
        beyond=noise.beyond,
    )


def _continuous(enc: Encoded, col: str, kind: Kind, options: Options) -> _Column:
    rs = sorted_values(enc.real.numeric[col])
    ss = sorted_values(enc.synthetic.numeric[col])
    stat = ks_statistic(rs, ss)
    score = 1.0 - stat
    row = {
        "score": score,
        "statistic": stat,
        "real_median": quantile_sorted(rs, 0.5),
        "synthetic_median": quantile_sorted(ss, 0.5),
        "real_iqr": quantile_sorted(rs, 0.75) - quantile_sorted(rs, 0.25),
        "synthetic_iqr": quantile_sorted(ss, 0.75) - quantile_sorted(ss, 0.25),
        "n_real": len(rs),
        "n_synthetic": len(ss),
        "error": None if np.isfinite(score) else "no values on one side to compare",
    }
    noise = None
    if np.isfinite(stat) and options.n_boot > 0:
        grid = real_grid(rs)
        gen = rng(options.seed, NAME, col)
        counts = grid_counts(rs, grid), grid_counts(ss, grid)
        noise = column_noise(gen, *counts, ks_distances, stat, options.n_boot, options.confidence)
    row.update(_noise_row(noise))

    def words(n: Noise) -> str:
        text = _score_text("KS complement", score, n.floor)
        return continuous_words(col, kind, rs, ss, stat, text)

    return _Column(row, _finding(col, score, noise, words))


def _discrete(enc: Encoded, col: str, options: Options) -> _Column:
    levels = enc.categories[col]
    cr = category_counts(enc.real.codes[col], len(levels))
    cs = category_counts(enc.synthetic.codes[col], len(levels))
    nr, ns = int(cr.sum()), int(cs.sum())
    row: dict = {"n_real": nr, "n_synthetic": ns, "error": None}
    try:
        score = tv_from_counts(cr, cs)
    except ValueError as exc:
        row.update(score=np.nan, statistic=np.nan, error=str(exc), **_noise_row(None))
        return _Column(row, None)
    pr, ps = cr / nr, cs / ns
    gap = int(np.argmax(np.abs(pr - ps)))
    row.update(
        score=score,
        statistic=1.0 - score,
        top_gap_category=levels[gap],
        top_gap_real=float(pr[gap]),
        top_gap_synthetic=float(ps[gap]),
    )
    noise = None
    if options.n_boot > 0:
        gen = rng(options.seed, NAME, col)
        noise = column_noise(
            gen, cr, cs, tv_distances, 1.0 - score, options.n_boot, options.confidence, tail=True
        )
    row.update(_noise_row(noise))

    def words(n: Noise) -> str:
        return discrete_words(col, levels, cr, cs, _score_text("TV complement", score, n.floor))

    return _Column(row, _finding(col, score, noise, words))


_COLUMNS = [
    "column",
    "kind",
    "metric",
    "score",
    "low",
    "high",
    "floor",
    "beyond",
    "statistic",
    "real_median",
    "synthetic_median",
    "real_iqr",
    "synthetic_iqr",
    "top_gap_category",
    "top_gap_real",
    "top_gap_synthetic",
    "n_real",
    "n_synthetic",
    "error",
]


def column_shapes_table(
    enc: Encoded, progress: Progress = no_progress, options: Options | None = None
) -> tuple[pd.DataFrame, list[Finding]]:
    """Per-column shape scores (one details row per analysed column) and their findings.

    Details columns: column, kind, metric ("KSComplement"/"TVComplement"), score, its interval
    (low, high), noise floor (floor) and ``beyond`` (floor - high; a finding when positive),
    statistic (the KS statistic or TV distance), medians and interquartile ranges (continuous
    columns), the category whose share differs most with both shares (discrete columns), the
    number of non-missing values per side, and error. ``options`` gives the seed, the
    confidence level and the number of bootstrap replicates (``Options()`` when omitted).
    """
    options = options or Options()
    rows, findings = [], []
    columns = enc.analysed

    def one(col: str) -> tuple[str, _Column]:
        kind = enc.schema.kind_of(col)
        metric = "KSComplement" if kind in (Kind.NUMERICAL, Kind.DATETIME) else "TVComplement"
        try:
            if metric == "KSComplement":
                out = _continuous(enc, col, kind, options)
            else:
                out = _discrete(enc, col, options)
        except Exception as exc:  # noqa: BLE001 - one bad column must not abort the others
            out = _Column({"score": np.nan, "error": f"{type(exc).__name__}: {exc}"}, None)
        return metric, out

    for i, (col, (metric, out)) in enumerate(zip(columns, parallel_map(one, columns), strict=True)):
        kind = enc.schema.kind_of(col)
        rows.append({"column": col, "kind": str(kind), "metric": metric, **out.row})
        if out.finding:
            findings.append(out.finding)
        progress((i + 1) / max(1, len(columns)), f"Column shapes: {col}")
    table = pd.DataFrame(rows, columns=_COLUMNS)
    return table, findings


def column_shapes_score(table: pd.DataFrame) -> float:
    """Mean of the column scores, skipping NaN (sdmetrics' "Column Shapes" property)."""
    if table.empty:
        return float("nan")
    return float(table["score"].mean())


def column_shapes_bounds(table: pd.DataFrame) -> tuple[tuple[float, float] | None, float | None]:
    """Interval and floor of the mean score, over the columns that have a score.

    The mean of the columns' bounds and of their floors (:func:`metrics.uncertainty.mean_bounds`):
    each column is resampled on its own, so averaging replicates across columns would treat
    the columns as independent and claim a narrower interval than rows that tie them together
    allow. With these bounds the metric's ``floor - high`` is the mean of the columns'.
    """
    scored = table[np.isfinite(table["score"].to_numpy(dtype=float))] if not table.empty else table
    if scored.empty:
        return None, None
    lows, highs = scored["low"].to_numpy(dtype=float), scored["high"].to_numpy(dtype=float)
    intervals = [
        None if not (np.isfinite(lo) and np.isfinite(hi)) else (float(lo), float(hi))
        for lo, hi in zip(lows, highs, strict=True)
    ]
    return mean_bounds(intervals), mean_floor(scored["floor"].astype(float).tolist())


def column_shapes(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """The ``column_shapes`` metric: KS/TV complement per column, mean as the score, with the
    mean's interval and noise floor."""
    table, findings = column_shapes_table(enc, progress, options)
    score = column_shapes_score(table)
    interval, floor = column_shapes_bounds(table)
    return MetricResult(
        name=NAME,
        family="fidelity",
        score=score,
        raw=score,
        details=table,
        findings=findings,
        error=None if not table.empty else "no numerical, date, categorical or boolean columns",
        interval=interval,
        floor=floor,
    )


__all__ = [
    "category_counts",
    "column_shapes",
    "column_shapes_bounds",
    "column_shapes_score",
    "column_shapes_table",
    "fmt_pair",
    "fmt_share",
    "fmt_value",
    "ks_complement",
    "ks_statistic",
    "quantile_sorted",
    "sorted_values",
    "tv_complement",
    "tv_from_counts",
]
