"""anonymeter's mixed-type (Gower-like) nearest-neighbour search, blockwise in numpy.

anonymeter 1.1 (``neighbors/mixed_types_kneighbors.py``) links and infers through the nearest
synthetic row under the distance, summed over the columns the attacker knows::

    numeric column:      |x - y| / range      (range: min..max over both sides)
    categorical column:  0 when equal, 1 when different (missing is one more level)
    both numeric missing: 1;  one numeric missing: NaN in anonymeter, which sorts last

It is an L1 distance, so unlike :mod:`metrics.distance` it cannot ride on matrix products. The
search here takes the attacks (a few thousand queries) against every synthetic row in blocks
that stay in cache, on two threads; one pass per column and block. For attribute inference with
several secrets it computes every column's part once per block and takes, per secret, the
argmin of the total minus that secret's part (the attacker knows every column but the secret).

Missing numbers are filled by whole query rows and candidate columns (which rows and columns are
missing is known before the block is computed) rather than by a NaN scan of every block: the
scan and its masked writes took two thirds of the search on a table with missing values, and the
parts, sums and neighbours are the same to the bit.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

# One-sided missing number: anonymeter's NaN sorts after every real distance. A finite penalty
# above any distance without it (each column adds at most 1) does the same, and keeps "total
# minus one column" exact in float32 (no inf - inf, no 1e6 swallowing the small parts).
QUERY_BLOCK = 64
CANDIDATE_BLOCK = 4096
WORKERS = max(1, min(os.cpu_count() or 1, 8))


def scale_numeric(columns: Sequence[np.ndarray]) -> float:
    """anonymeter's range of a numeric column over the arrays given (1 when it is null)."""
    lo, hi = np.inf, -np.inf
    for values in columns:
        finite = values[np.isfinite(values)]
        if finite.size:
            lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
    span = hi - lo
    return span if np.isfinite(span) and span > 0 else 1.0


def _add_part(
    total: np.ndarray,
    q: np.ndarray,
    s: np.ndarray,
    cat: bool,
    gap: float,
    buf: np.ndarray,
    flags: np.ndarray,
    nans: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> None:
    """``total += d_c`` for one column over a query block x candidate block, in place (buffers
    small enough to stay in cache: the search is bound by memory traffic). ``buf`` (numbers) or
    ``flags`` (categories) keep the column's part for a leave-one-out subtraction."""
    if cat:
        np.not_equal(q[:, None], s[None, :], out=flags)
        np.add(total, flags, out=total)
        return
    np.subtract(q[:, None], s[None, :], out=buf)
    np.abs(buf, out=buf)
    if gap:
        _fill_missing(buf, q, s, gap, nans)
    np.add(total, buf, out=total)


def _fill_missing(
    buf: np.ndarray,
    q: np.ndarray,
    s: np.ndarray,
    gap: float,
    nans: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
) -> None:
    """Replace the NaN parts: 1 where both sides are missing, ``gap`` where one is.

    ``nans`` = (query rows missing, candidate columns missing, candidate missing mask) of this
    block, when the values hold no infinity: then a NaN part comes only from a missing value, and
    writing whole rows and columns costs a fraction of a full NaN scan of the block.
    """
    if nans is None:
        nan = np.isnan(buf)
        if nan.any():
            both = np.isnan(q)[:, None] & np.isnan(s)[None, :]
            buf[nan] = np.where(both, 1.0, gap)[nan]
        return
    q_rows, s_cols, s_nan = nans
    if len(s_cols):
        buf[:, s_cols] = gap
    if len(q_rows):
        buf[q_rows] = np.where(s_nan, np.float32(1.0), np.float32(gap))


# long: the blockwise loop with its per-secret leave-one-out; splitting it hides the buffers.
def nearest_gower(
    queries: Sequence[np.ndarray],
    candidates: Sequence[np.ndarray],
    is_cat: Sequence[bool],
    leave_out: Sequence[int | None] = (None,),
    k: int = 1,
) -> np.ndarray:
    """Indices of the ``k`` nearest candidate rows of each query row.

    Parameters
    ----------
    queries, candidates:
        One array per column (same order): numbers already divided by their range (float,
        NaN = missing), categories as codes (missing = its own code).
    is_cat:
        Per column, whether it is categorical.
    leave_out:
        One search per entry: ``None`` uses every column, ``j`` every column but ``j``.
    k:
        Neighbours per query (ties go to the lower candidate index, as a stable sort gives).

    Returns
    -------
    np.ndarray
        ``(len(leave_out), n_queries, k)`` candidate positions.
    """
    nq, ns = len(queries[0]), len(candidates[0])
    k = min(k, ns)

    def prep(a: np.ndarray, cat: bool) -> np.ndarray:
        if cat:
            return np.nan_to_num(np.asarray(a, dtype=np.float64), nan=-1.0).astype(np.int32)
        return np.asarray(a, dtype=np.float32)

    f = [prep(a, c) for a, c in zip(queries, is_cat, strict=True)]
    g = [prep(a, c) for a, c in zip(candidates, is_cat, strict=True)]
    one_missing = float(len(f) + 1)
    gaps = [
        one_missing if (not cat) and (np.isnan(a).any() or np.isnan(b).any()) else 0.0
        for a, b, cat in zip(f, g, is_cat, strict=True)
    ]
    out = np.zeros((len(leave_out), nq, k), dtype=np.int64)

    # Without infinities a NaN part comes only from a missing value: fill rows and columns.
    finite = not any(
        np.isinf(a).any() for a, cat in zip([*f, *g], [*is_cat, *is_cat], strict=True) if not cat
    )
    s_nan = [np.isnan(a) if gap else None for a, gap in zip(g, gaps, strict=True)]

    def work(start: int) -> None:
        stop = min(start + QUERY_BLOCK, nq)
        qb = [a[start:stop] for a in f]
        none = np.zeros(0, dtype=np.int64)
        q_nan = [
            np.flatnonzero(np.isnan(a)) if gap else none for a, gap in zip(qb, gaps, strict=True)
        ]
        shape = (stop - start, min(CANDIDATE_BLOCK, ns))
        total, buf, d = (np.empty(shape, dtype=np.float32) for _ in range(3))
        flags = np.empty(shape, dtype=bool)
        best = np.full((len(leave_out), stop - start, k), np.inf, dtype=np.float32)
        best_i = np.zeros((len(leave_out), stop - start, k), dtype=np.int64)
        for c0 in range(0, ns, CANDIDATE_BLOCK):
            width = min(CANDIDATE_BLOCK, ns - c0)
            t, b, fl, dd = total[:, :width], buf[:, :width], flags[:, :width], d[:, :width]
            nans: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
            for c, mask in enumerate(s_nan):
                if mask is not None and finite:
                    m = mask[c0 : c0 + width]
                    nans[c] = (q_nan[c], np.flatnonzero(m), m)
            t.fill(0.0)
            for c in range(len(f)):
                _add_part(t, qb[c], g[c][c0 : c0 + width], is_cat[c], gaps[c], b, fl, nans.get(c))
            for i, drop in enumerate(leave_out):
                if drop is None:
                    _merge(best[i], best_i[i], t, c0, k)
                    continue
                # total minus the left-out column's part (recomputed: cheaper than keeping it).
                if is_cat[drop]:
                    np.not_equal(qb[drop][:, None], g[drop][None, c0 : c0 + width], out=fl)
                    np.subtract(t, fl, out=dd)
                else:
                    np.subtract(qb[drop][:, None], g[drop][None, c0 : c0 + width], out=b)
                    np.abs(b, out=b)
                    if gaps[drop]:
                        sd = g[drop][c0 : c0 + width]
                        _fill_missing(b, qb[drop], sd, gaps[drop], nans.get(drop))
                    np.subtract(t, b, out=dd)
                _merge(best[i], best_i[i], dd, c0, k)
        out[:, start:stop] = best_i

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(work, range(0, nq, QUERY_BLOCK)))
    return out


def _merge(best: np.ndarray, best_i: np.ndarray, d: np.ndarray, offset: int, k: int) -> None:
    """Fold one block's distances into the running ``k`` best (earlier blocks win ties)."""
    if k == 1:
        a = d.argmin(axis=1)
        m = d[np.arange(len(d)), a]
        better = m < best[:, 0]
        best[better, 0] = m[better]
        best_i[better, 0] = a[better] + offset
        return
    kk = min(k, d.shape[1])
    part = np.argpartition(d, kk - 1, axis=1)[:, :kk]
    vals = np.take_along_axis(d, part, axis=1)
    all_v = np.concatenate([best, vals], axis=1)
    all_i = np.concatenate([best_i, part + offset], axis=1)
    order = np.lexsort((all_i, all_v), axis=1)[:, :k]
    best[:] = np.take_along_axis(all_v, order, axis=1)
    best_i[:] = np.take_along_axis(all_i, order, axis=1)
