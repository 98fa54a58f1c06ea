"""One sentence per row that breaks a rule, with that row's values (part of :mod:`metrics.rules`).

Values are written as the other findings write them (:func:`metrics.marginal_words.fmt_value`;
two numbers side by side get the digits that tell them apart). Each distinct value is formatted
once, so a million broken rows cost a list of f-strings, not a million formatting calls.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.encode import Encoded, Side
from metrics.marginal_words import fmt_pair, fmt_value
from metrics.rules_core import Rule, combined, keys, level_count, real_mapping, sum_off
from metrics.schema import Kind


def value_texts(enc: Encoded, col: str, side: Side, rows: np.ndarray) -> list[str]:
    """The cells of ``col`` in ``rows`` as words: numbers and dates formatted, categories quoted,
    ``missing`` where missing."""
    kind = enc.schema.kind_of(col)
    if kind in (Kind.NUMERICAL, Kind.DATETIME):
        values = side.numeric[col][rows]
        uniq, inverse = np.unique(values, return_inverse=True)
        words = np.array([fmt_value(float(v), kind) if np.isfinite(v) else "missing"
                          for v in uniq], dtype=object)  # fmt: skip
        return list(words[inverse.reshape(-1)]) if len(rows) else []
    if kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
        labels = np.array([f"'{v}'" for v in enc.categories[col]] + ["missing"], dtype=object)
        codes = side.codes[col][rows]
        return list(labels[np.where(codes < 0, len(labels) - 1, codes)])
    return [f"'{v}'" if v is not None else "missing" for v in side.strings[col][rows]]


def _order_words(enc: Encoded, rule: Rule, side: Side, rows: np.ndarray) -> list[str]:
    a, b = rule.columns
    dates = enc.schema.kind_of(a) is Kind.DATETIME
    after, before = ("after", "before") if dates else ("above", "below")
    va, vb = side.numeric[a][rows], side.numeric[b][rows]
    texts_a, texts_b = value_texts(enc, a, side, rows), value_texts(enc, b, side, rows)
    # Two different values that print the same get the digits that tell them apart.
    for i in np.flatnonzero(va != vb):
        if texts_a[i] == texts_b[i]:
            texts_a[i], texts_b[i] = fmt_pair(float(va[i]), float(vb[i]), enc.schema.kind_of(a))
    return [
        f"{a} {ta} is {after} {b} {tb}" if x > y else f"{a} {ta} is not {before} {b} {tb}"
        for ta, tb, x, y in zip(texts_a, texts_b, va.tolist(), vb.tolist(), strict=True)
    ]


def _range_words(enc: Encoded, rule: Rule, side: Side, rows: np.ndarray) -> list[str]:
    lo, mid, hi = rule.columns
    texts = [value_texts(enc, c, side, rows) for c in rule.columns]
    bound = "strictly between" if rule.strict else "between"
    return [
        f"{mid} {m} is not {bound} {lo} {a} and {hi} {b}" for a, m, b in zip(*texts, strict=True)
    ]


def _increment_words(enc: Encoded, rule: Rule, side: Side, rows: np.ndarray) -> list[str]:
    col = rule.columns[0]
    step = fmt_value(rule.increment, Kind.NUMERICAL)
    return [f"{col} {v} is not a multiple of {step}" for v in value_texts(enc, col, side, rows)]


def _sum_words(enc: Encoded, rule: Rule, side: Side, rows: np.ndarray) -> list[str]:
    target = rule.columns[0]
    rest = " ".join(
        f"{'+' if -s > 0 else '-'} {c}"
        for c, s in zip(rule.columns[1:], rule.signs[1:], strict=True)
    ).removeprefix("+ ")
    expected = np.zeros(len(rows))
    for col, sign in zip(rule.columns[1:], rule.signs[1:], strict=True):
        expected = expected - sign * rule.signs[0] * side.numeric[col][rows]
    actual = side.numeric[target][rows]
    off = sum_off(side, rule)[rows]
    out = []
    for x, e, d in zip(actual, expected, off, strict=True):
        tx, te = fmt_pair(float(x), float(e), Kind.NUMERICAL)
        out.append(
            f"{target} {tx} is not {rest} = {te} (off by {fmt_value(float(d), Kind.NUMERICAL)})"
        )
    return out


def _combination_words(enc: Encoded, rule: Rule, side: Side, rows: np.ndarray) -> list[str]:
    texts = [value_texts(enc, c, side, rows) for c in rule.columns]
    return [
        " with ".join(f"{c} {v}" for c, v in zip(rule.columns, vals, strict=True))
        + ": a combination no real row has"
        for vals in zip(*texts, strict=True)
    ]


def _determined_words(enc: Encoded, rule: Rule, side: Side, rows: np.ndarray) -> list[str]:
    k = rule.n_determinants
    det_cols, dep = rule.columns[:k], rule.columns[-1]
    index, values = real_mapping(enc, rule)
    dep_labels = _real_labels(enc, dep)
    sizes = [level_count(enc, c) for c in det_cols]
    det = combined([keys(enc, c, side)[rows] for c in det_cols], sizes)
    expected = values[index.get_indexer(det)]
    det_texts = [value_texts(enc, c, side, rows) for c in det_cols]
    dep_texts = value_texts(enc, dep, side, rows)
    out = []
    for i, dv in enumerate(dep_texts):
        given = " and ".join(f"{c} {t[i]}" for c, t in zip(det_cols, det_texts, strict=True))
        out.append(
            f"{given} goes with {dep} {dv}; real rows with it have {dep_labels[expected[i]]}"
        )
    return out


def _real_labels(enc: Encoded, col: str) -> list[str]:
    """The real distinct values of a column, in key order, as words."""
    kind = enc.schema.kind_of(col)
    if kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
        return [f"'{v}'" for v in enc.categories[col][: enc.n_real_levels[col]]]
    if kind in (Kind.NUMERICAL, Kind.DATETIME):
        real = enc.real.numeric[col]
        return [fmt_value(float(v), kind) for v in np.unique(real[np.isfinite(real)])]
    return [f"'{v}'" for v in pd.unique(enc.real.strings[col])]


def _onehot_words(enc: Encoded, rule: Rule, side: Side, rows: np.ndarray) -> list[str]:
    texts = [value_texts(enc, c, side, rows) for c in rule.columns]
    names = ", ".join(rule.columns)
    return [
        f"{names} hold {', '.join(vals)}: not exactly one 1" for vals in zip(*texts, strict=True)
    ]


_WORDS = {
    "order": _order_words,
    "range": _range_words,
    "increment": _increment_words,
    "sum": _sum_words,
    "combination": _combination_words,
    "determined": _determined_words,
    "onehot": _onehot_words,
}


def row_words(enc: Encoded, rule: Rule, side: Side, rows: np.ndarray) -> list[str]:
    """One sentence per row in ``rows`` (positions in ``side``) saying how it breaks ``rule``."""
    if len(rows) == 0:
        return []
    return _WORDS[rule.kind](enc, rule, side, np.asarray(rows, dtype=np.int64))


__all__ = ["row_words", "value_texts"]
