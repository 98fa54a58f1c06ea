"""Row flags, reason ``anomalous``: unusual combinations by cross-fitted isolation forests.

See :mod:`metrics.flags` for how the level is set from the real rows.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import IsolationForest

from metrics.distance import DistanceSpace
from metrics.encode import MISSING, Encoded, Side
from metrics.flags_kinds import ANOMALOUS, Events, num_text

ANOMALY_SHARE = 0.01
ANOMALY_TREES = 50  # per forest; each row is scored by one of two
MIN_ANOMALY_ROWS = 20
MAX_ANOMALY_FIT_ROWS = 50_000


def _real_freq(enc: Encoded, col: str) -> np.ndarray:
    """Share of real rows per shared code + 1 (slot 0 = missing); 0 for unseen levels."""
    real = enc.real.codes[col]
    return np.bincount(real + 1, minlength=len(enc.categories[col]) + 1) / max(len(real), 1)


def _anomaly_matrix(enc: Encoded, space: DistanceSpace, side: Side) -> np.ndarray:
    cols = []
    for col in space.continuous:
        x = space.scaled(side, col)
        cols.append(np.nan_to_num(x, nan=0.0, posinf=1e6, neginf=-1e6))
        if np.isnan(enc.real.numeric[col]).any() or np.isnan(enc.synthetic.numeric[col]).any():
            cols.append(np.isnan(x).astype(float))
    for col in space.categorical:
        # A category enters as its real frequency: rare and unseen levels isolate quickly.
        cols.append(_real_freq(enc, col)[side.codes[col] + 1])
    return np.column_stack(cols)


def flag_anomalous(enc: Encoded, seed: int, ev: Events, notes: list[str]) -> float | None:
    """Flag the synthetic rows the forests score above the real rows' level; the level used
    (None when anomalies were not checked)."""
    n_real = enc.real.n_rows
    if n_real < MIN_ANOMALY_ROWS or not enc.analysed:
        notes.append(
            f"Anomalies not checked: they need at least {MIN_ANOMALY_ROWS} real rows "
            "and one analysed column."
        )
        return None
    space = DistanceSpace.fit(enc)
    Xr, Xs = _anomaly_matrix(enc, space, enc.real), _anomaly_matrix(enc, space, enc.synthetic)
    fit_rows = np.random.default_rng(seed).permutation(n_real)[:MAX_ANOMALY_FIT_ROWS]
    halves = (fit_rows[0::2], fit_rows[1::2])
    forests = [
        IsolationForest(
            n_estimators=ANOMALY_TREES, max_samples=min(256, len(h)), random_state=seed + i
        ).fit(Xr[h])
        for i, h in enumerate(halves)
    ]
    # Each real half is scored by the forest that never saw it (higher = more anomalous).
    real_scores = np.r_[
        -forests[1].score_samples(Xr[halves[0]]), -forests[0].score_samples(Xr[halves[1]])
    ]
    thr = float(np.quantile(real_scores, 1.0 - ANOMALY_SHARE))
    syn_scores = np.empty(enc.synthetic.n_rows)
    pick = np.arange(enc.synthetic.n_rows) % 2
    for i, forest in enumerate(forests):
        if (pick == i).any():
            syn_scores[pick == i] = -forest.score_samples(Xs[pick == i])
    rows = np.flatnonzero(syn_scores > thr)
    scores = 0.5 + 0.5 * np.minimum(1.0, (syn_scores[rows] - thr) / max(1.0 - thr, 1e-9))
    rarest = dict(zip(rows.tolist(), _rarest(enc, rows), strict=True))
    level = f"above {thr:.2f}, which only {ANOMALY_SHARE:.0%} of real rows reach"

    def text(r: int) -> str:
        return (
            f"unusual combination of values (anomaly score {syn_scores[r]:.2f}, {level}); "
            f"most unusual: {rarest[int(r)]}"
        )

    ev.add(ANOMALOUS, "", rows, scores, text)
    return thr


def _rarest(enc: Encoded, rows: np.ndarray) -> list[str]:
    """For each synthetic row, the cell the real data has least often, in words."""
    best, pick = np.full(len(rows), 2.0), np.full(len(rows), -1)
    cols = list(enc.analysed)
    for j, col in enumerate(cols):
        if col in enc.real.codes:
            tail = _real_freq(enc, col)[enc.synthetic.codes[col][rows] + 1]
        else:
            values = np.sort(enc.real.numeric[col][np.isfinite(enc.real.numeric[col])])
            v = enc.synthetic.numeric[col][rows]
            if values.size == 0:
                continue
            below = np.searchsorted(values, v, side="right") / values.size
            above = 1.0 - np.searchsorted(values, v, side="left") / values.size
            tail = np.where(np.isnan(v), 2.0, np.minimum(below, above))
        better = tail < best
        best[better], pick[better] = tail[better], j
    out = []
    for i, r in enumerate(rows):
        col = cols[pick[i]] if pick[i] >= 0 else ""
        if not col:
            out.append("no single value stands out")
        elif col in enc.synthetic.codes:
            code = int(enc.synthetic.codes[col][r])
            label = "missing" if code == MISSING else enc.categories[col][code]
            out.append(f"{col} = '{label}' ({best[i]:.1%} of real rows)")
        else:
            value = num_text(float(enc.synthetic.numeric[col][r]), enc.schema.kind_of(col))
            out.append(f"{col} = {value} ({best[i]:.1%} of real values as far out)")
    return out
