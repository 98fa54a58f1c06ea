"""One-cell near copies: rows equal to a reference row on every compared column but one number.

What counts
-----------
A query row is a one-cell near copy of a reference row when the two are equal on every analysed
column (category codes and parsed numbers, missing equal to missing, as exact copies are
compared) except exactly one numerical or datetime column, where both values are present and
differ by more than 0 and at most :data:`NEAR_SHARE` of that column's real range. Rows that are
exact copies of some reference row are left out (they are counted as exact copies). A row that
qualifies on several columns is reported on the one with the smallest difference relative to its
range (the first in schema order on ties), against the reference row whose value is nearest.

Unlike the distance-based near copy (a distance below the 1st percentile of the holdout's own
distances), this does not depend on how close real rows are to one another: in data where many
real rows repeat, that percentile collapses to 0 and the distance flags nothing, while a real
record with one cell nudged is still one here.

How it is found (every row, no sample)
--------------------------------------
Each cell gets a 64-bit hash and each row the sum ``H = sum_c a_c h_c`` (uint64 wrap-around,
fixed odd multipliers; :mod:`metrics.near_hashes`), so the hash of a row without column ``j`` is
``H - a_j h_j``. A row one cell away from a reference row equals it on the half of the columns
that does not hold that cell, so one hash lookup per half first keeps the rows that can match at
all (few, unless rows repeat). Then for each numerical or datetime column ``j`` of a half: keep
the rows whose key without ``j`` occurs among the reference rows' keys, and find for each the
reference value in ``j`` nearest to its own among the reference rows with the same key, strictly
above or below it (one sort by key, then value). The other cells of each matched pair are then
compared value by value, so a hash collision never makes a near copy. The cost is a few vector
passes per column and sorts of the candidate rows: at 1,000,000 x 1,000,000 rows of 20 columns,
about 2 s on two cores.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metrics import near_hashes as hashing
from metrics.encode import Encoded, Side
from metrics.marginal_words import fmt_pair
from metrics.near_hashes import Halves, cell_hash, halves, same_except
from metrics.schema import Kind

NEAR_SHARE = 0.01  # at most 1% of the column's real range apart


def _possessive(name: str) -> str:
    return "'" if name.endswith("s") else "'s"


def _ints() -> np.ndarray:
    return np.array([], dtype=np.int64)


def _floats() -> np.ndarray:
    return np.array([], dtype=float)


@dataclass(frozen=True)
class OneCell:
    """One-cell near copies of query rows, one entry per query row given.

    ``ref``: position in the reference side of the row it nearly copies, -1 when it is none;
    ``column``: index in ``columns`` (of kinds ``kinds``) of the cell that differs (-1 when
    none); ``value`` and ``ref_value``: the two values of that cell (NaN when none); ``share``:
    their difference as a share of the column's real range (NaN when none).
    """

    columns: tuple[str, ...] = ()
    kinds: tuple[Kind, ...] = ()
    ref: np.ndarray = field(default_factory=_ints)
    column: np.ndarray = field(default_factory=_ints)
    value: np.ndarray = field(default_factory=_floats)
    ref_value: np.ndarray = field(default_factory=_floats)
    share: np.ndarray = field(default_factory=_floats)

    @property
    def count(self) -> int:
        """How many query rows are one-cell near copies."""
        return int((self.ref >= 0).sum())

    def column_of(self, i: int) -> str:
        """The column that differs in query row ``i`` ("" when it is no near copy)."""
        return self.columns[self.column[i]] if self.column[i] >= 0 else ""

    def words(self, i: int) -> str:
        """Query row ``i`` as a reviewer reads it: "equal to real row 1,234 on every column but
        income: 52,100 vs 52,080 (0.04% of income's range)"."""
        if self.ref[i] < 0:
            return ""
        col, kind = self.columns[self.column[i]], self.kinds[self.column[i]]
        mine, theirs = fmt_pair(float(self.value[i]), float(self.ref_value[i]), kind)
        return (
            f"equal to real row {self.ref[i]:,} on every column but {col}: {mine} vs {theirs} "
            f"({100 * float(self.share[i]):.2g}% of {col}{_possessive(col)} range)"
        )

    @property
    def found(self) -> np.ndarray:
        """Whether each query row is a one-cell near copy."""
        return self.ref >= 0

    def take(self, positions: np.ndarray) -> OneCell:
        """The entries of some query rows (positions into the query rows given)."""
        return OneCell(
            self.columns,
            self.kinds,
            self.ref[positions],
            self.column[positions],
            self.value[positions],
            self.ref_value[positions],
            self.share[positions],
        )


def real_ranges(enc: Encoded) -> dict[str, float]:
    """``max - min`` of the real values of each numerical and datetime column (0 if none)."""
    out = {}
    for col in enc.continuous:
        v = enc.real.numeric[col]
        v = v[np.isfinite(v)]
        out[col] = float(v.max() - v.min()) if v.size else 0.0
    return out


def _dense_rank(values: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... in sorted order, equal values sharing one rank (a sort, no hash table)."""
    order = np.argsort(values)  # equal values share a rank: no need for a stable sort
    ordered = values[order]
    new = np.ones(len(values), dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    rank = np.empty(len(values), dtype=np.int64)
    rank[order] = np.cumsum(new) - 1
    return rank


def _nearest_in_group(
    kq: np.ndarray, vq: np.ndarray, kr: np.ndarray, vr: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each query (key, value), the reference position with the same key whose value is
    nearest and different (-1 if none), and the absolute difference (inf if none)."""
    nr = len(kr)
    group = _dense_rank(np.r_[kr, kq])
    value = _dense_rank(np.r_[vr, vq])
    # Exact lexicographic order on (key, value) as one int64: group * span + value rank.
    span = np.int64(value.max() + 2)
    cr = group[:nr] * span + value[:nr]
    cq = group[nr:] * span + value[nr:]
    order = np.argsort(cr, kind="stable")
    sorted_cr = cr[order]
    # The first of each run of equal reference entries: the lowest row position, deterministic.
    new = np.ones(nr, dtype=bool)
    new[1:] = sorted_cr[1:] != sorted_cr[:-1]
    first = np.maximum.accumulate(np.where(new, np.arange(nr), 0))
    # Sorted needles let searchsorted walk forward instead of jumping around the array.
    q_order = np.argsort(cq, kind="stable")
    needles = cq[q_order]
    best = np.full(len(kq), -1, dtype=np.int64)
    gap = np.full(len(kq), np.inf)
    # Strictly below, then strictly above: an equal value is an exact copy, not a near one.
    below = np.searchsorted(sorted_cr, needles, "left") - 1
    above = np.searchsorted(sorted_cr, needles, "right")
    for pos in (below, above):
        inside = (pos >= 0) & (pos < nr)
        p = first[np.clip(pos, 0, nr - 1)]
        inside &= sorted_cr[p] // span == needles // span
        ref = order[p]
        d = np.where(inside, np.abs(vq[q_order] - vr[ref]), np.inf)
        better = d < gap[q_order]
        at = q_order[better]
        best[at], gap[at] = ref[better], d[better]
    return best, gap


# long: one loop over the numerical columns, with the bookkeeping of the best column per row.
def one_cell_copies(
    enc: Encoded,
    query: Side,
    q_rows: np.ndarray,
    ref: Side,
    r_rows: np.ndarray,
    skip: np.ndarray | None = None,
    ranges: dict[str, float] | None = None,
    hashes: tuple[Halves, Halves] | None = None,
) -> OneCell:
    """One-cell near copies of the query rows among the reference rows (see the module
    docstring).

    Parameters
    ----------
    enc:
        The encoded pair (its analysed columns, and the real ranges by default).
    query, q_rows:
        The rows to check (positions in ``query``).
    ref, r_rows:
        The rows they may nearly copy (positions in ``ref``). ``ref`` may be ``query`` itself with
        the same rows (leave-one-out): a row never matches itself, its value being equal.
    skip:
        Query rows (a mask over ``q_rows``) not to report, e.g. exact copies.
    ranges:
        Real range per numerical and datetime column (default :func:`real_ranges`).
    hashes:
        :func:`half_hashes` of the query rows and of the reference rows, when already made.

    Returns
    -------
    OneCell
        One entry per query row; ``ref`` holds positions in ``ref``.
    """
    q_rows = np.asarray(q_rows, dtype=np.int64)
    r_rows = np.asarray(r_rows, dtype=np.int64)
    ranges = real_ranges(enc) if ranges is None else ranges
    cols = tuple(c for c in enc.continuous if ranges.get(c, 0.0) > 0)
    n = len(q_rows)
    out_ref = np.full(n, -1, dtype=np.int64)
    out_col = np.full(n, -1, dtype=np.int64)
    out_share = np.full(n, np.inf)
    if n == 0 or len(r_rows) == 0 or not cols:
        return _result(enc, cols, query, q_rows, ref, out_ref, out_col, out_share)
    mult = hashing.multipliers(enc.analysed)
    same = query is ref and np.array_equal(q_rows, r_rows)
    open_q = np.ones(n, dtype=bool) if skip is None else ~np.asarray(skip, dtype=bool)
    if hashes is None:
        r_h = hashing.half_hashes(enc, ref, r_rows)
        hashes = (r_h if same else hashing.half_hashes(enc, query, q_rows), r_h)
    q_h, r_h = hashes
    for i, half in enumerate(halves(enc)):
        part = [c for c in cols if c in half]
        if not part:
            continue
        # A row one cell away from a reference row equals it on the other half of the columns:
        # one lookup on that half's hash narrows every column of this half to the rows that
        # can match at all (few, unless rows repeat).
        kr = r_h[1 - i]
        if same:
            qi = ri = np.flatnonzero(pd.Series(kr).duplicated(keep=False).to_numpy())
        else:
            kq = q_h[1 - i]
            qi = np.flatnonzero(open_q)
            qi = qi[pd.Index(kq[qi]).isin(kr)]
            ri = np.flatnonzero(pd.Index(kr).isin(kq[qi]))
        if not len(qi):
            continue
        full = (q_h[0][qi] + q_h[1][qi], r_h[0][ri] + r_h[1][ri])
        found = _search_columns(
            enc, (query, q_rows[qi], open_q[qi]), (ref, r_rows[ri]), part, mult, same, ranges, full
        )
        for col, at, hit, share in found:
            at = qi[at]
            better = share < out_share[at]
            at, hit, share = at[better], hit[better], share[better]
            out_ref[at], out_col[at], out_share[at] = hit, cols.index(col), share
    return _result(enc, cols, query, q_rows, ref, out_ref, out_col, out_share)


def _search_columns(
    enc: Encoded,
    q: tuple[Side, np.ndarray, np.ndarray],
    r: tuple[Side, np.ndarray],
    part: list[str],
    mult: dict[str, np.uint64],
    same: bool,
    ranges: dict[str, float],
    full: tuple[np.ndarray, np.ndarray],
) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """Per column of ``part``: the query rows (positions in ``q``'s rows) that are one-cell near
    copies differing in it, the reference rows they copy (positions in the side) and the
    difference as a share of the range. ``q`` = (side, rows, open mask), ``r`` = (side, rows);
    ``same``: the two are one side and the same rows (leave-one-out); ``full``: their row
    hashes."""
    (query, q_rows, open_q), (ref, r_rows) = q, r
    hq, hr = full
    out = []
    for col in part:
        vq, vr = query.numeric[col][q_rows], ref.numeric[col][r_rows]
        kr = hr - mult[col] * cell_hash(enc, ref, col, r_rows)
        kq = kr if same else hq - mult[col] * cell_hash(enc, query, col, q_rows)
        ok_r = np.isfinite(vr)
        cand_q = open_q & np.isfinite(vq)
        if same:
            # Against itself every row finds its own key: only keys held by two rows count.
            shared = ok_r.copy()
            shared[ok_r] = pd.Series(kr[ok_r]).duplicated(keep=False).to_numpy()
            cand_q &= shared
        else:
            cand_q[cand_q] = pd.Index(kq[cand_q]).isin(kr[ok_r])
        if not cand_q.any():
            continue
        cand_r = ok_r.copy()
        cand_r[cand_r] = pd.Index(kr[cand_r]).isin(kq[cand_q])
        qi, ri = np.flatnonzero(cand_q), np.flatnonzero(cand_r)
        hit, gap = _nearest_in_group(kq[qi], vq[qi], kr[ri], vr[ri])
        tol = NEAR_SHARE * ranges[col]
        keep = (hit >= 0) & (gap > 0) & (gap <= tol * (1 + 1e-12))
        qi, hit, share = qi[keep], ri[hit[keep]], gap[keep] / ranges[col]
        # Confirm on the values: a hash collision must not make a near copy.
        equal = same_except(enc, query, q_rows[qi], ref, r_rows[hit], col)
        out.append((col, qi[equal], r_rows[hit[equal]], share[equal]))
    return out


def _result(
    enc: Encoded,
    cols: tuple[str, ...],
    query: Side,
    q_rows: np.ndarray,
    ref: Side,
    out_ref: np.ndarray,
    out_col: np.ndarray,
    out_share: np.ndarray,
) -> OneCell:
    value = np.full(len(q_rows), np.nan)
    ref_value = np.full(len(q_rows), np.nan)
    for j, col in enumerate(cols):
        at = np.flatnonzero(out_col == j)
        value[at] = query.numeric[col][q_rows[at]]
        ref_value[at] = ref.numeric[col][out_ref[at]]
    share = np.where(out_ref >= 0, out_share, np.nan)
    kinds = tuple(enc.schema.kind_of(c) for c in cols)
    return OneCell(cols, kinds, out_ref, out_col, value, ref_value, share)
