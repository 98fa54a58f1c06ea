"""Pair trends: are the relations between columns kept in the synthetic data?

Every pair of analysed columns gets one score in [0, 1]:

- two numerical/datetime columns: **CorrelationSimilarity** ``1 - |r_real - r_synthetic| / 2``
  with Pearson's r (Spearman's with ``Options.correlation == "spearman"``), each on the rows
  where both values are present, as sdmetrics computes it;
- any other pair: **ContingencySimilarity** ``1 - TV`` between the real and synthetic joint
  frequencies, missing values counting as a category. Continuous columns are cut into the
  real data's ten bins (``Encoded.bins``) and the same bins are applied to the synthetic data.

Each pair also reports how strong the relation is: ``real`` and ``synthetic`` hold the two
correlations, or the two bias-corrected Cramer's V (Bergsma 2013) of the contingency tables,
measured on the levels that hold at least 1 % of the real rows (rarer levels merged; see
:func:`metrics.pair_stats.collapse_rare`), so that id-like and high-cardinality columns do
not show associations made of sampling noise.

Property score (SynthLens)
--------------------------
A weighted mean of the pair scores. A pair's strength is the larger of its real and
synthetic strengths (|r| or corrected V), so a relation the generator invents counts as much
as one it loses. A pair with no relation on either side (both strengths within noise of 0 or
below :data:`NEGLIGIBLE`) scores 1, with no interval, and gets weight 0: it has no trend to
keep, its similarity would only echo the two marginals (already in column shapes) and sampling
noise, and counting it as a perfect 1 would dilute the relations that exist. Above that the
weight grows linearly with the strength and reaches 1 at :data:`FULL_WEIGHT`. NaN when no pair
has weight.

Property score (``Options.sdmetrics_compatible``)
-------------------------------------------------
sdmetrics' QualityReport (0.32): continuous columns in mixed pairs are binned on each side's
own range, and only pairs with ``|r_real| > 0.5`` or uncorrected Cramer's V ``> 0.3`` count
(weight 1, the others 0); the score is their plain mean. ``score`` in the details is filled
for every pair, where sdmetrics leaves NaN for the pairs it does not count; unrelated pairs keep
their computed score.

Intervals and noise floors
--------------------------
Each pair's ``low``/``high`` (95% by default) and ``floor`` (what an independent real sample of
the synthetic size scores) come from :mod:`metrics.pair_bounds`: Fisher's z for correlations, a
multinomial re-weighting of the counts for contingency tables. ``beyond = floor - high``. The
property's interval is the weighted mean of the counted pairs' lows and highs (as if the pairs
moved together, so never narrower than they justify) and its floor the weighted mean of their
floors. In compatible mode a mixed pair's interval and floor are measured on the real data's
bins shared by both sides and moved onto its sdmetrics score (sdmetrics' own-range bins cost
even an independent real sample about 0.1; see ``pairs_measure._contingency_bounds``).

Findings
--------
A pair whose relation changed (lost, invented or reversed) and whose score sits below its floor
beyond its interval: see :mod:`metrics.pair_findings`, which also orders the worst pairs.

Each pair is measured in :mod:`metrics.pairs_measure`; this module weighs and scores them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from metrics import pair_quantiles
from metrics.encode import Encoded
from metrics.options import Options
from metrics.pair_findings import flagged, pair_findings, relation_of, worst_first
from metrics.pair_words import change_words
from metrics.pairs_measure import NEGLIGIBLE, Pair, contingencies, correlations
from metrics.results import MetricResult, Progress, no_progress, typed_extra
from metrics.uncertainty import beyond_floor

NAME = "pair_trends"
FULL_WEIGHT = 0.2  # strength from which a pair counts fully
# Pairs grow with the square of the columns: 2,000 columns are 2 million pairs (minutes and a
# report of hundreds of MB). Beyond this many columns a seeded sample of columns is paired.
MAX_PAIR_COLUMNS = 120

_COLUMNS = [
    "column_a",
    "column_b",
    "metric",
    "score",
    "low",
    "high",
    "floor",
    "beyond",
    "real",
    "synthetic",
    "weight",
    "sdmetrics_association",
    "n_real",
    "n_synthetic",
    "noise",
    "relation",
    "shape",
    "change",
    "error",
]
MAX_WORDS = 30  # lost shapes described in words (the furthest below their floor)


@dataclass(frozen=True)
class PairsInfo:
    """What :func:`pair_trends` reports besides its score: the ``extra`` of its result.

    Attributes
    ----------
    mode:
        ``"synthlens"`` or ``"sdmetrics_compatible"`` (how the pairs were weighed).
    correlation:
        ``"pearson"`` or ``"spearman"``, the correlation of two numbers.
    pairs_counted:
        Pairs with a weight above 0 in the score.
    sample_note:
        What the user should know when only a sample of the columns is paired ("" otherwise).
    calendar_note:
        How many calendar-part pairs (``"start_date (month)"``) were searched and kept.
    """

    mode: Literal["synthlens", "sdmetrics_compatible"] = "synthlens"
    correlation: str = "pearson"
    pairs_counted: int = 0
    sample_note: str = ""
    calendar_note: str = ""


def info(result: MetricResult | None) -> PairsInfo:
    """The :class:`PairsInfo` of a pair-trends result; the defaults when there is none (the
    metric was skipped, or the suite caught it failing)."""
    return typed_extra(result, PairsInfo)


def pair_columns(enc: Encoded, seed: int) -> list[str]:
    """The analysed columns that are paired, in schema order: all of them, or a seeded sample
    of :data:`MAX_PAIR_COLUMNS` on wide tables (see :func:`pair_sample_note`)."""
    cols = list(enc.analysed)
    if len(cols) <= MAX_PAIR_COLUMNS:
        return cols
    keep = np.random.default_rng(seed).choice(len(cols), MAX_PAIR_COLUMNS, replace=False)
    return [cols[i] for i in sorted(keep)]


def pair_sample_note(n_columns: int) -> str:
    """What the user should know when only a sample of the columns is paired ("" otherwise)."""
    if n_columns <= MAX_PAIR_COLUMNS:
        return ""
    n = MAX_PAIR_COLUMNS
    return (
        f"Pair trends use a seeded sample of {n} of the {n_columns:,} analysed columns "
        f"({n * (n - 1) // 2:,} pairs instead of {n_columns * (n_columns - 1) // 2:,}), so the "
        "pair score is an estimate and pairs outside the sample are not checked."
    )


def _strength(value: float) -> float:
    return abs(value) if np.isfinite(value) else 0.0


def synthlens_weight(pair: Pair) -> float:
    """Weight of a pair in the SynthLens property score (see the module docstring)."""
    if not np.isfinite(pair.score) or pair.unrelated:
        return 0.0
    strength = max(_strength(pair.real), _strength(pair.synthetic), pair.shape_strength)
    if strength < NEGLIGIBLE:
        return 0.0
    return min(1.0, strength / FULL_WEIGHT)


def _row(pair: Pair) -> dict:
    beyond = beyond_floor((pair.low, pair.high), pair.floor)
    beyond = beyond if beyond is not None and np.isfinite(beyond) else np.nan
    relation = relation_of(
        pair.metric, pair.real, pair.synthetic, pair.noise, beyond, pair.unrelated
    )
    if pair.error:
        relation = ""
    elif pair.shape_lost and relation == "kept":
        relation = "reshaped"
    values = {"beyond": beyond, "relation": relation}
    return {
        c: values[c] if c in values else getattr(pair, c.replace("column_", "")) for c in _COLUMNS
    }


def pair_trends_table(
    enc: Encoded, options: Options | None = None, progress: Progress = no_progress,
    bounds: bool = True,
) -> pd.DataFrame:  # fmt: skip
    """One details row per pair of analysed columns, in schema order, then (SynthLens mode) the
    calendar-part pairs.

    Columns: column_a, column_b, metric ("CorrelationSimilarity"/"ContingencySimilarity"),
    score, low and high (its interval), floor (what an independent real sample of the synthetic
    size scores), beyond (floor - high: how far below the floor beyond the interval), real and
    synthetic (correlations, or bias-corrected Cramer's V), weight (its share in the property
    score), sdmetrics_association (uncorrected Cramer's V of the real table, compatible mode
    only), n_real and n_synthetic (rows behind the statistic), noise (the difference between
    real and synthetic strength that sampling alone can make), relation ("none", "kept",
    "weaker", "stronger", "reversed", "reshaped", see :mod:`metrics.pair_findings`), shape
    (ShapeSimilarity, SynthLens mode, pairs holding a number), change (what changed, in words,
    when the shape is lost), error.

    ``bounds=False`` leaves low, high, floor and beyond NaN (the scores alone, faster).
    """
    options = options or Options()
    table, _ = _measure(enc, options, progress, bounds)
    return table


def _measure(
    enc: Encoded, options: Options, progress: Progress, bounds: bool
) -> tuple[pd.DataFrame, str]:
    """The details table and the calendar note."""
    cols = pair_columns(enc, options.seed)
    progress(0.0, "Pair trends: correlations")
    note = ""
    if options.sdmetrics_compatible:
        pairs = correlations(enc, options, cols, bounds)
        progress(0.4, "Pair trends: contingency tables")
        pairs.update(contingencies(enc, options, progress, cols, bounds))
        keys = list(itertools.combinations(cols, 2))
    else:
        tables = pair_quantiles.build(enc, cols, options.confidence, progress)
        note = tables.calendar_note

        def strength(a: str, b: str) -> float:
            return pair_quantiles.numbers_related(tables, (a, b), options.confidence)

        pairs = correlations(enc, options, cols, bounds, strength)
        found = (tables.wanted, tables.real, tables.synthetic)
        pairs.update(contingencies(enc, options, progress, cols, bounds, found))
        keys = list(itertools.combinations(cols, 2)) + [
            k for k in tables.wanted if k[0] in tables.parts
        ]
        shapes = _shapes(options, tables, pairs, bounds)
    rows = []
    for key in keys:
        pair = pairs[key]
        if not options.sdmetrics_compatible:
            pair.weight = synthlens_weight(pair)
        rows.append(_row(pair))
    table = pd.DataFrame(rows, columns=_COLUMNS)
    if not options.sdmetrics_compatible and not table.empty:
        _words(enc, tables, shapes, table)
    progress(1.0, "Pair trends: done")
    return table, note


def _shapes(
    options: Options, tables: pair_quantiles.Tables, pairs: dict[tuple[str, str], Pair],
    bounds: bool,
) -> dict[tuple[str, str], pair_quantiles.PairShape]:  # fmt: skip
    """Each related pair's shape; a lost shape lowers the pair's score to its own when that is
    lower (with its interval and floor)."""
    out = {}
    for key, pair in pairs.items():
        if pair.unrelated or pair.error or not np.isfinite(pair.score):
            continue
        found = pair_quantiles.pair_shape(tables, key, options.confidence)
        if found is None or not np.isfinite(found.shape.score):
            continue
        shape = found.shape
        pair.shape = shape.score
        out[key] = found
        if not shape.lost:
            continue
        pair.shape_lost = True
        if shape.score < pair.score:
            pair.score = shape.score
            if bounds:
                pair.low, pair.high, pair.floor = shape.low, shape.high, shape.floor
    return out


def _words(
    enc: Encoded, tables: pair_quantiles.Tables,
    shapes: dict[tuple[str, str], pair_quantiles.PairShape], table: pd.DataFrame,
) -> None:  # fmt: skip
    """What changed, in words, for the flagged pairs holding a number (the :data:`MAX_WORDS`
    furthest below their floor)."""
    hit = flagged(table) | (table["relation"] == "reshaped")
    order = table.loc[hit, "beyond"].fillna(-np.inf).sort_values(ascending=False, kind="stable")
    said = 0
    for i in order.index:
        key = (table.at[i, "column_a"], table.at[i, "column_b"])
        # A correlation that only weakened is said by its correlations; its bins' medians
        # would name noise. A lost shape is said in words.
        if (
            key in shapes
            and said < MAX_WORDS
            and (table.at[i, "metric"] != "CorrelationSimilarity" or shapes[key].shape.lost)
        ):
            table.at[i, "change"] = change_words(enc, tables, shapes[key])
            said += 1


def _counted(table: pd.DataFrame) -> pd.Series:
    return table["score"].notna() & (table["weight"] > 0)


def pair_trends_score(table: pd.DataFrame) -> float:
    """Weighted mean of the pair scores (weights from :func:`pair_trends_table`)."""
    if table.empty:
        return float("nan")
    ok = _counted(table)
    if not ok.any():
        return float("nan")
    return float(np.average(table.loc[ok, "score"], weights=table.loc[ok, "weight"]))


def pair_trends_bounds(table: pd.DataFrame) -> tuple[tuple[float, float] | None, float | None]:
    """Interval and floor of the property score: the weighted means of the counted pairs'
    lows, highs and floors (None when a counted pair has none, or none is counted)."""
    if table.empty:
        return None, None
    ok = _counted(table)
    part = table.loc[ok, ["low", "high", "floor"]].astype(float)
    if part.empty or not np.isfinite(part.to_numpy()).all():
        return None, None
    weights = table.loc[ok, "weight"]
    low, high, floor = (float(np.average(part[c], weights=weights)) for c in part)
    return (low, high), floor


def pair_trends(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """The ``pair_trends`` metric: one score per pair, a weighted mean as the score, with its
    interval and floor; details in :func:`metrics.pair_findings.worst_first` order."""
    table, note = _measure(enc, options, progress, True)
    score = pair_trends_score(table)
    interval, floor = pair_trends_bounds(table)
    error = None
    if table.empty:
        error = "fewer than two numerical, date, categorical or boolean columns"
    elif not np.isfinite(score):
        error = "no pair of columns has a relation to compare"
    return MetricResult(
        name=NAME,
        family="fidelity",
        score=score,
        raw=score,
        details=worst_first(table).reset_index(drop=True),
        findings=pair_findings(table),
        error=error,
        interval=interval if np.isfinite(score) else None,
        floor=floor if np.isfinite(score) else None,
        extra=PairsInfo(
            mode="sdmetrics_compatible" if options.sdmetrics_compatible else "synthlens",
            correlation=options.correlation,
            pairs_counted=int((table["weight"] > 0).sum()) if not table.empty else 0,
            sample_note=pair_sample_note(len(enc.analysed)),
            calendar_note=note,
        ),
    )


__all__ = ["NEGLIGIBLE", "PairsInfo", "info", "pair_columns", "pair_findings",
           "pair_sample_note", "pair_trends", "pair_trends_bounds", "pair_trends_score",
           "pair_trends_table", "synthlens_weight", "worst_first"]  # fmt: skip
