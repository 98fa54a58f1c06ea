"""Distance-based membership inference: are training rows closer to the synthetic data?

The attack
----------
An attacker holding the synthetic data and a candidate record guesses "it was in the training
data" when the record lies close to some synthetic row. Each candidate's score is minus its
distance to the closest synthetic row, in the mixed-type distance of :mod:`metrics.distance`
(the one privacy's nearest-neighbour search uses, scales fitted on the training rows). Members
are training rows (``enc.real``), non-members the control rows: the uploaded holdout, or real
rows the user confirms the generator never saw (``control_rows``; they then leave the members).

The result is the ROC AUC of members against non-members: 0.5 when the generator keeps no more
of its training rows than of fresh ones, 1 when every training row sits closer to the synthetic
data than every control row. Ties (two rows both copied at distance 0) count one half. The
interval is DeLong's (:mod:`metrics.detection_auc`).

Samples
-------
Both sides are sampled to the same size, at most :data:`MAX_PER_SIDE` rows each (seeded, rows
without replacement), so the AUC is balanced and the search costs at most ``2 * MAX_PER_SIDE``
queries against every synthetic row. The sizes travel in the result.

Without a control
-----------------
No AUC is computed (``auc`` NaN, ``interval`` None, ``note`` says why): a membership score
without rows the generator never saw has no meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from metrics.detection_auc import auc_interval, delong
from metrics.distance import DistanceSpace, nearest
from metrics.encode import Encoded
from metrics.uncertainty import rng

MAX_PER_SIDE = 5_000


@dataclass(frozen=True)
class Membership:
    """Membership-inference AUC of training rows against control rows.

    Attributes
    ----------
    auc, interval:
        ROC AUC of the score ``-distance`` (members positive) and its DeLong interval.
    n_members, n_controls:
        Rows scored on each side (equal, at most :data:`MAX_PER_SIDE`).
    member_rows, control_rows:
        Their positions (members in ``enc.real``; controls in ``enc.holdout``, or in
        ``enc.real`` when ``control`` is ``"split"``).
    member_distance, control_distance:
        Each scored row's distance to its closest synthetic row.
    control:
        ``"holdout"``, ``"split"`` or ``"none"``.
    note:
        One sentence: the control and the sample sizes, or why there is no AUC.
    """

    auc: float
    interval: tuple[float, float] | None
    n_members: int
    n_controls: int
    member_rows: np.ndarray
    control_rows: np.ndarray
    member_distance: np.ndarray
    control_distance: np.ndarray
    control: str
    note: str
    columns: tuple[str, ...] = ()


def _sample(pool: np.ndarray, n: int, gen: np.random.Generator) -> np.ndarray:
    return pool if len(pool) <= n else np.sort(gen.choice(pool, n, replace=False))


# long: mostly its numpy-style docstring and the two control cases.
def membership(
    enc: Encoded,
    seed: int = 0,
    confidence: float = 0.95,
    control_rows: np.ndarray | None = None,
    max_per_side: int = MAX_PER_SIDE,
) -> Membership:
    """Distance-based membership inference of the training rows against control rows.

    Parameters
    ----------
    enc:
        The encoded pair. With a holdout, its rows are the controls.
    seed:
        Seeds the balanced samples.
    confidence:
        Level of DeLong's interval.
    control_rows:
        Without a holdout: positions in ``enc.real`` the user confirms the generator was
        trained without (a stated split); the other real rows are then the members.
    max_per_side:
        Cap on the rows scored per side.

    Returns
    -------
    Membership
        With ``auc`` NaN and ``control == "none"`` when there is no control.
    """
    gen = rng(seed, "membership")
    real, syn, hold = enc.real, enc.synthetic, enc.holdout
    empty = np.zeros(0, dtype=np.int64)
    if hold is not None and hold.n_rows > 0:
        control, c_side = "holdout", hold
        members_pool, controls_pool = np.arange(real.n_rows), np.arange(hold.n_rows)
    elif control_rows is not None and len(control_rows) > 0:
        control, c_side = "split", real
        controls_pool = np.unique(np.asarray(control_rows, dtype=np.int64))
        members_pool = np.setdiff1d(np.arange(real.n_rows), controls_pool)
    else:
        note = (
            "No membership AUC: without a holdout (or real rows confirmed unseen by the "
            "generator) there are no non-members to compare the training rows with."
        )
        nan = np.zeros(0)
        return Membership(float("nan"), None, 0, 0, empty, empty, nan, nan, "none", note)
    n = min(len(members_pool), len(controls_pool), max_per_side)
    m_rows, c_rows = _sample(members_pool, n, gen), _sample(controls_pool, n, gen)
    space = DistanceSpace.fit(enc)
    m_dist = nearest(space, real, syn, 1, query_rows=m_rows).distance[:, 0]
    c_dist = nearest(space, c_side, syn, 1, query_rows=c_rows).distance[:, 0]
    y = np.r_[np.ones(n), np.zeros(n)]
    scores = -np.r_[m_dist, c_dist]
    auc, _ = delong(y, scores)
    interval = auc_interval(y, scores, confidence)
    whose = "holdout rows" if control == "holdout" else "real rows held out by the stated split"
    note = (
        f"{n:,} training rows against {n:,} {whose}, each scored by its distance to the "
        f"closest of the {syn.n_rows:,} synthetic rows (seeded samples of at most "
        f"{max_per_side:,} a side)."
    )
    return Membership(
        auc, interval, n, n, m_rows, c_rows, m_dist, c_dist, control, note, tuple(enc.analysed)
    )  # fmt: skip


def membership_json(result: Membership) -> dict[str, Any]:
    """The fields of ``privacy.attacks.membership`` (``risk`` is the AUC, as the issue's gate
    ``max_membership_auc`` reads it)."""
    scored = result.n_members > 0
    return {
        "risk": None if not np.isfinite(result.auc) else float(result.auc),
        "auc": None if not np.isfinite(result.auc) else float(result.auc),
        "interval": None if result.interval is None else list(result.interval),
        "n_attacks": result.n_members + result.n_controls,
        "n_members": result.n_members,
        "n_controls": result.n_controls,
        # Shares at distance 0: training and control rows the synthetic data reproduces.
        "train_rate": float(np.mean(result.member_distance == 0)) if scored else None,
        "control_rate": float(np.mean(result.control_distance == 0)) if scored else None,
        "member_median_distance": float(np.median(result.member_distance)) if scored else None,
        "control_median_distance": float(np.median(result.control_distance)) if scored else None,
        "columns": list(result.columns),
        "control": result.control,
        "note": result.note,
    }
