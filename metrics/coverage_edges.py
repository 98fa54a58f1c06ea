"""Range edges: when a value is outside the real range, and how a sentence prints the bounds.

A synthetic value is outside the real range only when it lies beyond the real minimum or
maximum by more than :func:`edge_tolerance`: floating-point noise of a few units in the last
place (a generator that rescales 42 and lands on 41.999999999999993, 7e-15 below) is not a
defect. The tolerance is relative, ``EDGE_RELATIVE`` (1e-9) of the real range, and never less
than ``EDGE_ULPS`` (4) units in the last place of the larger bound, so a constant real column
(range 0) still tolerates rounding. At 1e-9 of the range a value is accepted only when it
would print the same as the bound with nine significant digits of the range: far below any
difference a person reads as a value out of range, far above what arithmetic on float64 adds.

Bounds printed next to a value get the digits that show their difference ("below the real
minimum 42 (lowest 41.5)"), never "42 ... 42" for two different numbers
(:func:`distinct_texts`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta

import numpy as np

from metrics.schema import Kind

EDGE_RELATIVE = 1e-9  # share of the real range tolerated beyond each real bound
EDGE_ULPS = 4  # units in the last place tolerated, whatever the range

_EPOCH = datetime(1970, 1, 1)
_SECOND_NS = 1e9


def edge_tolerance(lo: float, hi: float) -> float:
    """How far beyond the real bounds ``lo``..``hi`` a value may lie and still count as inside.

    ``max(EDGE_RELATIVE * (hi - lo), EDGE_ULPS * ulp(max(|lo|, |hi|)))``; 0.0 when a bound is
    not finite (no real values).
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return 0.0
    ulp = float(np.spacing(max(abs(lo), abs(hi))))
    return max(EDGE_RELATIVE * (hi - lo), EDGE_ULPS * ulp)


def below_above(values: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the values below ``lo`` and above ``hi`` by more than the edge tolerance
    (NaN is in neither)."""
    tol = edge_tolerance(lo, hi)
    with np.errstate(invalid="ignore"):
        return values < lo - tol, values > hi + tol


def _precise_date(ns: float) -> str:
    moment = _EPOCH + timedelta(microseconds=ns / 1000)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _decimals_apart(a: float, b: float) -> int:
    """Decimals that show two significant digits of ``a - b``."""
    return max(0, 1 - math.floor(math.log10(abs(a - b))))


def distinct_texts(
    a: float, b: float, kind: Kind, fmt: Callable[[float, Kind], str]
) -> tuple[str, str]:
    """``a`` and ``b`` as ``fmt`` writes them, with the digits that tell them apart when ``fmt``
    would print two different values the same (dates less than a second apart: to the
    microsecond)."""
    ta, tb = fmt(a, kind), fmt(b, kind)
    if a == b or not math.isfinite(a - b):
        return ta, tb
    if kind is Kind.DATETIME:
        # Dates print to the second at most: closer than that, show the microseconds.
        close = ta == tb or abs(a - b) < _SECOND_NS
        return (_precise_date(a), _precise_date(b)) if close else (ta, tb)
    if ta != tb:
        return ta, tb
    d = _decimals_apart(a, b)
    return f"{a:,.{d}f}", f"{b:,.{d}f}"


def share_text(share: float) -> str:
    """A share as a percentage with two significant digits when it is under 0.01%
    (``0.0045%``, never ``0.00%`` for a share that is not zero)."""
    pct = 100 * share
    if pct == 0 or pct >= 10:
        return f"{pct:.0f}%"
    if pct >= 1:
        return f"{pct:.1f}%"
    if pct >= 0.01:
        return f"{pct:.2f}%"
    return f"{pct:.2g}%"


def score_pair(score: float, floor: float) -> tuple[str, str]:
    """A score and its floor with two decimals, three (or more) when two would print them the
    same (0.997 against 1.000, never 1.00 against 1.00)."""
    for digits in (2, 3, 4):
        ts, tf = f"{score:.{digits}f}", f"{floor:.{digits}f}"
        if ts != tf:
            return ts, tf
    return ts, tf


__all__ = [
    "EDGE_RELATIVE",
    "EDGE_ULPS",
    "below_above",
    "distinct_texts",
    "edge_tolerance",
    "score_pair",
    "share_text",
]
