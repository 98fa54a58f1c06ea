"""Singling-out predicates as anonymeter 1.1 builds them, counted with numpy.

A predicate is a conjunction of conditions ``column op value``; it *singles out* a table when
exactly one row satisfies it. The attacker builds predicates from the synthetic rows that single
out the synthetic data (``evaluators/singling_out_evaluator.py``):

- univariate: ``col.is_null()`` when one value is missing, ``col <= min`` and ``col >= max`` of
  each numeric column, and ``col == v`` for each value seen once; shuffled, kept while they single
  out the synthetic data;
- multivariate: a random synthetic row and ``n_cols`` random columns; each condition is
  ``is_null`` for a missing value, ``==`` for a category, and for a number ``>= v`` when ``v``
  is above the synthetic median, else ``<= v`` (extreme values single out more often);
- the baseline: random columns, a random value among each column's distinct synthetic values and
  a random operator (``==``/``!=`` for categories, any comparison for numbers); not required to
  single out the synthetic data.

A table is a list of float arrays, one per column (categories as codes, NaN = missing). Missing
cells satisfy no comparison (polars' null semantics), only ``is_null``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EQ, NE, GT, LT, GE, LE, NULL, NOTNULL = range(8)
Table = list[np.ndarray]
# Predicates: (columns, operators, values), each (n_predicates, n_conditions).
Predicates = tuple[np.ndarray, np.ndarray, np.ndarray]
BATCH = 1000
SCREEN_ROWS = 2048


def _condition(values: np.ndarray, op: int, v: float) -> np.ndarray:
    if op == NULL:
        return np.isnan(values)
    if op == NOTNULL:
        return ~np.isnan(values)
    if op == EQ:
        return values == v
    if op == NE:
        return (values != v) & ~np.isnan(values)
    if op == GT:
        return values > v
    if op == LT:
        return values < v
    return values >= v if op == GE else values <= v


class Index:
    """Each column of a table sorted once, so a condition's rows are a slice found by binary
    search: a predicate then costs the size of its most selective condition, not a pass over
    the table (singling-out predicates are selective by construction)."""

    def __init__(self, table: Table):
        self.table = table
        self.n_rows = len(table[0]) if table else 0
        self.order = [np.argsort(v, kind="stable") for v in table]  # NaN sorts last
        self.sorted = [v[o] for v, o in zip(table, self.order, strict=True)]
        self.n_valid = [int((~np.isnan(v)).sum()) for v in table]

    def span(self, c: int, op: int, v: float) -> tuple[int, int] | None:
        """Positions in column ``c``'s sorted order of the rows meeting the condition, or None
        when they are not one slice (``!=``, ``is not null``: rarely selective)."""
        s, n = self.sorted[c][: self.n_valid[c]], self.n_valid[c]
        if op == NULL:
            return n, self.n_rows
        if np.isnan(v) or op in (NE, NOTNULL):
            return (0, 0) if np.isnan(v) and op not in (NE, NOTNULL) else None
        if op == EQ:
            return int(np.searchsorted(s, v, "left")), int(np.searchsorted(s, v, "right"))
        if op in (GE, GT):
            return int(np.searchsorted(s, v, "left" if op == GE else "right")), n
        return 0, int(np.searchsorted(s, v, "right" if op == LE else "left"))


def count_matches(table: Table | Index, preds: Predicates) -> np.ndarray:
    """Rows of ``table`` each predicate matches.

    The most selective condition's rows come from the index; the other conditions are checked
    on those rows only.
    """
    index = table if isinstance(table, Index) else Index(table)
    cols, ops, vals = preds
    out = np.zeros(len(cols), dtype=np.int64)
    for i in range(len(cols)):
        spans = [
            index.span(int(c), int(o), float(v))
            for c, o, v in zip(cols[i], ops[i], vals[i], strict=True)
        ]
        sizes = [np.inf if sp is None else sp[1] - sp[0] for sp in spans]
        first = int(np.argmin(sizes))
        sp = spans[first]
        if sp is None:
            c = int(cols[i, first])
            rows = np.flatnonzero(_condition(index.table[c], int(ops[i, first]), vals[i, first]))
        else:
            rows = index.order[int(cols[i, first])][sp[0] : sp[1]]
        for j in range(cols.shape[1]):
            if j == first or rows.size == 0:
                continue
            c = int(cols[i, j])
            rows = rows[_condition(index.table[c][rows], int(ops[i, j]), vals[i, j])]
        out[i] = rows.size
    return out


def _compare(x: np.ndarray, op: int, v: np.ndarray) -> np.ndarray:
    """``_condition`` on a matrix, one value per row (``v`` is a column vector)."""
    if op in (NULL, NOTNULL):
        nan = np.isnan(x)
        return nan if op == NULL else ~nan
    if op == NE:
        return (x != v) & ~np.isnan(x)
    fn = {EQ: np.equal, GT: np.greater, LT: np.less, GE: np.greater_equal, LE: np.less_equal}
    return fn[op](x, v)


def screen(sample_t: np.ndarray, preds: Predicates) -> np.ndarray:
    """Whether each predicate may single out the table ``sample_t`` (columns x rows) is drawn from:
    two matches in a sample of its rows already mean two in the table. Cheap and vectorised, it
    spares the exact count for most predicates, which match many rows."""
    cols, ops, vals = preds
    hits = np.ones((len(cols), sample_t.shape[1]), dtype=bool)
    for j in range(cols.shape[1]):
        for op in np.unique(ops[:, j]):
            rows = np.flatnonzero(ops[:, j] == op)
            hits[rows] &= _compare(sample_t[cols[rows, j]], int(op), vals[rows, j][:, None])
    return hits.sum(axis=1) < 2


def _key(cols: np.ndarray, ops: np.ndarray, vals: np.ndarray) -> tuple:
    order = np.argsort(cols, kind="stable")  # anonymeter writes conditions in column order
    return tuple(zip(cols[order].tolist(), ops[order].tolist(), vals[order].tolist(), strict=True))


def univariate(syn: Table, is_cat: Sequence[bool], n: int, gen: np.random.Generator) -> Predicates:
    """Up to ``n`` one-condition predicates that single out ``syn`` (anonymeter's univariate).

    Whether a candidate matches exactly one row is known where it is built (a value seen once,
    the only missing cell, an extreme held by one row), so no candidate is counted again."""
    found: list[tuple[int, int, float]] = []
    single: list[bool] = []
    for c, values in enumerate(syn):
        nan = np.isnan(values)
        if nan.sum() == 1:
            found.append((c, NULL, np.nan))
            single.append(True)
        present = values[~nan]
        if not is_cat[c] and present.size:
            lo, hi = present.min(), present.max()
            found += [(c, LE, float(lo)), (c, GE, float(hi))]
            single += [int((present <= lo).sum()) == 1, int((present >= hi).sum()) == 1]
        levels, counts = np.unique(present, return_counts=True)
        once = levels[counts == 1]
        found += [(c, EQ, float(v)) for v in once]
        single += [True] * len(once)
    order = gen.permutation(len(found))
    if not found:
        return _empty(1)
    keep = order[np.flatnonzero(np.asarray(single)[order])[:n]]
    cands = [found[i] for i in keep]
    return (
        np.array([c for c, _, _ in cands], dtype=np.int64).reshape(-1, 1),
        np.array([o for _, o, _ in cands], dtype=np.int64).reshape(-1, 1),
        np.array([v for _, _, v in cands], dtype=float).reshape(-1, 1),
    )


def multivariate(
    syn: Table,
    is_cat: Sequence[bool],
    n: int,
    n_cols: int,
    gen: np.random.Generator,
    max_attempts: int,
) -> tuple[Predicates, int]:
    """Up to ``n`` distinct ``n_cols``-condition predicates from synthetic rows that single out
    ``syn``, and the attempts made (at most ``max_attempts``)."""
    m, n_rows = len(syn), len(syn[0])
    n_cols = min(n_cols, m)
    medians = [
        np.nan if is_cat[c] or np.isnan(v).all() else np.nanmedian(v) for c, v in enumerate(syn)
    ]
    cat = np.asarray(is_cat, dtype=bool)
    med = np.asarray(medians, dtype=float)
    index = Index(syn)
    pick = gen.choice(n_rows, size=min(SCREEN_ROWS, n_rows), replace=False)
    sample_t = np.stack([v[pick] for v in syn])
    seen: set[tuple] = set()
    keep: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    attempts = 0
    while len(keep) < n and attempts < max_attempts:
        size = min(BATCH, max_attempts - attempts)
        rows = gen.integers(0, n_rows, size=size)
        cols = np.argsort(gen.random((size, m)), axis=1)[:, :n_cols]
        vals = np.stack(
            [np.array([syn[c][r] for c in cs]) for r, cs in zip(rows, cols, strict=True)]
        )
        ops = np.where(cat[cols], EQ, np.where(vals > med[cols], GE, LE))
        ops = np.where(np.isnan(vals), NULL, ops)
        maybe = np.flatnonzero(screen(sample_t, (cols, ops, vals)))
        counts = count_matches(index, (cols[maybe], ops[maybe], vals[maybe]))
        for i in maybe[counts == 1]:
            key = _key(cols[i], ops[i], vals[i])
            if key not in seen and len(keep) < n:
                seen.add(key)
                keep.append((cols[i], ops[i], vals[i]))
        attempts += size
    if not keep:
        return _empty(n_cols), attempts
    return (
        np.stack([k[0] for k in keep]),
        np.stack([k[1] for k in keep]),
        np.stack([k[2] for k in keep]),
    ), attempts


def random_baseline(
    syn: Table, is_cat: Sequence[bool], n: int, n_cols: int, gen: np.random.Generator
) -> Predicates:
    """``n`` random predicates (anonymeter's baseline attack) over ``n_cols`` columns each."""
    m = len(syn)
    n_cols = min(n_cols, m)
    distinct = []
    for values in syn:
        levels = np.unique(values[~np.isnan(values)])
        distinct.append(np.append(levels, np.nan) if np.isnan(values).any() else levels)
    cols = np.argsort(gen.random((n, m)), axis=1)[:, :n_cols]
    ops = np.empty((n, n_cols), dtype=np.int64)
    vals = np.empty((n, n_cols), dtype=float)
    for i in range(n):
        for j, c in enumerate(cols[i]):
            v = distinct[c][gen.integers(len(distinct[c]))] if len(distinct[c]) else np.nan
            op = int(gen.integers(2 if is_cat[c] else 6))
            if np.isnan(v):
                op = NULL if op == EQ else NOTNULL
            ops[i, j], vals[i, j] = op, v
    return cols, ops, vals


def _empty(n_cols: int) -> Predicates:
    z = np.zeros((0, n_cols), dtype=np.int64)
    return z, z.copy(), z.astype(float)
