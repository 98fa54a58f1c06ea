"""Vectorised statistics of column pairs: correlations, contingency tables, Cramer's V.

The pair metrics need, for every pair of columns, either a correlation or a contingency table
on each side. Computing them one pair at a time, as sdmetrics does, reads the data hundreds
of times; here all correlations of a side come from one pass of matrix products, and several
contingency tables come from one ``bincount`` over a joint code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from metrics.encode import digitize, histogram_edges, parallel_map

_CHUNK = 1 << 17  # rows per block of the correlation pass (bounds its memory)
_CELLS = 1 << 16  # largest joint table one bincount fills (stays in cache)
_ROWS_PER_CELL = 4  # smaller data gets smaller joint tables: summing cells must not dominate
_TINY = 1e-9  # pairwise variance (in units of the column's variance) below which we recheck


def _centre(col: np.ndarray) -> tuple[float, float]:
    """Rough centre and scale of a column from a strided sample.

    Only used to centre the sums of :func:`pearson_matrix` so they do not cancel; any value
    within a few standard deviations of the mean does, so a sample is enough.
    """
    sample = col[:: max(1, len(col) // 20_000)]
    sample = sample[np.isfinite(sample)]
    if sample.size == 0:
        return 0.0, 1.0
    sd = float(sample.std())
    return float(sample.mean()), sd if sd > 0 else 1.0


def pearson_direct(x: np.ndarray, y: np.ndarray) -> float:
    """``scipy.stats.pearsonr(x, y)`` on the rows where both are present.

    Raises ``ValueError`` when fewer than two such rows exist; returns NaN when either is
    constant on them (scipy warns and returns NaN).
    """
    both = ~(np.isnan(x) | np.isnan(y))
    x, y = x[both], y[both]
    if len(x) < 2:
        raise ValueError("fewer than two rows have both values")
    if (x == x[0]).all() or (y == y[0]).all():
        return float("nan")
    xm, ym = x - x.mean(), y - y.mean()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        xmax, ymax = np.abs(xm).max(), np.abs(ym).max()
        r = np.dot(xm / (xmax * np.linalg.norm(xm / xmax)), ym / (ymax * np.linalg.norm(ym / ymax)))
    r = float(np.clip(r, -1.0, 1.0))
    return float(np.round(r)) if len(x) == 2 and np.isfinite(r) else r


Errors = dict[tuple[int, int], str]


# long: mostly its numpy-style docstring; the code is 51 lines.
def pearson_matrix(cols: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, Errors]:
    """Pairwise-complete Pearson correlations of equally long columns (NaN = missing).

    Equal to ``pearsonr`` on each pair after dropping the rows where either value is missing
    (sdmetrics' CorrelationSimilarity) to about 1e-13. One matrix product per block of rows
    gives the sums over all rows; sums over the rows where a column is missing are then
    subtracted for the pairs that involve it. Columns are first centred so the sums do not
    cancel. Pairs whose pairwise variance is tiny or whose columns hold infinities are
    recomputed exactly one by one.

    Returns
    -------
    r:
        p x p correlations (NaN where undefined).
    n:
        p x p number of rows with both values.
    errors:
        ``{(i, j): message}`` (i < j) for pairs that could not be computed.
    """
    p = len(cols)
    n_rows = len(cols[0]) if p else 0
    centre, scale = np.array([_centre(c) for c in cols]).reshape(p, 2).T
    finite = [bool(np.isfinite(c).all()) for c in cols]
    has_inf = [not ok and bool(np.isinf(c).any()) for c, ok in zip(cols, finite, strict=True)]

    def centred(rows: slice | np.ndarray, gaps_of: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Columns (one per row of the result) centred, missing as 0, and where they were."""
        z = np.empty((p, len(range(n_rows)[rows]) if isinstance(rows, slice) else len(rows)))
        for k, c in enumerate(cols):
            np.subtract(c[rows], centre[k], out=z[k])
        gaps = np.isnan(z[gaps_of])
        for row, k in enumerate(gaps_of):
            z[k][gaps[row]] = 0.0  # a missing value adds nothing to any sum
        return z, gaps

    with_gaps = [k for k in range(p) if not finite[k]]
    s11, total = np.zeros((p, p)), np.zeros(p)
    for start in range(0, n_rows, _CHUNK):
        z, _ = centred(slice(start, min(n_rows, start + _CHUNK)), with_gaps)
        s11 += z @ z.T
        total += z.sum(axis=1)
    # Sums over the rows where j is present: the full sums minus those over j's gaps.
    s1 = np.repeat(total[:, np.newaxis], p, axis=1)
    s2 = np.repeat(np.diag(s11)[:, np.newaxis], p, axis=1)
    n_missing, both_missing = np.zeros(p), np.zeros((p, p))
    for j in with_gaps:
        z, gaps = centred(np.flatnonzero(np.isnan(cols[j])), with_gaps)
        s1[:, j] -= z.sum(axis=1)
        s2[:, j] -= (z * z).sum(axis=1)
        n_missing[j] = z.shape[1]
        both_missing[with_gaps, j] = gaps.sum(axis=1)
    cnt = n_rows - n_missing[:, np.newaxis] - n_missing[np.newaxis, :] + both_missing
    with np.errstate(invalid="ignore", divide="ignore"):
        var_i = s2 - s1 * s1 / cnt
        cov = s11 - s1 * s1.T / cnt
        r = np.clip(cov / np.sqrt(var_i * var_i.T), -1.0, 1.0)
    errors: Errors = {}
    for i in range(p):
        for j in range(i + 1, p):
            # Pairwise variances in units of each column's own (rough) variance.
            least = min(var_i[i, j] / scale[i] ** 2, var_i[j, i] / scale[j] ** 2)
            small = least <= _TINY * max(cnt[i, j], 1.0)
            if not (small or has_inf[i] or has_inf[j] or cnt[i, j] <= 2):
                continue
            try:
                r[i, j] = r[j, i] = pearson_direct(cols[i], cols[j])
            except ValueError as exc:
                r[i, j] = r[j, i] = np.nan
                errors[(i, j)] = str(exc)
    return r, cnt, errors


class _Ranker:
    """Average ranks of one column among any subset of its rows, from one sort.

    ``scipy.stats.rankdata`` on ``values[keep]`` sorts again for every subset; here the
    column is sorted once and a subset's ranks come from counting the kept rows in each run
    of equal values, in a few linear passes.
    """

    def __init__(self, values: np.ndarray):
        order = np.argsort(values, kind="stable")
        present = len(values) - int(np.isnan(values).sum())  # NaN sorts last
        self.order = order[:present]
        ordered = values[self.order]
        self.starts = np.flatnonzero(np.r_[present > 0, ordered[1:] != ordered[:-1]])
        self.lengths = np.diff(np.r_[self.starts, present])
        self.n_rows = len(values)

    def ranks(self, keep: np.ndarray | None = None) -> np.ndarray:
        """Ranks (1-based, ties averaged) of the kept rows, in row order."""
        kept = (np.ones(len(self.order)) if keep is None else keep[self.order]).astype(np.int64)
        per_run = np.add.reduceat(kept, self.starts) if len(kept) else kept
        below = np.cumsum(per_run) - per_run
        out = np.full(self.n_rows, np.nan)
        out[self.order] = np.repeat(below + (per_run + 1) / 2, self.lengths)
        return out if keep is None else out[keep]


def spearman_matrix(cols: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, Errors]:
    """Pairwise-complete Spearman correlations (``scipy.stats.spearmanr`` per pair).

    Ranks depend on which rows are kept, so pairs involving a column with missing values are
    ranked pair by pair (from one sort per column, see :class:`_Ranker`); the others share
    one ranking per column.
    """
    p = len(cols)
    complete = [not np.isnan(c).any() for c in cols]
    rankers = [_Ranker(c) for c in cols]
    ranks = [rk.ranks() if ok else c for rk, c, ok in zip(rankers, cols, complete, strict=True)]
    r, cnt, errors = pearson_matrix(ranks)
    for i in range(p):
        for j in range(i + 1, p):
            if complete[i] and complete[j]:
                continue
            both = ~(np.isnan(cols[i]) | np.isnan(cols[j]))
            try:
                r[i, j] = r[j, i] = pearson_direct(rankers[i].ranks(both), rankers[j].ranks(both))
                errors.pop((i, j), None)
            except ValueError as exc:
                r[i, j] = r[j, i] = np.nan
                errors[(i, j)] = str(exc)
    return r, cnt, errors


def _groups(pairs: list[tuple[str, str]], sizes: dict[str, int], budget: int) -> list[list[str]]:
    """Greedy groups of columns whose joint table is small, covering every requested pair.

    One ``bincount`` over a group's joint code gives the tables of all pairs inside it, so a
    group of five small columns costs one pass instead of ten.
    """
    todo = {frozenset(p) for p in pairs}
    groups = []
    for a, b in pairs:
        if frozenset((a, b)) not in todo:
            continue
        group, cells = [a, b], sizes[a] * sizes[b]
        todo.discard(frozenset((a, b)))
        while cells <= budget:
            gains = {}
            for c in sizes:
                if c in group or cells * sizes[c] > budget:
                    continue
                gain = sum(frozenset((c, g)) in todo for g in group)
                if gain:
                    gains[c] = (gain, -sizes[c])
            if not gains:
                break
            best = max(gains, key=lambda c: gains[c])
            todo.difference_update(frozenset((best, g)) for g in group)
            group.append(best)
            cells *= sizes[best]
        groups.append(group)
    return groups


def pair_tables(
    codes: dict[str, np.ndarray], sizes: dict[str, int], pairs: list[tuple[str, str]]
) -> dict[tuple[str, str], np.ndarray]:
    """Contingency tables (counts, ``sizes[a] x sizes[b]``) of the requested pairs.

    ``codes[c]`` holds integers in ``[0, sizes[c])`` (missing values need their own code);
    ``uint8``/``uint16`` codes make the joint codes of small groups cheapest to build.
    """
    wanted = set(pairs)
    out: dict[tuple[str, str], np.ndarray] = {}
    n_rows = len(next(iter(codes.values()))) if codes else 0
    budget = int(min(_CELLS, max(1024, n_rows // _ROWS_PER_CELL)))

    def count(group: list[str]) -> np.ndarray:
        shape = [sizes[c] for c in group]
        # Joint codes below 2**16 fit in uint16: a quarter of the memory traffic of int64.
        small = math.prod(shape) <= 1 << 16 and all(
            codes[c].dtype in (np.uint8, np.uint16) for c in group
        )
        key = codes[group[0]].astype(np.uint16 if small else np.int64)
        for c in group[1:]:
            np.multiply(key, sizes[c], out=key)
            np.add(key, codes[c], out=key, casting="unsafe")
        return np.bincount(key, minlength=math.prod(shape)).reshape(shape)

    groups = _groups(pairs, {c: sizes[c] for pair in pairs for c in pair}, budget)
    for group, joint in zip(groups, parallel_map(count, groups), strict=True):
        for i, a in enumerate(group):
            for j, b in enumerate(group):
                if (a, b) in wanted and (a, b) not in out:
                    other = tuple(k for k in range(len(group)) if k not in (i, j))
                    table = joint.sum(axis=other) if other else joint
                    out[(a, b)] = table if i < j else table.T
    return out


def table_chi2(table: np.ndarray) -> tuple[float, int, int, int]:
    """Pearson's chi-squared of a table without its empty rows and columns, n, rows, columns.

    The chi-squared is NaN when the table is empty or has a single row or column.
    """
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    t = table[rows > 0][:, cols > 0]
    n = int(t.sum())
    if n == 0 or min(t.shape) < 2:
        return float("nan"), n, t.shape[0], t.shape[1]
    expected = np.outer(rows[rows > 0], cols[cols > 0]) / n
    return float(((t - expected) ** 2 / expected).sum()), n, t.shape[0], t.shape[1]


def cramers_v(chi2: tuple[float, int, int, int]) -> float:
    """Cramer's V as ``scipy.stats.contingency.association(method="cramer")`` gives it.

    Takes :func:`table_chi2`'s result. This is the value sdmetrics compares with its 0.3
    threshold. It is biased upwards: two independent columns with many levels get a large V
    from sampling noise alone.
    """
    stat, n, rows, cols = chi2
    if not np.isfinite(stat):
        return float("nan")
    return math.sqrt(stat / n / min(rows - 1, cols - 1))


def cramers_v_corrected(chi2: tuple[float, int, int, int]) -> float:
    """Bias-corrected Cramer's V (Bergsma 2013) from :func:`table_chi2`: ~0 when independent.

    ``phi2 = max(0, chi2/n - (r-1)(c-1)/(n-1))`` divided by ``min(r~, c~) - 1`` with
    ``r~ = r - (r-1)^2/(n-1)``; NaN when a side has a single level or n < 2.
    """
    stat, n, rows, cols = chi2
    if not np.isfinite(stat) or n < 2:
        return float("nan")
    phi2 = max(0.0, stat / n - (rows - 1) * (cols - 1) / (n - 1))
    rows_c = rows - (rows - 1) ** 2 / (n - 1)
    cols_c = cols - (cols - 1) ** 2 / (n - 1)
    denom = min(rows_c, cols_c) - 1
    if denom <= 0:
        return float("nan")
    return min(1.0, math.sqrt(phi2 / denom))


def association_noise(chi2: tuple[float, int, int, int]) -> float:
    """Corrected Cramer's V that sampling noise alone reaches on a table of this shape.

    Under independence chi-squared has mean ``df`` and standard deviation ``sqrt(2 df)``; an
    excess of three standard deviations gives ``phi2 = 3 sqrt(2 df) / n`` after the bias
    correction, i.e. ``V = sqrt(3 sqrt(2 df) / (n k))`` with ``k = min(r, c) - 1``.
    """
    _, n, rows, cols = chi2
    k = min(rows, cols) - 1
    if n < 2 or k < 1:
        return float("nan")
    df = (rows - 1) * (cols - 1)
    return min(1.0, math.sqrt(3 * math.sqrt(2 * df) / (n * k)))


def level_map(margin: np.ndarray, least: float) -> np.ndarray:
    """0/1 matrix mapping levels to kept levels plus one "other" level (or none if tiny)."""
    keep = margin >= least
    rare = ~keep & (margin > 0)
    other = bool(rare.any()) and margin[rare].sum() >= least
    out = np.zeros((len(margin), int(keep.sum()) + other))
    out[np.flatnonzero(keep), np.arange(int(keep.sum()))] = 1
    if other:
        out[rare, -1] = 1
    return out


def collapse_rare(
    real: np.ndarray, synthetic: np.ndarray, min_share: float = 0.01, min_rows: int = 20,
    keep: tuple[bool, bool] = (False, False),
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Both tables with the levels holding fewer than ``min_share`` of the real rows (and
    fewer than ``min_rows`` rows) merged.

    Rare levels are merged into one "other" level, which is itself dropped when it is rare
    too. Chi-squared statistics of tables with thin rows or
    columns are dominated by cells expected to hold a fraction of a row, where one
    observation counts hundreds of times; a 2,000-level column then looks associated with
    anything. Measured on the main levels the association is what a person would call a
    trend. The real margins decide for both sides, so both tables keep the same cells.
    ``keep`` spares an axis from the ``min_rows`` rule (real-quantile bins: each holds a tenth
    of the rows, however few that is).
    """
    least = max(min_share * real.sum(), min_rows)
    spare = min_share * real.sum()
    out = (real.astype(np.int64), synthetic.astype(np.int64))
    for axis in (0, 1):
        margin = real.sum(axis=1 - axis)
        bar = spare if keep[axis] else least
        main = margin >= bar
        rare = ~main & (margin > 0)
        other = bool(rare.any()) and margin[rare].sum() >= bar
        # Integer sums of the kept levels and of the rare ones: exact, and no dense matrix
        # product over a 2,000-level column.
        out = tuple(  # type: ignore[assignment]
            np.concatenate(
                [np.compress(main, t, axis=axis)]
                + (
                    [np.compress(rare, t, axis=axis).sum(axis=axis, keepdims=True)] if other else []
                ),
                axis=axis,
            )
            for t in out
        )
    return out


def contingency_similarity(real: np.ndarray, synthetic: np.ndarray) -> float:
    """``1 - TV`` between the joint frequencies of two aligned count tables (sdmetrics' formula).

    An empty side has all frequencies 0, as sdmetrics' reindexing gives it.
    """
    nr, ns = real.sum(), synthetic.sum()
    if nr == 0:
        return float("nan")
    pr = real / nr
    ps = synthetic / ns if ns else np.zeros_like(pr)
    # Clipped: rounding can take the sum a hair past 2 (sdmetrics would report -2e-16).
    return float(np.clip(1.0 - 0.5 * np.abs(pr - ps).sum(), 0.0, 1.0))


def sdmetrics_bins(values: np.ndarray) -> tuple[np.ndarray, str | None]:
    """Codes of a continuous column as sdmetrics' ColumnPairTrends discretises it.

    Ten equal-width bins over the column's own values (each side separately), ``np.digitize``
    on them, so the maximum value and missing values share code 11. Returns the codes and
    an error message when the bins cannot be made (infinite values).
    """
    lo, hi = np.fmin.reduce(values, initial=np.inf), np.fmax.reduce(values, initial=-np.inf)
    if np.isinf(lo) and np.isinf(hi) and lo > hi:
        lo, hi = 0.0, 1.0  # no values: numpy's range for an empty array
    elif not (np.isfinite(lo) and np.isfinite(hi)):
        message = f"ValueError: autodetected range of [{lo}, {hi}] is not finite"
        return np.zeros(len(values), dtype=np.int8), message
    try:
        edges = histogram_edges(float(lo), float(hi))
    except ValueError as exc:
        return np.zeros(len(values), dtype=np.int8), f"ValueError: {exc}"
    return digitize(values, edges), None
