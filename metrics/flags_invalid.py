"""Row flags, reason ``invalid``: values the real data rules out (see :mod:`metrics.flags`).

Range tolerance
---------------
A value counts as out of range when it lies beyond the real minimum or maximum by more than the
larger of :data:`RANGE_TOLERANCE` of the range and a *tail tolerance*. The real range of a small
table is narrower than the range of what it was drawn from: an independent real sample of the
same size crosses the real maximum of one column in about 1 row in ``n + 1``, so with 30 columns
of 300 rows a fixed 1% tolerance flagged 5% to 18% of an honest half of breast cancer, diabetes,
wine and the demo. The tail tolerance fits an exponential tail to the :data:`TAIL_VALUES` most
extreme real values of each side (its scale: their mean excess over the next value) and goes out
as far as the chance that an unseen real row lands beyond it, summed over every column and both
sides, stays below :data:`INVALID_SHARE`. On large tables that chance is tiny already at the edge
and the tolerance is the 1% of the range it always was.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from metrics.coverage_edges import distinct_texts, edge_tolerance
from metrics.encode import MISSING, Encoded
from metrics.flags_kinds import Events, num_text
from metrics.schema import Kind

RANGE_TOLERANCE = 0.01
# The share of an unseen real sample's rows the out-of-range check may flag, all columns together.
INVALID_SHARE = 0.005
TAIL_VALUES = 10  # the most extreme real values a side's tail is fitted on


def tail_tolerance(finite: np.ndarray, n_checked: int) -> tuple[float, float]:
    """How far below the minimum and above the maximum of ``finite`` (real values, any order)
    an unseen value of the same distribution lands with a chance of at most
    ``INVALID_SHARE / (2 * n_checked)`` (0 when the edge itself is that unlikely to be crossed).

    The tail beyond each edge is taken as exponential, its scale the mean excess of the
    :data:`TAIL_VALUES` most extreme values over the next one; the edge is crossed with chance
    ``1 / (n + 1)``. Above a positive column's maximum the tail may follow a power law: the
    same fit on the logarithms, the wider of the two.
    """
    n = len(finite)
    k = min(TAIL_VALUES, n // 5)
    p = INVALID_SHARE / (2 * max(n_checked, 1))
    if k < 2 or (n + 1) * p >= 1:
        return 0.0, 0.0
    reach = math.log(1.0 / ((n + 1) * p))
    # The k + 1 smallest and largest values, without sorting the whole column.
    ends = np.partition(finite, [k, n - k - 1])
    low, high = np.sort(ends[: k + 1]), np.sort(ends[n - k - 1 :])
    below, above = (
        reach * float(np.mean(low[k] - low[:k])),
        reach * float(np.mean(high[1:] - high[0])),
    )
    if low[0] > 0:
        # A positive column may have a tail heavier than exponential (a power law: measurement
        # errors, areas, amounts); fitted on the logarithm too, the wider of the two is kept.
        logs = np.log(high)
        above = max(above, float(high[-1]) * math.expm1(reach * float(np.mean(logs[1:] - logs[0]))))
    return below, above


def range_bounds(real: np.ndarray, n_checked: int) -> tuple[float, float, float, float] | None:
    """``(lo, hi, tol_low, tol_high)``: the real range of a column and how far beyond each edge
    a value may lie before it is out of range (see the module docstring); None without real
    values. ``n_checked``: the columns checked together (the false-flag budget is shared)."""
    finite = real[np.isfinite(real)]
    if finite.size == 0:
        return None
    lo, hi = float(finite.min()), float(finite.max())
    base = max(RANGE_TOLERANCE * (hi - lo), edge_tolerance(lo, hi))
    below, above = tail_tolerance(finite, n_checked)
    return lo, hi, max(base, below), max(base, above)


def flag_invalid(enc: Encoded, ev: Events) -> None:
    """Flag unreadable, out-of-range, unseen and wrongly missing values, and broken rules."""
    real, syn = enc.real, enc.synthetic
    n_checked = len(enc.continuous)
    for spec in enc.schema.columns:
        col, kind = spec.name, spec.kind
        never_missing = f"{col} is missing, but it is never missing in the real data"
        if kind in (Kind.NUMERICAL, Kind.DATETIME):
            wrong = getattr(syn, "unparsed_rows", {}).get(col, np.array([], dtype=np.int64))
            what = "a date" if kind is Kind.DATETIME else "a number"
            ev.bad(col, wrong, 1.0, f"{col} holds a value that cannot be read as {what}")
            if not np.isnan(real.numeric[col]).any():
                gone = np.isnan(syn.numeric[col])
                gone[wrong] = False  # already reported as unreadable
                ev.bad(col, np.flatnonzero(gone), 0.7, never_missing)
            _range_and_rules(col, kind, real.numeric[col], syn.numeric[col], ev, n_checked)
        elif kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
            _unseen(col, syn.codes[col], enc.categories[col], enc.n_real_levels[col], ev)
            if not (real.codes[col] == MISSING).any():
                ev.bad(col, np.flatnonzero(syn.codes[col] == MISSING), 0.7, never_missing)
        elif not pd.isna(real.strings[col]).any():
            ev.bad(col, np.flatnonzero(pd.isna(syn.strings[col])), 0.7, never_missing)


def _unseen(col: str, codes: np.ndarray, labels: list[str], n_real: int, ev: Events) -> None:
    def text(r: int) -> str:
        return f"{col} = '{labels[codes[r]]}' is a category the real data never has"

    ev.bad(col, np.flatnonzero(codes >= n_real), 0.9, text)


def _range_and_rules(
    col: str, kind: Kind, real: np.ndarray, syn: np.ndarray, ev: Events, n_checked: int
) -> None:
    bounds = range_bounds(real, n_checked)
    if bounds is None:
        return
    finite = real[np.isfinite(real)]
    lo, hi, tol_low, tol_high = bounds
    # A value just past the edge is not worth a row flag (see the module docstring), and
    # floating-point noise never is, even when the real column is constant (span 0).
    noise = edge_tolerance(lo, hi)
    span = hi - lo
    outside = (syn < lo - tol_low) | (syn > hi + tol_high)
    for words, limit, tol, bad in (
        ("below the real minimum", lo, tol_low, syn < lo - tol_low),
        ("above the real maximum", hi, tol_high, syn > hi + tol_high),
    ):
        rows = np.flatnonzero(bad)
        scores = 0.6 + 0.4 * np.minimum(1.0, np.abs(syn[rows] - limit) / span) if span else 1.0
        text = _edge_text(col, kind, syn, f"is {words}", limit, _tolerance_words(tol, span, noise))
        ev.bad(col, rows, scores, text)
    if kind is not Kind.NUMERICAL:
        return
    if lo >= 0:
        rows = np.flatnonzero((syn < -noise) & ~outside)
        ev.bad(col, rows, 0.8, lambda r: f"{col} = {syn[r]:,.6g} is negative, but no real value is")
    if finite.size > 1 and np.all(finite == np.round(finite)):
        with np.errstate(invalid="ignore"):
            frac = np.abs(syn - np.round(syn)) > 1e-6 * np.maximum(1.0, np.abs(syn))
        rows = np.flatnonzero(frac & ~outside)
        tail = "is not a whole number, but every real value is"
        ev.bad(col, rows, 0.8, lambda r: f"{col} = {syn[r]:,.6g} {tail}")


def _tolerance_words(tol: float, span: float, noise: float) -> str:
    """The tolerance a bound was given, in words ("" when it is floating-point noise only)."""
    if tol <= noise:
        return ""
    if tol <= RANGE_TOLERANCE * span * (1 + 1e-9):
        return f" (tolerance {RANGE_TOLERANCE:.0%} of the range)"
    return (
        f" (tolerance {tol / span:.0%} of the range: the real data's most extreme values "
        "are spread out, so unseen real values land that far)"
    )


def _edge_text(
    col: str, kind: Kind, values: np.ndarray, words: str, limit: float, tolerance: str
) -> Callable[[int], str]:
    """``x = 41.5 is below the real minimum 42``: the value and the bound with the digits that
    tell them apart (never ``42 is below the real minimum 42``)."""

    def text(r: int) -> str:
        bound, value = distinct_texts(limit, float(values[r]), kind, num_text)
        return f"{col} = {value} {words} {bound}{tolerance}"

    return text
