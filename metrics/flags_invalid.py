"""Row flags, reason ``invalid``: values the real data rules out (see :mod:`metrics.flags`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from metrics.coverage_edges import distinct_texts, edge_tolerance
from metrics.encode import MISSING, Encoded
from metrics.flags_kinds import Events, num_text
from metrics.schema import Kind

RANGE_TOLERANCE = 0.01


def flag_invalid(enc: Encoded, ev: Events) -> None:
    """Flag unreadable, out-of-range, unseen and wrongly missing values, and broken rules."""
    real, syn = enc.real, enc.synthetic
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
            _range_and_rules(col, kind, real.numeric[col], syn.numeric[col], ev)
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


def _range_and_rules(col: str, kind: Kind, real: np.ndarray, syn: np.ndarray, ev: Events):
    finite = real[np.isfinite(real)]
    if finite.size == 0:
        return
    lo, hi = float(finite.min()), float(finite.max())
    # A value just past the edge is not worth a row flag (RANGE_TOLERANCE of the range), and
    # floating-point noise never is, even when the real column is constant (span 0).
    noise = edge_tolerance(lo, hi)
    span, tol = hi - lo, max(RANGE_TOLERANCE * (hi - lo), noise)
    outside = (syn < lo - tol) | (syn > hi + tol)
    tolerance = f" (tolerance {RANGE_TOLERANCE:.0%} of the range)" if tol > noise else ""
    for words, limit, bad in (
        ("below the real minimum", lo, syn < lo - tol),
        ("above the real maximum", hi, syn > hi + tol),
    ):
        rows = np.flatnonzero(bad)
        scores = 0.6 + 0.4 * np.minimum(1.0, np.abs(syn[rows] - limit) / span) if span else 1.0
        ev.bad(col, rows, scores, _edge_text(col, kind, syn, f"is {words}", limit, tolerance))
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


def _edge_text(
    col: str, kind: Kind, values: np.ndarray, words: str, limit: float, tolerance: str
) -> Callable[[int], str]:
    """``x = 41.5 is below the real minimum 42``: the value and the bound with the digits that
    tell them apart (never ``42 is below the real minimum 42``)."""

    def text(r: int) -> str:
        bound, value = distinct_texts(limit, float(values[r]), kind, num_text)
        return f"{col} = {value} {words} {bound}{tolerance}"

    return text
