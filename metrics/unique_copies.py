"""Copies of unique records: synthetic rows that reproduce a training record found nowhere else.

Why
---
The exact-copy rate against the holdout's natural rate (:mod:`metrics.privacy_copies`) cannot
see a leak smaller than the data's own duplication: where 12% of fresh real rows already equal
some training row, 10% of verbatim copies hide in the noise. A copy of a record that is *unique*
is different: an honest generator reproduces such a record only about as often as a fresh real
row does, which on duplicate-rich data is far less often than it reproduces a common record.

Definitions
-----------
Rows are compared on every analysed column through the 64-bit row hashes of
:mod:`metrics.near_hashes`; every match is confirmed on the values (:func:`same_except`).

- A training record (a row of ``enc.real``) is **unique** when its values occur once among the
  training rows and in no holdout row.
- A synthetic row is a **unique copy** when it equals a unique training record.
- **Natural rate, with a holdout**: the share of holdout rows equal to a training record that
  occurs once among the training rows and in no *other* holdout row. This is leave-one-out
  inside the holdout: each holdout row stands for a fresh draw, judged against the training
  rows and the rest of the holdout, as a synthetic row is judged against the training rows and
  the whole holdout (one row fewer, so the natural rate errs slightly high: never a false leak).
- **Natural rate, without a holdout**: leave-one-out among the real rows cannot ask whether a
  left-out row copies a unique record (a unique record has no other row to equal, so the rate
  would be 0 by definition and every honest copy of a singleton would read as a leak). Instead
  a left-out real row counts when it equals a record that is unique among the *other* real rows,
  i.e. its values occur exactly twice in the real data. That rate, ``2 * N2 / n`` with ``N2`` the
  number of value combinations seen exactly twice, is Good-Turing's estimate of the probability
  that a fresh row reproduces a record seen once, the quantity a synthetic row drawn like a real
  one is compared with. It is stated in ``baseline``/``note``.

Intervals
---------
Wilson intervals on both rates (:func:`metrics.uncertainty.wilson`) and Newcombe's hybrid score
interval on the excess ``rate - natural_rate`` (:func:`metrics.privacy_intervals.newcombe`),
unclipped here so that an honest sample's interval visibly contains 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from metrics.encode import Encoded, Side
from metrics.near_hashes import multipliers, row_hash, same_except
from metrics.privacy_intervals import newcombe
from metrics.uncertainty import wilson

Interval = tuple[float, float]
JSON_ROWS = 1_000  # flagged rows listed in the JSON (the count is always complete)


@dataclass(frozen=True)
class UniqueCopies:
    """Synthetic copies of unique training records, against their natural rate.

    Attributes
    ----------
    copy_of:
        Per synthetic row, the training row (position in ``enc.real``) it reproduces, or -1.
    rows, of:
        The flagged synthetic row positions and the training row each one copies.
    copies, n_synthetic, rate, rate_interval:
        Count, synthetic rows compared, their ratio and its Wilson interval.
    n_unique:
        Unique training records (see the module docstring).
    natural_copies, n_baseline, natural_rate, natural_interval:
        The same for the baseline rows (holdout rows, or real rows left out one at a time).
    excess, excess_interval:
        ``rate - natural_rate`` and Newcombe's interval (None without baseline rows).
    baseline:
        ``"holdout"`` or ``"leave-one-out"``.
    note:
        One sentence saying how the natural rate was measured.
    """

    copy_of: np.ndarray
    rows: np.ndarray
    of: np.ndarray
    copies: int
    n_synthetic: int
    rate: float
    rate_interval: Interval | None
    n_unique: int
    natural_copies: int
    n_baseline: int
    natural_rate: float
    natural_interval: Interval | None
    excess: float
    excess_interval: Interval | None
    baseline: str
    note: str


def _keys(enc: Encoded, side: Side) -> np.ndarray:
    return row_hash(enc, side, np.arange(side.n_rows), multipliers(enc.analysed))


def _lookup(
    enc: Encoded, query: Side, q_keys: np.ndarray, real: Side, r_keys: np.ndarray, ok: np.ndarray
) -> np.ndarray:
    """Per query row, the training row with its key among the training rows marked ``ok``
    (their keys are distinct), confirmed on the values; -1 elsewhere."""
    if not ok.any():
        return np.full(len(q_keys), -1, dtype=np.int64)
    table = pd.Index(r_keys[ok])
    pos = table.get_indexer(q_keys)
    found = np.where(pos >= 0, np.flatnonzero(ok)[np.maximum(pos, 0)], -1)
    hit = np.flatnonzero(found >= 0)
    # A hash collision must not make a copy.
    confirmed = same_except(enc, query, hit, real, found[hit])
    found[hit[~confirmed]] = -1
    return found.astype(np.int64)


def unique_copies(enc: Encoded, confidence: float = 0.95) -> UniqueCopies:
    """Count and flag the synthetic rows that reproduce a unique training record.

    Parameters
    ----------
    enc:
        The encoded pair; ``enc.holdout`` (if any) gives the natural rate.
    confidence:
        Level of the Wilson and Newcombe intervals.

    Returns
    -------
    UniqueCopies
        See the module docstring for the definitions and the baseline without a holdout.
    """
    real, syn, hold = enc.real, enc.synthetic, enc.holdout
    r_keys, s_keys = _keys(enc, real), _keys(enc, syn)
    in_real = pd.Series(r_keys).map(pd.Series(r_keys).value_counts()).to_numpy()
    if hold is not None and hold.n_rows > 0:
        h_keys = _keys(enc, hold)
        h_counts = pd.Series(h_keys).value_counts()
        in_hold = pd.Series(r_keys).map(h_counts).fillna(0).to_numpy()
        unique = (in_real == 1) & (in_hold == 0)
        # Leave-one-out inside the holdout: the record may occur in this holdout row only.
        loo_ok = (in_real == 1) & (in_hold == 1)
        hold_of = _lookup(enc, hold, h_keys, real, r_keys, loo_ok)
        natural, n_base, baseline = int((hold_of >= 0).sum()), hold.n_rows, "holdout"
        note = (
            f"Natural rate: the {n_base:,} holdout rows, each against the training rows and the "
            "other holdout rows, as a synthetic row is against the training rows and the holdout."
        )
    else:
        unique = in_real == 1
        # A left-out real row copies a record unique among the others when its values occur
        # exactly twice (Good-Turing's 2 * N2 / n); see the module docstring.
        natural, n_base, baseline = int((in_real == 2).sum()), real.n_rows, "leave-one-out"
        note = (
            "No holdout: the natural rate is that of each real row left out in turn reproducing "
            "a record unique among the other real rows (its values occur exactly twice), "
            "Good-Turing's estimate of how often a fresh row reproduces a record seen once."
        )
    copy_of = _lookup(enc, syn, s_keys, real, r_keys, unique)
    rows = np.flatnonzero(copy_of >= 0)
    k, n = len(rows), syn.n_rows
    rate = k / n if n else float("nan")
    rate_ci = wilson(k, n, confidence)
    nat = natural / n_base if n_base else float("nan")
    nat_ci = wilson(natural, n_base, confidence) if n_base else None
    excess = rate - nat if n_base else rate
    ex_ci = newcombe(rate, rate_ci, nat, nat_ci) if n_base else rate_ci
    return UniqueCopies(
        copy_of, rows, copy_of[rows], k, n, rate, rate_ci, int(unique.sum()),
        natural, n_base, nat, nat_ci, excess, ex_ci, baseline, note,
    )  # fmt: skip


def _pair(ci: Interval | None) -> list[float] | None:
    return None if ci is None else [float(ci[0]), float(ci[1])]


def unique_copies_json(result: UniqueCopies) -> dict[str, Any]:
    """The report's JSON fields; the first :data:`JSON_ROWS` flagged rows are listed."""
    return {
        "copies": result.copies,
        "n_synthetic": result.n_synthetic,
        "rate": result.rate,
        "rate_interval": _pair(result.rate_interval),
        "n_unique_records": result.n_unique,
        "natural_copies": result.natural_copies,
        "n_baseline": result.n_baseline,
        "natural_rate": result.natural_rate,
        "natural_interval": _pair(result.natural_interval),
        "excess": result.excess,
        "excess_interval": _pair(result.excess_interval),
        "baseline": result.baseline,
        "note": result.note,
        "rows": [int(r) for r in result.rows[:JSON_ROWS]],
        "copies_of": [int(r) for r in result.of[:JSON_ROWS]],
    }
