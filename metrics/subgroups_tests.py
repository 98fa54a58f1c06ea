"""The tests inside each level of a grouping column: column shapes and pair trends, with the
whole table's score of the same column or pair beside each (see :mod:`metrics.subgroups_stats`
for how a gap is judged against noise).

Per level, one sort per tested number (KS), one ``bincount`` per category column and per
related pair across all the levels of a grouping column at once, and one correlation matrix
per side for all the numbers of the related pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metrics.marginal_stats import MAX_DECIMALS, ks_statistic, quantile_sorted, sorted_values
from metrics.options import Options
from metrics.pair_stats import cramers_v_corrected, pearson_matrix, table_chi2
from metrics.schema import Kind
from metrics.subgroups_groups import MIN_ROWS, MIN_SHARE, NAME, Grouping, Prepared
from metrics.subgroups_stats import MIN_DRAWS, ranks, tv_noise
from metrics.uncertainty import rng

SHAPE, CORRELATION, CONTINGENCY = "column shape", "correlation", "contingency"


def _continuous(kind: Kind) -> bool:
    return kind in (Kind.NUMERICAL, Kind.DATETIME)


def _tv(cr: np.ndarray, cs: np.ndarray) -> float:
    nr, ns = cr.sum(), cs.sum()
    if nr == 0 or ns == 0:
        return float("nan")
    return float(0.5 * np.abs(cr / nr - cs / ns).sum())


@dataclass
class Whole:
    """The whole table's measures: KS or TV distance per column, both correlations per
    numeric pair, contingency distance per other pair."""

    distance: dict[str, float]
    correlation: dict[tuple[str, str], tuple[float, float]]
    contingency: dict[tuple[str, str], float]


def _pair_table(side, a: str, b: str, sizes: dict[str, int], levels=None, k: int = 1):
    key = side.pair_codes[a].astype(np.int64) * sizes[b] + side.pair_codes[b]
    cells = sizes[a] * sizes[b]
    if levels is None:
        return np.bincount(key, minlength=cells).reshape(1, sizes[a], sizes[b])
    keep = levels >= 0
    key = levels[keep].astype(np.int64) * cells + key[keep]
    return np.bincount(key, minlength=k * cells).reshape(k, sizes[a], sizes[b])


def _counts(side, col: str, n_codes: int, levels=None, k: int = 1) -> np.ndarray:
    codes = side.codes[col]
    keep = codes >= 0 if levels is None else (codes >= 0) & (levels >= 0)
    lv = 0 if levels is None else levels[keep].astype(np.int64)
    return np.bincount(lv * n_codes + codes[keep], minlength=k * n_codes).reshape(k, n_codes)


def _numeric_pairs(prep: Prepared) -> list[tuple[str, str]]:
    return [p for p in prep.pairs if all(_continuous(prep.kinds[c]) for c in p)]


def whole_table(prep: Prepared) -> Whole:
    """The whole table's measures of every tested column and pair, as the levels measure
    theirs."""
    distance = {}
    for col, kind in prep.kinds.items():
        if _continuous(kind):
            rs, ss = (sorted_values(s.numeric[col]) for s in (prep.real, prep.synthetic))
            distance[col] = ks_statistic(rs, ss) if len(rs) and len(ss) else float("nan")
        else:
            n_codes = len(prep.category_names[col]) + 1
            cr, cs = (_counts(s, col, n_codes)[0] for s in (prep.real, prep.synthetic))
            distance[col] = _tv(cr, cs)
    correlation = {}
    for a, b in _numeric_pairs(prep):
        r = [
            pearson_matrix([ranks(s.numeric[a]), ranks(s.numeric[b])])[0][0, 1]
            for s in (prep.real, prep.synthetic)
        ]
        correlation[(a, b)] = (float(r[0]), float(r[1]))
    contingency = {}
    for a, b in prep.pairs:
        if (a, b) not in correlation:
            tr, ts = (_pair_table(s, a, b, prep.pair_sizes)[0] for s in (prep.real, prep.synthetic))
            contingency[(a, b)] = _tv(tr.ravel(), ts.ravel())
    return Whole(distance, correlation, contingency)


def _split(levels: np.ndarray, k: int) -> list[np.ndarray]:
    """Row positions of each level (one stable sort)."""
    order = np.argsort(levels, kind="stable")
    bounds = np.searchsorted(levels[order], np.arange(-1, k + 1))
    return [order[bounds[i + 1] : bounds[i + 2]] for i in range(k)]


def _base(g: Grouping, level: int, nr: int, ns: int, n_real: int) -> dict:
    return {"group_column": g.column, "level": g.labels[level], "rows_real": nr,
            "rows_synthetic": ns, "share": nr / n_real}  # fmt: skip


def _ks_row(base: dict, col: str, rs: np.ndarray, ss: np.ndarray, whole: float) -> dict | None:
    if len(rs) < MIN_ROWS or len(ss) < MIN_ROWS or not np.isfinite(whole):
        return None
    d = ks_statistic(rs, ss)
    return {**base, "column": col, "partner": "", "metric": SHAPE, "score": 1 - d,
            "whole_table_score": 1 - whole, "real": quantile_sorted(rs, 0.5),
            "synthetic": quantile_sorted(ss, 0.5), "_test": "ks",
            "_n": len(rs), "_m": len(ss)}  # fmt: skip


def _tv_row(base: dict, col: str, partner: str, metric: str, cr, cs, whole: float,
            gen: np.random.Generator, draws: int) -> dict | None:  # fmt: skip
    if cr.sum() < MIN_ROWS or cs.sum() < MIN_ROWS or not np.isfinite(whole):
        return None
    mean, sd = tv_noise(gen, cr.ravel(), cs.ravel(), draws)
    real = synthetic = float("nan")
    if metric == CONTINGENCY:
        real, synthetic = (cramers_v_corrected(table_chi2(t)) for t in (cr, cs))
    return {**base, "column": col, "partner": partner, "metric": metric,
            "score": 1 - _tv(cr.ravel(), cs.ravel()), "whole_table_score": 1 - whole,
            "real": real, "synthetic": synthetic, "_test": "tv", "_mean": mean,
            "_sd": sd}  # fmt: skip


def _sorted(values: np.ndarray, ranked: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """The non-missing values sorted, and when ``ranked`` their average ranks in row order
    (NaN stays NaN): one sort serves the level's KS statistic and its rank correlations."""
    if not ranked:
        out = np.sort(values)
        return out[: len(out) - int(np.isnan(out).sum())], None
    order = np.argsort(values)  # NaN sorts last
    n_valid = len(values) - int(np.isnan(values).sum())
    ordered = values[order[:n_valid]]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if n_valid else order[:0]
    lengths = np.diff(np.r_[starts, n_valid])
    ranks = np.full(len(values), np.nan)
    ranks[order[:n_valid]] = np.repeat(starts + (lengths + 1) / 2, lengths)
    return ordered, ranks


def _correlation_rows(prep: Prepared, whole: Whole, base: dict, g: Grouping,
                      rank_r: dict, rank_s: dict) -> list:  # fmt: skip
    pairs = [p for p in _numeric_pairs(prep) if g.column not in p]
    cols = sorted({c for p in pairs for c in p}, key=list(prep.kinds).index)
    if not pairs:
        return []
    r_r, n_r, _ = pearson_matrix([rank_r[c] for c in cols])
    r_s, n_s, _ = pearson_matrix([rank_s[c] for c in cols])
    rows = []
    for a, b in pairs:
        i, j = cols.index(a), cols.index(b)
        wr, ws = whole.correlation[(a, b)]
        if not np.isfinite(r_r[i, j] * r_s[i, j] * wr * ws) or min(n_r[i, j], n_s[i, j]) < MIN_ROWS:
            continue
        rr, rs = float(r_r[i, j]), float(r_s[i, j])
        rows.append({**base, "column": a, "partner": b, "metric": CORRELATION,
                     "score": 1 - abs(rr - rs) / 2, "whole_table_score": 1 - abs(wr - ws) / 2,
                     "real": rr, "synthetic": rs, "_test": "corr", "_n": n_r[i, j],
                     "_m": n_s[i, j], "_whole": abs(wr - ws)})  # fmt: skip
    return rows


# long: one grouping column's every test, in the order the details list them.
def group_rows(prep: Prepared, whole: Whole, g: Grouping, options: Options) -> list[dict]:
    """Every test inside the levels of one grouping column (levels with too few rows on
    either side are not tested)."""
    k = len(g.labels)
    lr, ls = prep.real.levels[g.column], prep.synthetic.levels[g.column]
    nr = np.bincount(lr[lr >= 0], minlength=k)
    ns = np.bincount(ls[ls >= 0], minlength=k)
    need_r = max(MIN_ROWS, MIN_SHARE * prep.real.n_rows)
    need_s = max(MIN_ROWS, MIN_SHARE * prep.synthetic.n_rows)
    levels = [int(i) for i in np.flatnonzero((nr >= need_r) & (ns >= need_s))]
    if not levels:
        return []
    draws = max(MIN_DRAWS, options.n_boot)
    idx_r, idx_s = _split(lr, k), _split(ls, k)
    bases = {lv: _base(g, lv, int(nr[lv]), int(ns[lv]), prep.real.n_rows) for lv in levels}
    rows: list[dict | None] = []
    tested = [c for c in prep.kinds if c != g.column]
    ranked = {c for p in _numeric_pairs(prep) if g.column not in p for c in p}
    counts = {}
    for col in tested:
        if not _continuous(prep.kinds[col]):
            n_codes = len(prep.category_names[col]) + 1
            counts[col] = (_counts(prep.real, col, n_codes, lr, k),
                           _counts(prep.synthetic, col, n_codes, ls, k))  # fmt: skip
    tables = {}
    for a, b in prep.pairs:
        if g.column not in (a, b) and (a, b) in whole.contingency:
            tables[(a, b)] = (_pair_table(prep.real, a, b, prep.pair_sizes, lr, k),
                              _pair_table(prep.synthetic, a, b, prep.pair_sizes, ls, k))  # fmt: skip
    for lv in levels:
        base, ir, is_ = bases[lv], idx_r[lv], idx_s[lv]
        rank_r, rank_s = {}, {}
        for col in tested:
            if _continuous(prep.kinds[col]):
                vr, vs = prep.real.numeric[col][ir], prep.synthetic.numeric[col][is_]
                (rs, rank_r[col]), (ss, rank_s[col]) = (_sorted(v, col in ranked)
                                                         for v in (vr, vs))  # fmt: skip
                # Rounded as column shapes round before KS (monotone: still sorted).
                rs, ss = np.round(rs, MAX_DECIMALS), np.round(ss, MAX_DECIMALS)
                rows.append(_ks_row(base, col, rs, ss, whole.distance[col]))
            else:
                gen = rng(options.seed, NAME, g.column, g.labels[lv], col)
                cr, cs = counts[col][0][lv], counts[col][1][lv]
                rows.append(_tv_row(base, col, "", SHAPE, cr, cs, whole.distance[col], gen,
                                    draws))  # fmt: skip
        rows.extend(_correlation_rows(prep, whole, base, g, rank_r, rank_s))
        for (a, b), (tr, ts) in tables.items():
            gen = rng(options.seed, NAME, g.column, g.labels[lv], a, b)
            rows.append(_tv_row(base, a, b, CONTINGENCY, tr[lv], ts[lv],
                                whole.contingency[(a, b)], gen, draws))  # fmt: skip
    return [r for r in rows if r is not None]
