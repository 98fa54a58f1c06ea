"""Missing values, coverage and validity, per column; summary statistics side by side.

Three registered metrics (family ``"coverage"``, one details row per column):

``missing_values``
    Share of missing values per column on each side; column score ``1 - |real - synthetic|``
    (sdmetrics' MissingValueSimilarity). Every column of the schema counts, id and text too.
``coverage``
    Categorical/boolean: share of the real categories that the synthetic data produces
    (sdmetrics' CategoryCoverage). Numerical/datetime: share of the real range covered,
    ``1 - (max(0, min_s - min_r) + max(0, max_r - max_s)) / (max_r - min_r)`` clipped at 0
    (sdmetrics' RangeCoverage; NaN for a constant real column; gaps within the edge
    tolerance of :mod:`metrics.coverage_edges` count as none). Details also give the share
    of real rows whose category is never generated or whose value lies outside the
    synthetic range, which the findings quote.
``validity``
    Share of the non-missing synthetic values that are valid: readable as the column's kind
    and inside the real range (give or take floating-point noise, :mod:`metrics.coverage_edges`),
    or among the real categories (sdmetrics' BoundaryAdherence / CategoryAdherence, with
    unreadable values counted invalid).

Each metric's score is the mean of its column scores.

Intervals and floors
--------------------
Every column score has a 95% interval (``Options.confidence``) and a noise floor, what an
independent real sample of the synthetic size scores against the real data; details columns
``low``, ``high``, ``floor`` and ``beyond`` (``floor - high``). How each is made:
:mod:`metrics.coverage_noise`. A metric's interval is the mean of its columns' lows and highs,
its floor the mean of their floors.

Findings and their severities (low / medium / high)
---------------------------------------------------
- ``missing_values``, ``missing_category``, ``range_not_covered``: only when the column's
  whole interval sits below its floor (``beyond > 0``), severity from that distance
  (:func:`metrics.uncertainty.severity_beyond`: 0 / 0.08 / 0.20). So a rare real category
  that a sample of the synthetic size could miss by chance, or that the real data shows once
  or twice, raises nothing, while a category holding a fifth of the real rows does.
- ``scarce_category``: real categories generated at under a quarter of their real share;
  ``beyond`` is the share lost beyond both shares' Wilson bounds, severity from it.
- ``invalid_values``: invalid values are defects even when few, so their severity stays the
  invalid share, 0.1 % / 1 % / 5 %, when that share is more than three times the share that
  new draws from the real distribution would show by chance (for categories the Good-Turing
  estimate of the unseen mass, ``(real singletons + 1) / (real rows + 1)``; for ranges
  ``2 / (n + 1)``, the chance of falling beyond the sample's extremes), or any value is
  unreadable, and ``beyond > 0`` (unreadable values against a floor of 1). The finding lists
  (up to :data:`MAX_ROWS`) the synthetic rows holding them and names each defect with the
  bound and the extreme value ("3 below the real minimum 42 (lowest 41.5)").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from metrics.columnwise import columnwise
from metrics.coverage_edges import share_text
from metrics.coverage_noise import NOISE_COLUMNS, missing_noise, noise_row, table_bounds
from metrics.coverage_ranges import coverage_table, score_words
from metrics.coverage_validity import missing_count, validity_table
from metrics.encode import Encoded
from metrics.marginal_words import fmt_share_pair
from metrics.options import Options
from metrics.results import Finding, MetricResult, Progress, typed_extra
from metrics.schema import Kind
from metrics.summary import summary_statistics
from metrics.uncertainty import rng, severity_beyond

_MISSING_COLUMNS = ["column", "kind", "real", "synthetic", "score", *NOISE_COLUMNS, "error"]


def _mean_score(table: pd.DataFrame) -> float:
    return (
        float(table["score"].mean())
        if not table.empty and table["score"].notna().any()
        else float("nan")
    )


def _missing_row(
    enc: Encoded, col: str, kind: Kind, options: Options
) -> tuple[dict[str, Any], Finding | None]:
    nr, ns = enc.real.n_rows, enc.synthetic.n_rows
    kr, ks = missing_count(enc.real, col, kind), missing_count(enc.synthetic, col, kind)
    pr, ps = kr / nr, ks / ns
    row = {"real": pr, "synthetic": ps, "score": 1.0 - abs(pr - ps)}
    gen = rng(options.seed, "missing_values", col)
    row.update(noise_row(*missing_noise(gen, (kr, nr), (ks, ns), options.n_boot,
                                        options.confidence)))  # fmt: skip
    severity = severity_beyond(row["beyond"])
    if severity is None:
        return row, None
    tr, ts = share_pair(pr, ps)
    return row, Finding(
        kind="missing_values",
        severity=severity,
        columns=(col,),
        metric="missing_values",
        score=row["score"],
        message=(
            f"{col}: {tr} of values are missing in the real data, {ts} in the synthetic. "
            f"{score_words('Missing-share similarity', row)}"
        ),
        beyond=row["beyond"],
    )


def share_pair(a: float, b: float) -> tuple[str, str]:
    """Two shares as :func:`metrics.coverage_edges.share_text` writes them, with more digits
    when that would print two different shares the same."""
    ta, tb = share_text(a), share_text(b)
    return (ta, tb) if ta != tb or a == b else fmt_share_pair(a, b)


def missing_values_table(
    enc: Encoded, options: Options | None = None
) -> tuple[pd.DataFrame, list[Finding]]:
    """Missing shares per column, and its findings.

    Details: column, kind, real, synthetic (the missing shares), score, its interval (``low``,
    ``high``), noise floor (``floor``), ``beyond`` (``floor - high``) and error.
    """
    options = options or Options()
    empty = enc.real.n_rows == 0 or enc.synthetic.n_rows == 0
    rows, findings = columnwise(
        ((spec.name, spec.kind) for spec in enc.schema.columns),
        lambda col, kind: _missing_row(enc, col, kind, options),
        skip="no rows on one side" if empty else None,
    )
    return pd.DataFrame(rows, columns=_MISSING_COLUMNS), findings


def _result(name: str, table: pd.DataFrame, findings: list[Finding]) -> MetricResult:
    score = _mean_score(table)
    interval, floor = table_bounds(table)
    return MetricResult(
        name=name,
        family="coverage",
        score=score,
        raw=score,
        details=table,
        findings=findings,
        error=None if np.isfinite(score) else "no column could be scored",
        interval=interval,
        floor=floor,
    )


def missing_values(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """The ``missing_values`` metric."""
    return _result("missing_values", *missing_values_table(enc, options))


@dataclass(frozen=True)
class CoverageInfo:
    """What the ``coverage`` metric reports besides its score: the ``extra`` of its result.

    Attributes
    ----------
    summary:
        The summary statistics side by side (:func:`summary_statistics`), for the Columns page
        and the JSON report; empty when not computed.
    """

    summary: pd.DataFrame = field(default_factory=pd.DataFrame)


def info(result: MetricResult | None) -> CoverageInfo:
    """The :class:`CoverageInfo` of a coverage result; an empty one when there is none (the
    metric was skipped, or the suite caught it failing)."""
    return typed_extra(result, CoverageInfo)


def coverage(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """The ``coverage`` metric; ``extra`` is a :class:`CoverageInfo` holding the summary
    statistics side by side (read it with :func:`info`)."""
    res = _result("coverage", *coverage_table(enc, options))
    res.extra = CoverageInfo(summary=summary_statistics(enc))
    return res


def validity(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """The ``validity`` metric."""
    return _result("validity", *validity_table(enc, options))


__all__ = [
    "CoverageInfo",
    "coverage",
    "coverage_table",
    "info",
    "missing_count",
    "missing_values",
    "missing_values_table",
    "summary_statistics",
    "validity",
    "validity_table",
]
