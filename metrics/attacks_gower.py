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
    sign: float = 1.0,
) -> None:
    """``total += sign * d_c`` for one column over a query block x candidate block, in place
    (buffers small enough to stay in cache: the search is bound by memory traffic)."""
    if cat:
        np.not_equal(q[:, None], s[None, :], out=flags)
        if sign > 0:
            np.add(total, flags, out=total)
        else:
            np.subtract(total, flags, out=total)
        return
    np.subtract(q[:, None], s[None, :], out=buf)
    np.abs(buf, out=buf)
    if gap:
        nan = np.isnan(buf)
        if nan.any():
            both = np.isnan(q)[:, None] & np.isnan(s)[None, :]
            buf[nan] = np.where(both, 1.0, gap)[nan]
    if sign > 0:
        np.add(total, buf, out=total)
    else:
        np.subtract(total, buf, out=total)


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

    def work(start: int) -> None:
        stop = min(start + QUERY_BLOCK, nq)
        qb = [a[start:stop] for a in f]
        shape = (stop - start, min(CANDIDATE_BLOCK, ns))
        total, buf, d = (np.empty(shape, dtype=np.float32) for _ in range(3))
        flags = np.empty(shape, dtype=bool)
        best = np.full((len(leave_out), stop - start, k), np.inf, dtype=np.float32)
        best_i = np.zeros((len(leave_out), stop - start, k), dtype=np.int64)
        for c0 in range(0, ns, CANDIDATE_BLOCK):
            width = min(CANDIDATE_BLOCK, ns - c0)
            t, b, fl = total[:, :width], buf[:, :width], flags[:, :width]
            t.fill(0.0)
            for c in range(len(f)):
                _add_part(t, qb[c], g[c][c0 : c0 + width], is_cat[c], gaps[c], b, fl)
            for i, drop in enumerate(leave_out):
                if drop is None:
                    _merge(best[i], best_i[i], t, c0, k)
                    continue
                dd = d[:, :width]
                np.copyto(dd, t)
                _add_part(
                    dd, qb[drop], g[drop][c0 : c0 + width], is_cat[drop], gaps[drop], b, fl, -1.0
                )
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
