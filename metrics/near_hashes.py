"""Row and cell hashes for exact and one-cell near copies (see :mod:`metrics.near_copies`).

Each cell gets a 64-bit hash (splitmix64 of the code or of the number's bits), each row the sum
``H = sum_c a_c h_c`` (uint64 wrap-around, fixed odd multipliers), so that the hash of a row
without one column is ``H - a_j h_j``, and over half the columns the same sum over that half.
Matches found by hash are always confirmed on the values by the callers.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from metrics.encode import Encoded, Side

_SEED = 0x5EED_C0FE  # fixed: the multipliers only spread the hashes, results never depend on them


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a 64-bit hash of each uint64."""
    x = x.copy()
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def cell_hash(enc: Encoded, side: Side, col: str, rows: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each cell of ``col`` in ``rows``: equal values hash equally."""
    if col in side.codes:
        # One hash per level (and missing, code -1), looked up: cheaper than mixing every cell.
        levels = np.arange(-1, len(enc.categories[col]), dtype=np.int64)
        return _mix(levels.view(np.uint64))[side.codes[col][rows].astype(np.int64) + 1]
    else:
        x = side.numeric[col][rows]
        # -0.0 + 0.0 is 0.0, and every NaN becomes numpy's one NaN: equal cells, equal bits.
        raw = np.where(np.isnan(x), np.nan, x + 0.0).view(np.uint64)
    return _mix(raw)


def multipliers(columns: list[str]) -> dict[str, np.uint64]:
    """Fixed odd 64-bit multipliers, one per column."""
    bits = np.random.default_rng(_SEED).integers(0, 2**63, size=len(columns), dtype=np.int64)
    odd = bits.view(np.uint64) * np.uint64(2) + np.uint64(1)
    return {c: odd[i] for i, c in enumerate(columns)}


def row_hash(
    enc: Encoded,
    side: Side,
    rows: np.ndarray,
    mult: dict[str, np.uint64],
    columns: list[str] | None = None,
) -> np.ndarray:
    """``sum_c a_c h_c`` over ``columns`` (default: the analysed columns; uint64, wrapping)."""
    total = np.zeros(len(rows), dtype=np.uint64)
    for col in enc.analysed if columns is None else columns:
        total += mult[col] * cell_hash(enc, side, col, rows)
    return total


Halves = tuple[np.ndarray, np.ndarray]


def halves(enc: Encoded) -> tuple[list[str], list[str]]:
    """The analysed columns in two halves (schema order)."""
    cols = enc.analysed
    return cols[: len(cols) // 2], cols[len(cols) // 2 :]


def half_hashes(enc: Encoded, side: Side, rows: np.ndarray) -> Halves:
    """The row hash over each half of the columns (their sum is :func:`row_hash`), computed once
    and shared by the exact and the near-copy searches."""
    mult = multipliers(enc.analysed)
    first, second = halves(enc)
    return row_hash(enc, side, rows, mult, first), row_hash(enc, side, rows, mult, second)


def exact_duplicates(enc: Encoded, side: Side, keys: np.ndarray | None = None) -> np.ndarray:
    """Rows of ``side`` equal to another row of the same side on every analysed column, by their
    64-bit row hash (``keys`` when already made; a false match needs a collision, about
    ``n^2 / 2^64``)."""
    if keys is None:
        keys = row_hash(enc, side, np.arange(side.n_rows), multipliers(enc.analysed))
    return pd.Series(keys).duplicated(keep=False).to_numpy()


def same_on(a: Side, ia: np.ndarray, b: Side, ib: np.ndarray, columns: Iterable[str]) -> np.ndarray:
    """Whether rows ``ia`` of ``a`` and ``ib`` of ``b`` are equal on ``columns`` (missing equals
    missing): confirms a hash match."""
    ok = np.ones(len(ia), dtype=bool)
    for col in columns:
        if col in a.codes:
            ok &= a.codes[col][ia] == b.codes[col][ib]
        else:
            x, y = a.numeric[col][ia], b.numeric[col][ib]
            ok &= (x == y) | (np.isnan(x) & np.isnan(y))
    return ok


def same_except(
    enc: Encoded, a: Side, ia: np.ndarray, b: Side, ib: np.ndarray, skip: str | None = None
) -> np.ndarray:
    """:func:`same_on` every analysed column but ``skip``."""
    return same_on(a, ia, b, ib, (c for c in enc.analysed if c != skip))
