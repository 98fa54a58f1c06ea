"""Put the figures an engine measured over all rows in place of the sample's.

A large-data run (``engines.assess``) runs the whole suite on a seeded sample, then overlays
what the engine counted over every row (:class:`metrics.scale_info.ExactFigures`): the column
scores of column shapes, missing values, coverage and validity, and each pair's similarity.
What the states cannot give stays from the sample and is said so: the intervals' widths and
the noise floors (an interval is moved with its score, so it keeps the sample's width, wider
than all rows would justify; missing values get theirs from the exact counts), SynthLens-mode
pair weights, shapes and calendar pairs. Findings are recomputed from the new distances below
the floors; their words still quote the sample where they give figures.

When nothing was sampled the overlay changes nothing but the last bits: the states score the
same rows as the suite did.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from metrics.coverage_noise import table_bounds
from metrics.marginal import column_shapes_bounds
from metrics.pair_findings import pair_findings, worst_first
from metrics.pairs import pair_trends_bounds, pair_trends_score
from metrics.results import Finding, MetricResult
from metrics.scale_info import ExactFigures
from metrics.uncertainty import severity_beyond


def _shift(table: pd.DataFrame, i: object, score: float) -> None:
    """Set row ``i``'s score, moving its interval with it (clipped to [0, 1])."""
    old = float(table.at[i, "score"])
    table.at[i, "score"] = score
    if not (np.isfinite(old) and np.isfinite(score)):
        return
    delta = score - old
    for c in ("low", "high"):
        if c in table and np.isfinite(float(table.at[i, c])):
            table.at[i, c] = float(np.clip(float(table.at[i, c]) + delta, 0.0, 1.0))
    _beyond(table, i)


def _beyond(table: pd.DataFrame, i: object) -> None:
    if "beyond" in table and "floor" in table:
        floor, high = float(table.at[i, "floor"]), float(table.at[i, "high"])
        table.at[i, "beyond"] = floor - high if np.isfinite(floor) and np.isfinite(high) else np.nan


def _findings(res: MetricResult, table: pd.DataFrame, key: str, note: str) -> list[Finding]:
    """The result's column findings with the new distances: kept (severity re-judged) while
    still beyond the floor, dropped otherwise."""
    beyond = {str(r[key]): float(r["beyond"]) for _, r in table.iterrows() if "beyond" in r}
    score = {str(r[key]): float(r["score"]) for _, r in table.iterrows()}
    out = []
    for f in res.findings:
        col = f.columns[0] if f.columns else ""
        if col not in beyond:
            out.append(f)
            continue
        severity = severity_beyond(beyond[col])
        if severity is None:
            continue
        out.append(replace(f, severity=severity, beyond=beyond[col], score=score[col],
                           message=f.message + note))  # fmt: skip
    return out


def _by_column(
    res: MetricResult, figures: dict, fill: object, bounds: object, note: str
) -> MetricResult:
    table = res.details.copy()
    for i in table.index:
        col = str(table.at[i, "column"])
        if col in figures:
            fill(table, i, figures[col])  # type: ignore[operator]
    finite = table["score"].astype(float)
    score = float(finite.mean()) if finite.notna().any() else float("nan")
    interval, floor = bounds(table)  # type: ignore[operator]
    return replace(res, details=table, score=score, raw=score, interval=interval, floor=floor,
                   findings=_findings(res, table, "column", note))  # fmt: skip


def _shape(table: pd.DataFrame, i: object, fig: object) -> None:
    _shift(table, i, fig.score)  # type: ignore[attr-defined]
    table.at[i, "statistic"] = fig.statistic  # type: ignore[attr-defined]
    table.at[i, "bound"] = fig.bound  # type: ignore[attr-defined]


def _missing(table: pd.DataFrame, i: object, fig: object) -> None:
    table.at[i, "real"], table.at[i, "synthetic"] = fig.real, fig.synthetic  # type: ignore[attr-defined]
    table.at[i, "score"] = fig.score  # type: ignore[attr-defined]
    if fig.interval is not None:  # type: ignore[attr-defined]
        table.at[i, "low"], table.at[i, "high"] = fig.interval  # type: ignore[attr-defined]
    if fig.floor is not None:  # type: ignore[attr-defined]
        table.at[i, "floor"] = fig.floor  # type: ignore[attr-defined]
    _beyond(table, i)


def _plain(table: pd.DataFrame, i: object, score: float) -> None:
    _shift(table, i, score)


def _pairs(res: MetricResult, figures: ExactFigures, compat: bool) -> MetricResult:
    table = res.details.copy()
    for i in table.index:
        fig = figures.pairs.get((str(table.at[i, "column_a"]), str(table.at[i, "column_b"])))
        err = table.at[i, "error"]
        if fig is None or fig.error is not None or (isinstance(err, str) and err):
            continue  # the engine or the sample could not score it: the sample's row stays
        if not compat:
            unrelated = float(table.at[i, "weight"]) == 0.0 and float(table.at[i, "score"]) == 1.0
            shape = float(table.at[i, "shape"]) if "shape" in table else np.nan
            lowered = np.isfinite(shape) and shape == float(table.at[i, "score"])
            if unrelated or lowered:
                continue  # the sample judged no relation, or a lost shape sets the score
        _shift(table, i, fig.score)
        if fig.real is not None:
            table.at[i, "real"], table.at[i, "synthetic"] = fig.real, fig.synthetic
        if compat:
            if fig.sdmetrics_association is not None:
                table.at[i, "sdmetrics_association"] = fig.sdmetrics_association
            if fig.weight is not None:
                table.at[i, "weight"] = fig.weight
        table.at[i, "n_real"], table.at[i, "n_synthetic"] = fig.n_real, fig.n_synthetic
    score = pair_trends_score(table)
    interval, floor = pair_trends_bounds(table)
    return replace(res, details=worst_first(table).reset_index(drop=True), score=score,
                   raw=score, interval=interval, floor=floor,
                   findings=pair_findings(table))  # fmt: skip


def overlay(
    results: dict[str, MetricResult], figures: ExactFigures, compat: bool, sampled: bool
) -> dict[str, MetricResult]:
    """The results with every exact figure in place (see the module docstring)."""
    note = " (The words quote the seeded sample; the score is over all rows.)" if sampled else ""
    out = dict(results)
    plans: dict[str, tuple[dict, Any, Any]] = {
        "column_shapes": (figures.shapes, _shape, column_shapes_bounds),
        "missing_values": (figures.missing, _missing, table_bounds),
        "coverage": (figures.coverage, _plain, table_bounds),
        "validity": (figures.validity, _plain, table_bounds),
    }
    for name, (figs, fill, bounds) in plans.items():
        res = results.get(name)
        if res is not None and not res.details.empty and "column" in res.details:
            out[name] = _by_column(res, figs, fill, bounds, note)
    res = results.get("pair_trends")
    if res is not None and not res.details.empty:
        out["pair_trends"] = _pairs(res, figures, compat)
    return out


__all__ = ["overlay"]
