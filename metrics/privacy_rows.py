"""Row-level helpers of the privacy metric: exact-copy matching and nearest-neighbour arithmetic.

Pure functions of the encoded sides; :mod:`metrics.privacy` decides which rows are compared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.distance import Neighbours
from metrics.encode import Encoded, Side
from metrics.near_hashes import multipliers, row_hash, same_except


def sample_rows(n: int, cap: int, rng: np.random.Generator) -> np.ndarray:
    return np.arange(n) if n <= cap else np.sort(rng.choice(n, cap, replace=False))


def row_keys(enc: Encoded, side: Side, rows: np.ndarray | None = None) -> np.ndarray:
    """A 64-bit hash per row over the analysed columns (codes and parsed numbers; the one
    :mod:`metrics.near_copies` builds on, a few vector passes per column)."""
    rows = np.arange(side.n_rows) if rows is None else np.asarray(rows, dtype=np.int64)
    return row_hash(enc, side, rows, multipliers(enc.analysed))


def match_rows(
    enc: Encoded,
    query: Side,
    q_rows: np.ndarray,
    ref: Side,
    r_rows: np.ndarray,
    keys: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """For each query row, the position in ``ref`` of a real row equal to it, or -1; ``keys``:
    the :func:`row_keys` of the query and the reference rows, when already made."""
    if len(r_rows) == 0 or len(q_rows) == 0:
        return np.full(len(q_rows), -1, dtype=np.int64)
    q_keys, r_keys = keys or (row_keys(enc, query, q_rows), row_keys(enc, ref, r_rows))
    table = pd.Series(r_rows, index=r_keys)
    table = table[~table.index.duplicated()]
    pos = table.index.get_indexer(q_keys)
    found = np.where(pos >= 0, table.to_numpy()[np.maximum(pos, 0)], -1)
    hit = found >= 0
    # Confirm on the values: a hash collision must not make a copy.
    hit[hit] = same_except(enc, query, q_rows[hit], ref, found[hit])
    return np.where(hit, found, -1).astype(np.int64)


def nn_ratio(nb: Neighbours) -> np.ndarray:
    d1, d2 = nb.distance[:, 0], nb.distance[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(d2 > 0, d1 / d2, 1.0)  # 0/0: the row matches two records equally
    return np.where(np.isfinite(d2), out, np.nan)


def merge_top2(a: Neighbours, b: Neighbours) -> Neighbours:
    dist = np.hstack([a.distance, b.distance])
    idx = np.hstack([a.index, b.index])
    order = np.argsort(dist, axis=1, kind="stable")[:, :2]
    return Neighbours(np.take_along_axis(idx, order, 1), np.take_along_axis(dist, order, 1))


def effective_rows(nearest_record: np.ndarray, alone: np.ndarray | None = None) -> float:
    """Kish's effective number of rows of a share whose rows come in clusters: ``n^2 / sum c^2``
    for clusters of sizes ``c``.

    The DCR share asks, of each synthetic row, whether its nearest real record is a training
    or a holdout row. Synthetic rows that share one nearest record get the same answer, so the
    share varies like a share of the records, not of the rows: with clusters of sizes ``c_j``
    its variance under a random train/holdout assignment is ``e (1 - e) sum c_j^2 / n^2``.
    ``nearest_record`` holds one key per row (equal keys = same nearest record); rows marked
    ``alone`` count as clusters of their own (a tie between a training and a holdout record
    counts one half whatever the assignment, so it must not inflate the variance).
    """
    n = len(nearest_record)
    if n == 0:
        return 0.0
    alone = np.zeros(n, dtype=bool) if alone is None else alone
    _, sizes = np.unique(nearest_record[~alone], return_counts=True)
    return float(n**2 / (np.sum(sizes.astype(float) ** 2) + alone.sum()))


def finite_median(values: np.ndarray) -> float:
    """Median of the finite values; NaN without numpy's all-NaN warning (e.g. no second
    neighbour when the real data has one row)."""
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


@dataclass
class References:
    """Who is compared with whom (positions in their sides)."""

    train: Side
    train_rows: np.ndarray
    hold: Side
    hold_rows: np.ndarray
    split: bool
    note: str


def references(
    enc: Encoded, rng: np.random.Generator, cap: int, min_split: int, split: float
) -> References | None:
    """The training and holdout rows (at most ``cap`` of each): the uploaded holdout, else a
    seeded ``split`` share of the real rows; None when the real data has under ``min_split``
    rows."""
    real_rows = sample_rows(enc.real.n_rows, cap, rng)
    if enc.holdout is not None and enc.holdout.n_rows > 0:
        hold_rows = sample_rows(enc.holdout.n_rows, cap, rng)
        note = f"Holdout: the {enc.holdout.n_rows:,} uploaded holdout rows."
        return References(enc.real, real_rows, enc.holdout, hold_rows, False, note)
    if len(real_rows) < min_split:
        return None
    perm = rng.permutation(real_rows)
    n_hold = int(round(len(perm) * split))
    note = (
        f"No holdout was uploaded, so {n_hold:,} of the real rows ({split:.0%}, seeded) "
        "stand in for one. The DCR share measures memorisation only if the generator never saw "
        "those rows; if it was trained on all real rows, rely on the exact-copy count."
    )
    return References(
        enc.real, np.sort(perm[n_hold:]), enc.real, np.sort(perm[:n_hold]), True, note
    )
