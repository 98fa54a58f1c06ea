"""Row flags, reasons ``copied`` and ``near_copy``: from the privacy result's copies and nearest
records.

A ``near_copy`` flag has one of two sentences, never both for one row:

- a one-cell near copy (:mod:`metrics.near_copies`): "near copy: equal to real row 1,234 on
  every column but income: 52,100 vs 52,080 (0.04% of income's range)", with the differing
  column as the flag's column. Flagged when such rows are rare among real rows themselves (the
  natural near-copy rate at most :data:`NATURAL_COPY_LIMIT`, as for exact copies);
- otherwise a row closer to its closest training record than 99% of holdout rows are (the
  distance threshold), for near copies that moved more than one cell. Where real rows repeat,
  that threshold is 0 and flags nothing (a note says so); the one-cell rule still works there.

See :mod:`metrics.flags` for when exact copies are flagged.
"""

from __future__ import annotations

import numpy as np

from metrics import privacy as privacy_mod
from metrics.flags_kinds import COPIED, NEAR_COPY, Events
from metrics.near_copies import NEAR_SHARE
from metrics.results import MetricResult

NATURAL_COPY_LIMIT = 0.05


def _flag_unique(ex, ev: Events, notes: list[str], natural: float, words: str) -> None:
    """Where equal rows are common, flag only the copies of records found once in the training
    data (and in no holdout row): an honest generator rarely reproduces one."""
    uc = ex.unique_copies
    if uc is None or not uc.copies:
        notes.append(
            f"Exact copies not flagged row by row: {natural:.0%} of holdout rows equal a "
            "real row too, so equal rows are common in this data; no synthetic row reproduces a "
            "record found once."
        )
        return
    copy_of = np.asarray(uc.copy_of)
    ev.add(
        COPIED,
        "",
        np.asarray(uc.rows),
        1.0 - float(np.nan_to_num(uc.natural_rate)),
        lambda r: (
            f"exact copy of real row {copy_of[r]} {words}, a record found only once in "
            "the training data"
        ),
    )
    notes.append(
        f"Exact copies flagged only where they reproduce a record found once: {natural:.0%} of "
        "holdout rows equal a real row too, so equal rows are common in this data."
    )


def flag_copies(privacy: MetricResult, ev: Events, notes: list[str]) -> float | None:
    """Flag exact and near copies of real rows; the near-copy threshold used (NaN without a
    holdout, None when copies were not checked)."""
    ex = privacy_mod.info(privacy)
    if privacy.error or len(ex.exact_copy_of) == 0:  # failed, or no privacy result
        notes.append(f"Copies not checked: {privacy.error or 'no privacy result'}")
        return None
    copy_of = np.asarray(ex.exact_copy_of)
    natural = float(ex.holdout_copy_rate)
    words = f"on all {len(ex.columns)} analysed columns"
    if natural <= NATURAL_COPY_LIMIT:
        rows = np.flatnonzero(copy_of >= 0)
        ev.add(
            COPIED,
            "",
            rows,
            1.0 - natural,
            lambda r: f"exact copy of real row {copy_of[r]} {words}",
        )
    else:
        _flag_unique(ex, ev, notes, natural, words)
    one_cell = _flag_one_cell(ex, ev, notes)
    thr = float(ex.near_copy_threshold)
    d, closest = np.asarray(ex.dcr_synthetic), np.asarray(ex.closest_real)
    if np.isfinite(thr) and thr == 0:
        notes.append(
            f"Near copies by distance not flagged: at least {privacy_mod.NEAR_COPY_PERCENTILE:g}% "
            "of holdout rows are at distance 0 from a training row (real rows repeat), so no "
            "distance tells a near copy apart; one-cell near copies are flagged regardless."
        )
    if np.isfinite(thr) and thr > 0:
        with np.errstate(invalid="ignore"):
            rows = np.flatnonzero((d < thr) & (copy_of < 0) & ~one_cell)
        level = f"{thr:.3g}, which only {privacy_mod.NEAR_COPY_PERCENTILE:g}% of holdout rows reach"

        def text(r: int) -> str:
            return (
                f"near copy: distance {d[r]:.3g} to the closest training record is below "
                f"{level} (closest real record: row {closest[r]})"
            )

        ev.add(NEAR_COPY, "", rows, 0.5 + 0.5 * (1.0 - d[rows] / thr), text)
        searched = int(np.isfinite(d).sum())
        if searched < len(d):
            notes.append(
                f"Near copies are checked on a seeded sample of {searched:,} of {len(d):,} "
                "synthetic rows (the distance search is capped); exact and one-cell near copies "
                "on every row."
            )
    return thr


def _flag_one_cell(ex: privacy_mod.PrivacyInfo, ev: Events, notes: list[str]) -> np.ndarray:
    """Flag one-cell near copies, one call per differing column (the flag's column); which rows
    were flagged (a mask over the synthetic rows)."""
    oc = ex.near_copy
    flagged = np.zeros(len(ex.exact_copy_of), dtype=bool)
    if len(oc.ref) != len(flagged) or not oc.count:
        return flagged
    natural = float(ex.holdout_near_copy_rate)
    if natural > NATURAL_COPY_LIMIT:
        notes.append(
            f"One-cell near copies not flagged row by row: {natural:.0%} of "
            f"{'holdout' if ex.baseline == 'holdout' else 'real'} rows are one too, so "
            "such rows are common in this data."
        )
        return flagged
    for j, col in enumerate(oc.columns):
        rows = np.flatnonzero(oc.column == j)
        # Surer the closer the cell, and the rarer such rows are among real rows.
        scores = (1.0 - natural) * (1.0 - 0.5 * oc.share[rows] / NEAR_SHARE)
        ev.add(NEAR_COPY, col, rows, scores, lambda r: f"near copy: {oc.words(r)}")
        flagged[rows] = True
    return flagged
