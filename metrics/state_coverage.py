"""Mergeable states for ``missing_values``, ``coverage`` and ``validity`` (issue 16).

A producer (``engines.pandas_coverage``, ``engines.duckdb_coverage``) turns one partition of
one side into a :class:`SideState`; states of the same side merge by adding counts and taking
the smaller minimum and the larger maximum, in any order. Scores come from the merged real and
synthetic states and equal :mod:`metrics.coverage`'s, whatever engine made them.

What a column's state holds (every count over the partition's rows):

- ``missing``: values the reader left empty; ``unreadable``: values that are there but are not
  a finite number or a date (``Side.unparsed``; infinities count here, as in the encoding);
- numerical and datetime: ``lo``, ``hi`` of the readable values (datetimes in nanoseconds);
- categorical and boolean: counts per label. Labels are the text the encoding compares
  (:func:`metrics.encode.normalise_labels`), except that a float-typed column's values are
  kept as floats until scoring: the encoding writes ``1.0`` as ``"1"`` only when every value
  of the *side* is whole, which one partition cannot know.

Range validity needs the real bounds before the synthetic values are checked: a second pass
(:class:`OutsideState`, counts beyond ``lo - tol`` and ``hi + tol``) that producers make given
:func:`validity_bounds`. Intervals and floors: the missing-value interval comes from counts
(:func:`missing_interval`, exact); coverage and validity intervals are not made here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metrics.coverage_edges import edge_tolerance
from metrics.coverage_noise import missing_noise, range_scores
from metrics.encode import normalise_labels
from metrics.options import Options
from metrics.schema import Kind, Schema
from metrics.uncertainty import rng

RANGE_KINDS = (Kind.NUMERICAL, Kind.DATETIME)
LABEL_KINDS = (Kind.CATEGORICAL, Kind.BOOLEAN)


@dataclass
class ColumnState:
    """One column of one side (see the module docstring)."""

    missing: int = 0
    unreadable: int = 0
    lo: float = math.inf
    hi: float = -math.inf
    labels: dict[str, int] = field(default_factory=dict)
    floats: dict[float, int] = field(default_factory=dict)

    def merge(self, other: ColumnState) -> ColumnState:
        """The state of both partitions together (a new object)."""
        return ColumnState(
            missing=self.missing + other.missing,
            unreadable=self.unreadable + other.unreadable,
            lo=min(self.lo, other.lo),
            hi=max(self.hi, other.hi),
            labels=_add(self.labels, other.labels),
            floats=_add(self.floats, other.floats),
        )


def _add(a: dict, b: dict) -> dict:
    out = dict(a)
    for key, count in b.items():
        out[key] = out.get(key, 0) + count
    return out


@dataclass
class SideState:
    """Every schema column of one side (or one partition of it), and its row count."""

    n_rows: int
    columns: dict[str, ColumnState]

    def merge(self, other: SideState) -> SideState:
        """Both partitions together; order does not matter."""
        names = list(dict.fromkeys([*self.columns, *other.columns]))
        empty = ColumnState()
        return SideState(
            self.n_rows + other.n_rows,
            {c: self.columns.get(c, empty).merge(other.columns.get(c, empty)) for c in names},
        )


def merge(states: list[SideState]) -> SideState:
    """All partitions of one side merged (at least one state)."""
    out = states[0]
    for state in states[1:]:
        out = out.merge(state)
    return out


def label_counts(col: ColumnState, kind: Kind) -> dict[str, int]:
    """Counts per label as the encoding writes them, the float-typed values normalised with
    the whole side's rule (``1.0`` is ``"1"`` only when every float value is whole)."""
    out = dict(col.labels)
    if col.floats:
        keys = pd.Series(list(col.floats), dtype="float64")
        texts = normalise_labels(keys, kind)
        for text, count in zip(texts.tolist(), col.floats.values(), strict=True):
            out[str(text)] = out.get(str(text), 0) + count
    return out


def whole_labels(side: SideState) -> dict[str, bool]:
    """Per float-typed categorical column, whether every value of the merged side is whole
    (the encoding then writes ``1.0`` as ``"1"``): what a copy producer needs to label cells as
    the whole side would."""
    return {c: all(v == int(v) for v in s.floats) for c, s in side.columns.items() if s.floats}


def _mean(scores: list[float]) -> float:
    finite = [s for s in scores if math.isfinite(s)]
    return float(np.mean(finite)) if finite else float("nan")


# --- missing values --------------------------------------------------------------------------


def missing_scores(real: SideState, syn: SideState, schema: Schema) -> dict[str, float]:
    """Per column ``1 - |real missing share - synthetic missing share|`` (every schema column;
    NaN for all when a side has no rows, as today)."""
    out = {}
    for spec in schema.columns:
        if real.n_rows == 0 or syn.n_rows == 0:
            out[spec.name] = float("nan")
            continue
        pr = real.columns[spec.name].missing / real.n_rows
        ps = syn.columns[spec.name].missing / syn.n_rows
        out[spec.name] = 1.0 - abs(pr - ps)
    return out


def missing_interval(
    real: SideState, syn: SideState, col: str, options: Options | None = None
) -> tuple[tuple[float, float] | None, float | None]:
    """Interval and floor of one column's missing-share score, from the counts alone, with
    the seed today's metric uses (so equal to its ``low``, ``high`` and ``floor``)."""
    options = options or Options()
    gen = rng(options.seed, "missing_values", col)
    counts = (real.columns[col].missing, real.n_rows), (syn.columns[col].missing, syn.n_rows)
    return missing_noise(gen, *counts, options.n_boot, options.confidence)


# --- coverage ----------------------------------------------------------------------------------


def _analysed(schema: Schema) -> list[tuple[str, Kind]]:
    return [(c.name, c.kind) for c in schema.columns if c.kind in RANGE_KINDS + LABEL_KINDS]


def coverage_scores(real: SideState, syn: SideState, schema: Schema) -> dict[str, float]:
    """Per analysed column: the share of real categories the synthetic side has, or the range
    coverage (NaN for no values on one side or a constant real column)."""
    out = {}
    for name, kind in _analysed(schema):
        r, s = real.columns[name], syn.columns[name]
        if kind in LABEL_KINDS:
            real_labels = label_counts(r, kind)
            syn_labels = label_counts(s, kind)
            covered = sum(1 for label in real_labels if syn_labels.get(label, 0) > 0)
            out[name] = covered / len(real_labels) if real_labels else float("nan")
        elif not (math.isfinite(r.lo) and math.isfinite(s.lo)) or r.lo == r.hi:
            out[name] = float("nan")
        else:
            tol = edge_tolerance(r.lo, r.hi)
            out[name] = float(range_scores(r.lo, r.hi, s.lo, s.hi, tol))
    return out


# --- validity ----------------------------------------------------------------------------------


def validity_bounds(real: SideState, schema: Schema) -> dict[str, tuple[float, float]]:
    """Per numerical/datetime column, the bounds beyond which a synthetic value is invalid:
    ``(lo - tol, hi + tol)``, or ``(inf, -inf)`` when the real side has no value (then every
    readable synthetic value is invalid, as today)."""
    out = {}
    for name, kind in _analysed(schema):
        if kind in RANGE_KINDS:
            r = real.columns[name]
            tol = edge_tolerance(r.lo, r.hi)
            out[name] = (r.lo - tol, r.hi + tol) if math.isfinite(r.lo) else (math.inf, -math.inf)
    return out


@dataclass
class OutsideState:
    """Synthetic values beyond the bounds of :func:`validity_bounds`, per column (second
    pass); merges by adding."""

    outside: dict[str, int]

    def merge(self, other: OutsideState) -> OutsideState:
        """Both partitions' counts together."""
        return OutsideState(_add(self.outside, other.outside))


def validity_scores(
    real: SideState, syn: SideState, outside: OutsideState, schema: Schema
) -> dict[str, float]:
    """Per analysed column ``1 - invalid / checked``: checked are the synthetic values not
    missing; invalid are categories the real side never has, or values beyond the real range
    (``outside``), or unreadable ones. NaN when nothing is checked."""
    out = {}
    for name, kind in _analysed(schema):
        r, s = real.columns[name], syn.columns[name]
        checked = syn.n_rows - s.missing
        if kind in LABEL_KINDS:
            known = label_counts(r, kind)
            invalid = sum(n for lab, n in label_counts(s, kind).items() if lab not in known)
        else:
            invalid = outside.outside.get(name, 0) + s.unreadable
        out[name] = 1.0 - invalid / checked if checked else float("nan")
    return out


def metric_score(column_scores: dict[str, float]) -> float:
    """A metric's score: the mean of its finite column scores (NaN when none)."""
    return _mean(list(column_scores.values()))


__all__ = [
    "ColumnState",
    "OutsideState",
    "SideState",
    "coverage_scores",
    "label_counts",
    "merge",
    "metric_score",
    "missing_interval",
    "missing_scores",
    "validity_bounds",
    "validity_scores",
    "whole_labels",
]
