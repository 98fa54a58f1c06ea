"""Row flags, reasons ``copied`` and ``near_copy``: from the privacy result's nearest records.

See :mod:`metrics.flags` for when exact copies are flagged and what a near copy is.
"""

from __future__ import annotations

import numpy as np

from metrics import privacy as privacy_mod
from metrics.flags_kinds import COPIED, NEAR_COPY, Events
from metrics.results import MetricResult

NATURAL_COPY_LIMIT = 0.05


def flag_copies(privacy: MetricResult, ev: Events, notes: list[str]) -> float | None:
    """Flag exact and near copies of real rows; the near-copy threshold used (NaN without a
    holdout, None when copies were not checked)."""
    ex = privacy_mod.info(privacy)
    if privacy.error or len(ex.exact_copy_of) == 0:  # failed, or no privacy result
        notes.append(f"Copies not checked: {privacy.error or 'no privacy result'}")
        return None
    copy_of = np.asarray(ex.exact_copy_of)
    natural = float(ex.holdout_copy_rate)
    m = len(ex.columns)
    if natural <= NATURAL_COPY_LIMIT:
        words = f"on all {m} analysed columns"
        rows = np.flatnonzero(copy_of >= 0)
        ev.add(
            COPIED,
            "",
            rows,
            1.0 - natural,
            lambda r: f"exact copy of real row {copy_of[r]} {words}",
        )
    else:
        notes.append(
            f"Exact copies not flagged row by row: {natural:.0%} of holdout rows equal a "
            "real row too, so equal rows are common in this data."
        )
    thr = float(ex.near_copy_threshold)
    d, closest = np.asarray(ex.dcr_synthetic), np.asarray(ex.closest_real)
    if np.isfinite(thr) and thr > 0:
        with np.errstate(invalid="ignore"):
            rows = np.flatnonzero((d < thr) & (copy_of < 0))
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
                "synthetic rows (the distance search is capped); exact copies on every row."
            )
    return thr
