"""What a rule is and how one is checked, row by row (shared by declared and discovered rules).

A :class:`Rule` is plain data (hashable, picklable: the Schema page caches discovered rules).
Rules that compare against what the real data holds (fixed combinations, a column determined
by others) read the real side at check time, so the rule itself carries only column names.

A missing cell breaks nothing: a row is checked on a rule only where the cells the rule reads
are present (one-hot rows excepted where the present cells already hold two 1s).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.encode import MISSING, Encoded, Side
from metrics.schema import Kind

UNSEEN = -2  # key of a value the real data never has
_ONE = {"1", "1.0", "True", "true", "yes"}
_ZERO = {"0", "0.0", "False", "false", "no"}


@dataclass(frozen=True)
class Rule:
    """One rule the synthetic rows should obey.

    Attributes
    ----------
    rule_id:
        Stable across runs: ``order:start_date<=end_date``, ``declared:Range:a<b<c``.
    kind:
        ``order`` (columns[0] <= columns[1], or < when ``strict``), ``range`` (three columns in
        order), ``increment`` (a multiple of ``increment``), ``combination`` (only the real
        combinations), ``determined`` (the last column is fixed by the ``n_determinants`` first
        ones), ``onehot`` (exactly one 1) or ``sum`` (``sum(signs * columns) == 0``).
    text:
        The rule in words.
    source:
        ``"declared"`` or ``"discovered"``.
    """

    rule_id: str
    kind: str
    text: str
    source: str
    columns: tuple[str, ...]
    strict: bool = False
    increment: float = 0.0
    signs: tuple[int, ...] = ()
    tolerance: float = 0.0
    n_determinants: int = 0


def keys(enc: Encoded, col: str, side: Side) -> np.ndarray:
    """Each row's value as an int64 key into the real data's distinct values.

    ``MISSING`` (-1) where missing, :data:`UNSEEN` (-2) where the real data never has the value.
    Categories use their shared codes (real levels first); numbers and dates the index of the
    value among the real distinct values; id and text columns their string among the real ones.
    """
    kind = enc.schema.kind_of(col)
    if kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
        codes = side.codes[col].astype(np.int64)
        return np.where(codes >= enc.n_real_levels[col], UNSEEN, codes)
    if kind in (Kind.NUMERICAL, Kind.DATETIME):
        real = enc.real.numeric[col]
        uniq = np.unique(real[np.isfinite(real)])
        values = side.numeric[col]
        if uniq.size == 0:
            return np.where(np.isnan(values), MISSING, UNSEEN).astype(np.int64)
        pos = np.minimum(np.searchsorted(uniq, values), uniq.size - 1)
        out = np.where(uniq[pos] == values, pos, UNSEEN).astype(np.int64)
        out[np.isnan(values)] = MISSING
        return out
    index = pd.Index(pd.unique(enc.real.strings[col]))
    found = index.get_indexer(side.strings[col]).astype(np.int64)
    found[found < 0] = UNSEEN
    found[[v is None for v in side.strings[col]]] = MISSING
    return found


def level_count(enc: Encoded, col: str) -> int:
    """How many distinct real values a column's keys run over."""
    kind = enc.schema.kind_of(col)
    if kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
        return max(1, enc.n_real_levels[col])
    if kind in (Kind.NUMERICAL, Kind.DATETIME):
        real = enc.real.numeric[col]
        return max(1, int(np.unique(real[np.isfinite(real)]).size))
    return max(1, len(pd.unique(enc.real.strings[col])))


def combined(parts: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """One key per row for several columns' keys (mixed radix); -1 where any part is missing,
    -2 where none is missing but one is unseen."""
    out = np.zeros(len(parts[0]), dtype=np.int64)
    for part, size in zip(parts, sizes, strict=True):
        out = out * size + np.maximum(part, 0)
    unseen = np.any([p == UNSEEN for p in parts], axis=0)
    missing = np.any([p == MISSING for p in parts], axis=0)
    out[unseen] = UNSEEN
    out[missing] = MISSING
    return out


def _compare(a: np.ndarray, b: np.ndarray, strict: bool) -> np.ndarray:
    """Rows where ``a <= b`` (``a < b`` when strict) fails; NaN on either side fails nothing."""
    with np.errstate(invalid="ignore"):
        return (a >= b) if strict else (a > b)


def multiple_of(values: np.ndarray, step: float) -> np.ndarray:
    """Which values are whole multiples of ``step`` (float noise tolerated); NaN counts as one."""
    ratio = values / step
    with np.errstate(invalid="ignore"):
        off = np.abs(ratio - np.round(ratio)) > 1e-6 + 1e-14 * np.abs(ratio)
    return ~off


def _onehot_values(enc: Encoded, col: str, side: Side) -> np.ndarray:
    """A one-hot column as floats (1, 0, another number, NaN where missing)."""
    kind = enc.schema.kind_of(col)
    if kind in (Kind.NUMERICAL, Kind.DATETIME):
        return side.numeric[col]
    labels = np.array(enc.categories.get(col, []) + ["\x00"], dtype=object)
    codes = side.codes[col]
    text = labels[np.where(codes < 0, len(labels) - 1, codes)]
    out = np.full(len(codes), 2.0)  # neither 0 nor 1
    out[np.isin(text, list(_ONE))] = 1.0
    out[np.isin(text, list(_ZERO))] = 0.0
    out[codes < 0] = np.nan
    return out


def _real_map(enc: Encoded, rule: Rule) -> tuple[pd.Index, np.ndarray]:
    """For a ``determined`` rule: the real determinant keys and the dependent value each has
    most often (the rule's mapping, learned from the real rows)."""
    det_cols, dep = rule.columns[: rule.n_determinants], rule.columns[-1]
    sizes = [level_count(enc, c) for c in det_cols]
    det = combined([keys(enc, c, enc.real) for c in det_cols], sizes)
    val = keys(enc, dep, enc.real)
    ok = (det >= 0) & (val >= 0)
    pairs = pd.DataFrame({"d": det[ok], "v": val[ok]}).value_counts(sort=True)
    first = pairs.reset_index().drop_duplicates("d")
    return pd.Index(first["d"].to_numpy()), first["v"].to_numpy()


def broken(enc: Encoded, rule: Rule, side: Side) -> np.ndarray:
    """Boolean mask of the rows of ``side`` that break ``rule`` (a missing cell breaks nothing)."""
    cols = rule.columns
    if rule.kind == "order":
        return _compare(side.numeric[cols[0]], side.numeric[cols[1]], rule.strict)
    if rule.kind == "range":
        lo, mid, hi = (side.numeric[c] for c in cols)
        return (
            _compare(lo, mid, rule.strict)
            | _compare(mid, hi, rule.strict)
            | _compare(lo, hi, rule.strict)
        )
    if rule.kind == "increment":
        return ~multiple_of(side.numeric[cols[0]], rule.increment)
    if rule.kind == "sum":
        return sum_off(side, rule) > rule_tolerance(side, rule)
    if rule.kind == "onehot":
        values = np.column_stack([_onehot_values(enc, c, side) for c in cols])
        present = ~np.isnan(values)
        ones = np.sum(values == 1.0, axis=1)
        other = np.any(present & (values != 1.0) & (values != 0.0), axis=1)
        return other | (ones > 1) | (present.all(axis=1) & (ones != 1))
    sizes = [level_count(enc, c) for c in cols]
    if rule.kind == "combination":
        real = combined([keys(enc, c, enc.real) for c in cols], sizes)
        row = combined([keys(enc, c, side) for c in cols], sizes)
        seen = np.isin(row, np.unique(real[real >= 0]))
        return (row != MISSING) & ~seen
    if rule.kind == "determined":
        index, values = _real_map(enc, rule)
        k = rule.n_determinants
        det = combined([keys(enc, c, side) for c in cols[:k]], sizes[:k])
        val = keys(enc, cols[-1], side)
        where = index.get_indexer(det)
        known = (det >= 0) & (where >= 0) & (val != MISSING)
        out = np.zeros(len(det), dtype=bool)
        out[known] = val[known] != values[where[known]]
        return out
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def sum_off(side: Side, rule: Rule) -> np.ndarray:
    """``|sum(signs * values)|`` per row (NaN where a cell is missing)."""
    total = np.zeros(side.n_rows)
    for col, sign in zip(rule.columns, rule.signs, strict=True):
        total = total + sign * side.numeric[col]
    return np.abs(total)


def rule_tolerance(side: Side, rule: Rule) -> np.ndarray:
    """How far a sum rule may be off in each row: a relative 1e-6 of the magnitudes, plus the
    rule's absolute part (half the coarsest decimal the columns are written with)."""
    scale = np.zeros(side.n_rows)
    for col in rule.columns:
        scale = scale + np.abs(side.numeric[col])
    return 1e-6 * scale + rule.tolerance


def real_mapping(enc: Encoded, rule: Rule) -> tuple[pd.Index, np.ndarray]:
    """The real mapping of a ``determined`` rule (for the sentences of its rows)."""
    return _real_map(enc, rule)
