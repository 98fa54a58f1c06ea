"""The detection classifier, and its noise floor: the same classifier on two real samples.

Floor
-----
What an independent real sample scores: the classifier of :mod:`metrics.detection`, with the
same settings, columns and folds, is trained to tell real rows from other real rows:

- the uploaded holdout when there is one (the real rows against the holdout rows);
- otherwise a seeded split of the real rows into two halves.

Each side has as many rows as the detection run (size-matched) but at most :data:`FLOOR_ROWS`,
so the floor costs a fixed, small time however large the data (a few seconds on 2 x 5,000 rows).
Its out-of-fold ROC AUC (``floor_auc``) maps to the floor score with the detection formula. On
real rows that are truly exchangeable this AUC sits near 0.5 and the floor near 1; a holdout
that drifted from the real rows (a later period, another site) scores lower, and the synthetic
data is then judged against that drift. With fewer than ``min_rows`` rows a side, the floor is
the ideal 1 (AUC 0.5), stated in the note.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from metrics.detection_auc import detection_score
from metrics.encode import Encoded
from metrics.features import FeatureSpace, auc_score, model_threads
from metrics.uncertainty import rng

N_FOLDS = 3
FLOOR_ROWS = 5_000  # rows per side of the floor classifier (a cap on its cost)


def discriminator(n_train: int, seed: int) -> HistGradientBoostingClassifier:
    """The real-vs-synthetic classifier, for a training set of ``n_train`` rows."""
    # Small leaves on small data so a handful of impossible rows can still form their own
    # region; sklearn's default of 20 on large data keeps the trees from chasing noise.
    leaf = int(min(20, max(5, n_train // 100)))
    return HistGradientBoostingClassifier(
        max_iter=60,
        learning_rate=0.3,
        min_samples_leaf=leaf,
        early_stopping=True,
        random_state=seed,
    )


def folds(y: np.ndarray, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The stratified folds (train, test) every detection classifier uses."""
    split = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    return list(split.split(np.zeros(len(y)), y))


def fit(
    X: np.ndarray, y: np.ndarray, train: np.ndarray, cat_mask: np.ndarray, seed: int
) -> HistGradientBoostingClassifier:
    """The classifier trained on the ``train`` rows of ``X``."""
    model = discriminator(len(train), seed)
    model.set_params(categorical_features=cat_mask if cat_mask.any() else None)
    return model.fit(X[train], y[train])


@dataclass(frozen=True)
class Floor:
    """The floor classifier's result: ``auc`` (None when not measured), rows per side, words."""

    auc: float | None
    n_per_side: int
    note: str


def measure_floor(
    enc: Encoded, space: FeatureSpace, keep: np.ndarray, n_main: int, seed: int, min_rows: int
) -> Floor:
    """Cross-validated AUC of the detection classifier on real rows against real rows.

    Parameters
    ----------
    space, keep:
        The detection run's feature space and the columns it used.
    n_main:
        Rows per side of the detection run: the floor uses as many, at most :data:`FLOOR_ROWS`.
    min_rows:
        Fewer rows a side than this: not measured (``auc`` None).
    """
    gen = rng(seed, "detection", "floor")
    if enc.holdout is not None and enc.holdout.n_rows > 0:
        other, n_other = enc.holdout, enc.holdout.n_rows
        n = min(enc.real.n_rows, n_other, n_main, FLOOR_ROWS)
        rows_a = np.sort(gen.choice(enc.real.n_rows, n, replace=False))
        rows_b = np.sort(gen.choice(n_other, n, replace=False))
        how = f"the real rows from the holdout rows ({n:,} a side)"
    else:
        other = enc.real
        n = min(enc.real.n_rows // 2, n_main, FLOOR_ROWS)
        perm = gen.permutation(enc.real.n_rows)
        rows_a, rows_b = np.sort(perm[:n]), np.sort(perm[n : 2 * n])
        how = f"two halves of the real rows (seeded split, {n:,} a side)"
    if n < min_rows or not keep.any():
        note = (
            f"Too few real rows ({n:,} a side, {min_rows} needed) to measure the floor: it is "
            "the ideal 1 (AUC 0.5)."
        )
        return Floor(None, n, note)
    X = np.vstack([space.matrix(enc.real, rows_a), space.matrix(other, rows_b)])[:, keep]
    y = np.r_[np.zeros(n, dtype=np.int8), np.ones(n, dtype=np.int8)]
    oof = np.empty(len(y))
    cat_mask = space.categorical[keep]
    with threadpool_limits(limits=model_threads(2 * n), user_api="openmp"):
        for train, test in folds(y, seed):
            oof[test] = fit(X, y, train, cat_mask, seed).predict_proba(X[test])[:, 1]
    auc = float(auc_score(y, oof))
    note = (
        f"Floor: the same classifier, telling {how}, reaches ROC AUC {auc:.3f}; an independent "
        f"real sample scores about {detection_score(auc):.3f}."
    )
    return Floor(auc, n, note)
