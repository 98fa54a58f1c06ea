"""A distance between mixed-type rows and a fast blockwise nearest-neighbour search.

The distance
------------
Between rows ``x`` and ``y`` over the ``m`` analysed columns (numerical, datetime, categorical,
boolean; id and text columns identify rows rather than describe them and are left out)::

    d(x, y) = sqrt( (1/m) * sum_c d_c(x, y)^2 )

- numerical and datetime columns: ``d_c = |x_c - y_c| / s_c`` where ``s_c`` is the real data's
  interquartile range (robust to the outliers a generator invents). When the IQR is 0 (a column
  that is mostly one value) ``s_c`` falls back to ``1.349 * std`` (the IQR of a normal with that
  std), and to 1 for a constant column;
- categorical and boolean columns: ``d_c = 0`` when the labels are equal, 1 when they differ
  (one-hot vectors scaled by ``sqrt(0.5)``, so a mismatch is one spread unit);
- missing values: ``d_c^2 = MISSING_PENALTY`` (1, like a category mismatch or one IQR) when one
  side is missing and 0 when both are; a missing category is one more level, so the same rule.

So ``d`` is the root-mean-square per-column distance: 0 for identical rows, about 1 for two
random rows of a typical table. Unlike sdmetrics' Gower-like DCR (range-scaled L1 capped at 1)
it is a Euclidean distance, which lets the search run on matrix products.

The search
----------
``d^2`` splits into a query term, a reference term and an inner product of per-row features, also
with the missing-value rule (see :func:`_pair_features`), so each block of query x reference rows
costs one float32 matrix product and one ``argmin`` pass (two for the second neighbour); blocks
run on every core at once. The chosen neighbours' distances are then recomputed exactly in float64
(:func:`paired_distances`), so an exact copy has distance 0 exactly and ties are real ties.
A categorical column with ``L`` levels in use takes ``L - 1`` features (the corners of a regular
simplex) up to :data:`MAX_ONEHOT` levels, fewer when many categorical columns would push the
width past :data:`MAX_FEATURES`; beyond that, the rarest real levels share one slot while
searching, so two different rare levels can look equal and the search may return a close but
not the closest record for such rows. The reported distances always use the true labels.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy.linalg import helmert
from threadpoolctl import threadpool_limits

from metrics.encode import MISSING, Encoded, Side
from metrics.results import Progress, no_progress

MISSING_PENALTY = 1.0
MAX_ONEHOT = 64  # one-hot slots per categorical column (exact up to this many levels)
MIN_ONEHOT = 8
MAX_FEATURES = 192  # total width the caps aim at when there are many categorical columns
QUERY_BLOCK = 256
REFERENCE_BLOCK = 2048
WORKERS = max(1, min(os.cpu_count() or 1, 8))


@dataclass(frozen=True)
class DistanceSpace:
    """How each analysed column enters the distance; fitted on the real side of an Encoded.

    Attributes
    ----------
    continuous, categorical:
        Column names, in schema order.
    center, scale:
        Real median and spread of each continuous column (see the module docstring).
    slot:
        Per categorical column, a lookup from shared code + 1 (slot 0 = missing) to a one-hot slot
        used by the search.
    """

    continuous: tuple[str, ...]
    categorical: tuple[str, ...]
    center: dict[str, float]
    scale: dict[str, float]
    slot: dict[str, np.ndarray]

    @property
    def n_columns(self) -> int:
        return len(self.continuous) + len(self.categorical)

    @classmethod
    def fit(cls, enc: Encoded, real: Side | None = None) -> DistanceSpace:
        """Take the scales and category slots from ``real`` (default: ``enc.real``)."""
        real = enc.real if real is None else real
        cont = tuple(enc.continuous)
        cat = tuple(enc.discrete)
        center, scale = {}, {}
        for col in cont:
            center[col], scale[col] = robust_scale(real.numeric[col])
        # Cap the one-hot width per column so that the products stay cheap: exact up to the cap.
        room = (MAX_FEATURES - 3 * len(cont)) // max(len(cat), 1)
        cap = max(MIN_ONEHOT, min(MAX_ONEHOT, room))
        slot = {col: _slots(real.codes[col], len(enc.categories[col]), cap) for col in cat}
        return cls(cont, cat, center, scale, slot)

    def scaled(self, side: Side, col: str, rows: np.ndarray | None = None) -> np.ndarray:
        values = side.numeric[col] if rows is None else side.numeric[col][rows]
        return (values - self.center[col]) / self.scale[col]


def robust_scale(values: np.ndarray) -> tuple[float, float]:
    """``(median, spread)`` of a column: IQR, else ``1.349 * std``, else 1."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, 1.0
    q1, med, q3 = np.percentile(finite, [25, 50, 75])
    spread = float(q3 - q1)
    if not spread > 0:
        spread = float(1.349 * finite.std())
    if not spread > 0 or not np.isfinite(spread):
        spread = 1.0
    return float(med), spread


def _slots(real_codes: np.ndarray, n_levels: int, cap: int) -> np.ndarray:
    """Shared code + 1 -> one-hot slot: slot 0 = missing, the ``cap - 1`` most frequent real
    levels one slot each, every other level the last slot."""
    counts = np.bincount(real_codes[real_codes != MISSING], minlength=n_levels)[:n_levels]
    order = np.argsort(-counts, kind="stable")  # ties keep shared order: deterministic
    rank = np.empty(n_levels, dtype=np.int64)
    rank[order] = np.arange(n_levels)
    slots = np.empty(n_levels + 1, dtype=np.int64)
    slots[0] = 0
    slots[1:] = 1 + np.minimum(rank, cap - 1)
    return slots


def _take(arr: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    return arr if rows is None else arr[rows]


def paired_distances(
    space: DistanceSpace,
    a: Side,
    rows_a: np.ndarray,
    b: Side,
    rows_b: np.ndarray,
) -> np.ndarray:
    """Exact float64 distances between row ``rows_a[i]`` of ``a`` and ``rows_b[i]`` of ``b``."""
    rows_a = np.asarray(rows_a, dtype=np.int64)
    rows_b = np.asarray(rows_b, dtype=np.int64)
    total = np.zeros(len(rows_a))
    for col in space.continuous:
        x, y = space.scaled(a, col, rows_a), space.scaled(b, col, rows_b)
        nx, ny = np.isnan(x), np.isnan(y)
        sq = np.where(nx | ny, np.where(nx & ny, 0.0, MISSING_PENALTY), (x - y) ** 2)
        total += sq
    for col in space.categorical:
        total += a.codes[col][rows_a] != b.codes[col][rows_b]
    return np.sqrt(total / max(space.n_columns, 1))


def distance_matrix(
    space: DistanceSpace,
    a: Side,
    b: Side,
    rows_a: np.ndarray | None = None,
    rows_b: np.ndarray | None = None,
) -> np.ndarray:
    """Exact float64 distances between every row of ``a`` and every row of ``b`` (small inputs)."""
    ra = np.arange(a.n_rows) if rows_a is None else np.asarray(rows_a)
    rb = np.arange(b.n_rows) if rows_b is None else np.asarray(rows_b)
    ia, ib = np.meshgrid(ra, rb, indexing="ij")
    return paired_distances(space, a, ia.ravel(), b, ib.ravel()).reshape(len(ra), len(rb))


def _pair_features(
    space: DistanceSpace,
    q: Side,
    q_rows: np.ndarray | None,
    r: Side,
    r_rows: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """float32 ``F`` (query rows x f) and ``G`` (f x reference rows) with
    ``sum_c d_c^2 = qterm[i] + F[i] @ G[:, j]``; ``qterm`` is constant per query row, so it never
    changes which reference row is nearest and is not returned.

    A column without missing values on either side needs one feature: ``x^2 + y^2 - 2xy``.
    With missing values, writing ``a``/``b`` for "present" and ``x``/``y`` as 0 where missing::

        d_c^2 = a b (x - y)^2 + p (a + b - 2ab)
              = p a  +  p b  +  [x^2, a, x] . [b, y^2 - 2 p b, -2 y]

    which is the exact rule (``p`` when one side is missing, 0 when both are). A categorical
    column with ``w`` slots in use takes ``w - 1`` features: the corners of a regular simplex
    with unit edges, so two different slots are at squared distance 1 and equal ones at 0.
    """
    xs = {c: space.scaled(q, c, q_rows) for c in space.continuous}
    ys = {c: space.scaled(r, c, r_rows) for c in space.continuous}
    gaps = {c: bool(np.isnan(xs[c]).any() or np.isnan(ys[c]).any()) for c in space.continuous}
    widths = [3 if gaps[c] else 1 for c in space.continuous]
    nq, nr = _n(q, q_rows), _n(r, r_rows)
    cat_slots = {}
    for col in space.categorical:
        sq = space.slot[col][_take(q.codes[col], q_rows).astype(np.int64) + 1]
        sr = space.slot[col][_take(r.codes[col], r_rows).astype(np.int64) + 1]
        used, inv = np.unique(np.r_[sq, sr], return_inverse=True)
        cat_slots[col] = (_simplex(len(used)), inv[:nq], inv[nq:])
        widths.append(len(used) - 1)
    F = np.zeros((nq, sum(widths) + 1), dtype=np.float32)
    G = np.zeros((sum(widths) + 1, nr), dtype=np.float32)
    j = 0
    for col in space.continuous:
        x, y = xs[col], ys[col]
        if not gaps[col]:
            F[:, j], G[j] = x, -2.0 * y
            G[-1] += y * y  # the reference term rides on F's constant last column
            j += 1
            continue
        mx, my = np.isnan(x), np.isnan(y)
        b = (~my).astype(np.float64)
        x0, y0 = np.where(mx, 0.0, x), np.where(my, 0.0, y)
        F[:, j], F[:, j + 1], F[:, j + 2] = x0 * x0, ~mx, x0
        G[j], G[j + 1], G[j + 2] = b, y0 * y0 - 2.0 * MISSING_PENALTY * b, -2.0 * y0
        G[-1] += MISSING_PENALTY * b
        j += 3
    for col, width in zip(space.categorical, widths[len(space.continuous) :], strict=True):
        corners, iq, ir = cat_slots[col]
        F[:, j : j + width] = corners[iq]
        G[j : j + width] = -2.0 * corners[ir].T
        G[-1] += 0.5 * (1.0 - 1.0 / len(corners))  # |corner|^2, the same for every level
        j += width
    F[:, -1] = 1.0
    return F, G


def _simplex(w: int) -> np.ndarray:
    """``w`` points in ``w - 1`` dimensions, all at distance 1 from each other."""
    if w < 2:
        return np.zeros((w, 0))
    return helmert(w).T / np.sqrt(2.0)  # orthonormal basis orthogonal to (1, ..., 1)


def _n(side: Side, rows: np.ndarray | None) -> int:
    return side.n_rows if rows is None else len(rows)


@dataclass
class Neighbours:
    """``index[i, k]`` is the position (in the reference side) of query row i's (k+1)-th nearest
    reference row and ``distance[i, k]`` its exact distance; -1 / inf when there is none."""

    index: np.ndarray
    distance: np.ndarray


# long: mostly its numpy-style docstring; the code is 34 lines.
def nearest(
    space: DistanceSpace,
    query: Side,
    reference: Side,
    k: int = 1,
    query_rows: np.ndarray | None = None,
    reference_rows: np.ndarray | None = None,
    progress: Progress = no_progress,
    label: str = "Searching nearest records",
) -> Neighbours:
    """The ``k`` (1 or 2) nearest reference rows of every query row, blockwise.

    Parameters
    ----------
    space:
        The fitted :class:`DistanceSpace`.
    query, reference:
        Sides of the Encoded; ``query_rows`` / ``reference_rows`` restrict them to some rows.
        Returned indices are positions in ``reference`` (not in ``reference_rows``).
    k:
        1 or 2 (the second neighbour gives the nearest-neighbour distance ratio).
    progress:
        Called after each block of query rows.

    Returns
    -------
    Neighbours
        Arrays of shape ``(n_query, k)``.
    """
    if k not in (1, 2):
        raise ValueError("k must be 1 or 2")
    F, G = _pair_features(space, query, query_rows, reference, reference_rows)
    nq = F.shape[0]
    best = np.full((nq, 2), np.inf, dtype=np.float32)
    best_i = np.full((nq, 2), -1, dtype=np.int64)
    starts = list(range(0, nq, QUERY_BLOCK))
    done = 0

    def work(start: int) -> int:
        stop = min(start + QUERY_BLOCK, nq)
        _search_block(F[start:stop], G, k, best[start:stop], best_i[start:stop])
        return stop - start

    # One BLAS thread per worker: each core runs its own product and argmin on a block that
    # stays in its cache, instead of BLAS threads sharing a product and one thread reducing.
    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(WORKERS) as pool:
        for n_done in pool.map(work, starts):
            done += n_done
            if done % (QUERY_BLOCK * 16) < QUERY_BLOCK or done == nq:
                progress(done / max(nq, 1), f"{label}: {done:,} of {nq:,} rows")
    ref_pos = np.arange(reference.n_rows) if reference_rows is None else np.asarray(reference_rows)
    q_pos = np.arange(query.n_rows) if query_rows is None else np.asarray(query_rows)
    index = np.where(best_i[:, :k] >= 0, ref_pos[np.maximum(best_i[:, :k], 0)], -1)
    distance = np.full((nq, k), np.inf)
    for j in range(k):
        ok = index[:, j] >= 0
        distance[ok, j] = paired_distances(space, query, q_pos[ok], reference, index[ok, j])
    if k == 2:
        # Exact recomputation can swap two float32 near-ties; keep the pair ordered.
        swap = distance[:, 1] < distance[:, 0]
        index[swap] = index[swap][:, ::-1]
        distance[swap] = distance[swap][:, ::-1]
    return Neighbours(index=index, distance=distance)


def _search_block(
    fq: np.ndarray, G: np.ndarray, k: int, best: np.ndarray, best_i: np.ndarray
) -> None:
    """Update running top-k (``best``/``best_i``, views) of one query block over all of G."""
    rows = np.arange(len(fq))
    buf = np.empty((len(fq), min(REFERENCE_BLOCK, G.shape[1])), dtype=np.float32)
    for start in range(0, G.shape[1], REFERENCE_BLOCK):
        g = G[:, start : start + REFERENCE_BLOCK]
        D = buf[:, : g.shape[1]]
        np.matmul(fq, g, out=D)
        a1 = D.argmin(axis=1)
        m1 = D[rows, a1]
        if k == 1:
            better = m1 < best[:, 0]
            best[better, 0] = m1[better]
            best_i[better, 0] = a1[better] + start
            continue
        if g.shape[1] > 1:
            D[rows, a1] = np.inf
            a2 = D.argmin(axis=1)
            m2 = D[rows, a2]
        else:
            a2, m2 = np.zeros_like(a1), np.full(len(fq), np.inf, dtype=np.float32)
        # Merge the block's two best with the running two best.
        new_first = m1 < best[:, 0]
        second_val = np.where(new_first, np.minimum(best[:, 0], m2), np.minimum(best[:, 1], m1))
        second_idx = np.where(
            new_first,
            np.where(best[:, 0] <= m2, best_i[:, 0], a2 + start),
            np.where(best[:, 1] <= m1, best_i[:, 1], a1 + start),
        )
        best[:, 1], best_i[:, 1] = second_val, second_idx
        best[new_first, 0] = m1[new_first]
        best_i[new_first, 0] = a1[new_first] + start
