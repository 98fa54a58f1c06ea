"""Discovered relations between discrete values (part of :mod:`metrics.rules_discover`): a
column determined by one or two others (city -> state) and fixed combinations of two or three
categorical columns.

Both are searched on the candidate sample's keys (:func:`metrics.rules_core.keys` on the sample:
an index into each column's distinct values) and kept only when they say something: a shuffled
copy of the dependent column must break a determined relation in many rows, and a combination
the real rows never have must be one that independent columns would show often (an expected
count of at least :data:`MIN_EXPECTED`), not a combination too rare to have turned up.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from metrics.rules_core import Rule

MAX_LEVELS_PAIR = 200  # a determinant paired with another has at most this many values
MAX_PAIR_CHECKS = 8_000
MAX_COMBO_LEVELS = 50  # levels of a column in a fixed combination
MAX_TRIPLE_CELLS = 1_000
MAX_TRIPLES = 5_000
MIN_EXPECTED = 10.0  # expected count of an absent combination under independence


def sample_keys(values: np.ndarray) -> np.ndarray:
    """Keys 0..k-1 of the distinct values of one sample column, -1 where missing."""
    codes = np.full(len(values), -1, dtype=np.int64)
    if values.dtype.kind == "f":
        ok = ~np.isnan(values)
    else:
        ok = values >= 0
    _, codes[ok] = np.unique(values[ok], return_inverse=True)
    return codes


def breaks_determined(det: np.ndarray, dep: np.ndarray) -> tuple[int, int]:
    """Rows whose dependent differs from its determinant group's most common value, and the
    rows checked (both present)."""
    ok = (det >= 0) & (dep >= 0)
    d, v = det[ok], dep[ok]
    if d.size == 0:
        return 0, 0
    width, height = int(v.max()) + 1, int(d.max()) + 1
    if width * height <= 1_000_000:
        # A dense table of counts: one bincount instead of a sort.
        counts = np.bincount(d * width + v, minlength=width * height).reshape(height, width)
        return int(d.size - counts.max(axis=1).sum()), int(d.size)
    pair, tally = np.unique(d * width + v, return_counts=True)
    groups = pair // width
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    return int(d.size - np.maximum.reduceat(tally, starts).sum()), int(d.size)


def _repeats(key: np.ndarray) -> bool:
    """A determinant must repeat: at most half as many values as rows, and at least half the
    rows in a group of two or more (an id-like column determines everything trivially)."""
    ok = key[key >= 0]
    if ok.size < 20:
        return False
    _, counts = np.unique(ok, return_counts=True)
    return 2 <= counts.size <= ok.size / 2 and counts[counts >= 2].sum() >= ok.size / 2


def _pair_key(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = a * (int(b.max()) + 1) + b
    out[(a < 0) | (b < 0)] = -1
    return out


# Single and paired determinants share the filters (allowance, shuffle test, one-to-one),
# kept in one place so the two searches cannot drift apart.
# long: both searches and their shared filters
def discover_determined(
    names: list[str],
    keys: dict[str, np.ndarray],
    allowed: Callable[[int], int],
    gen: np.random.Generator,
    verify: Callable[[Rule], bool],
) -> tuple[list[Rule], int]:
    """Columns determined by one or two others; returns the rules and the checks made."""
    dets = [c for c in names if _repeats(keys[c])]
    deps = [c for c in names if np.unique(keys[c][keys[c] >= 0]).size >= 2]
    found: list[Rule] = []
    holds: set[tuple[str, str]] = set()
    checks = 0

    def test(det: np.ndarray, dep_col: str) -> bool:
        dep = keys[dep_col]
        bad, m = breaks_determined(det, dep)
        if m < 20 or bad > allowed(m):
            return False
        ok = np.flatnonzero((det >= 0) & (dep >= 0))
        shuffled = dep.copy()
        shuffled[ok] = gen.permutation(dep[ok])
        return breaks_determined(det, shuffled)[0] >= max(10, 10 * (allowed(m) + 1))

    for a in dets:
        for c in deps:
            if c == a:
                continue
            checks += 1
            if test(keys[a], c):
                holds.add((a, c))
    for a, c in sorted(holds, key=lambda p: (names.index(p[0]), names.index(p[1]))):
        if (c, a) in holds and names.index(c) < names.index(a):
            continue  # one to one: said once, from the earlier column
        both = (c, a) in holds
        text = f"{c} is fixed by {a}: each {a} has one {c} in the real data" + (
            " (one to one)" if both else "")  # fmt: skip
        rule = Rule(f"determined:{a}->{c}", "determined", text, "discovered", (a, c),
                    n_determinants=1)  # fmt: skip
        if verify(rule):
            found.append(rule)
    small = [c for c in dets if np.unique(keys[c][keys[c] >= 0]).size <= MAX_LEVELS_PAIR]
    for a, b in itertools.combinations(small, 2):
        if checks >= MAX_PAIR_CHECKS:
            break
        pair = _pair_key(keys[a], keys[b])
        if (a, b) in holds or (b, a) in holds or not _repeats(pair):
            continue
        for c in deps:
            if c in (a, b) or (a, c) in holds or (b, c) in holds:
                continue
            checks += 1
            if not test(pair, c):
                continue
            text = f"{c} is fixed by {a} and {b}: each combination of them has one {c}"
            rule = Rule(f"determined:{a}+{b}->{c}", "determined", text, "discovered",
                        (a, b, c), n_determinants=2)  # fmt: skip
            if verify(rule):
                found.append(rule)
    return found, checks


def _absent(counts: np.ndarray, expected: np.ndarray, n: int) -> bool:
    """A structural gap: a combination independent columns would show at least
    :data:`MIN_EXPECTED` times is absent, and few rows sit in combinations seen once (their
    share estimates how often a new real row brings a combination not seen yet)."""
    singles = int((counts == 1).sum())
    return bool(((counts == 0) & (expected >= MIN_EXPECTED)).any()) and singles <= 0.001 * n


def _table(parts: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, int]:
    ok = np.all([p >= 0 for p in parts], axis=0)
    flat = np.zeros(int(ok.sum()), dtype=np.int64)
    for p, s in zip(parts, sizes, strict=True):
        flat = flat * s + p[ok]
    return np.bincount(flat, minlength=int(np.prod(sizes))).reshape(sizes), int(ok.sum())


def discover_combinations(
    names: list[str],
    keys: dict[str, np.ndarray],
    related: set[frozenset[str]],
    verify: Callable[[Rule], bool],
) -> tuple[list[Rule], int]:
    """Fixed combinations of two or three categorical columns; ``related`` holds column sets
    a determined relation already ties (their combinations are fixed by it)."""
    cols = [c for c in names if 2 <= keys[c].max() + 1 <= MAX_COMBO_LEVELS]
    sizes = {c: int(keys[c].max()) + 1 for c in cols}
    found: list[Rule] = []
    fixed: list[frozenset[str]] = []
    tried = 0
    for a, b in itertools.combinations(cols, 2):
        if any(s <= {a, b} for s in related):
            continue
        tried += 1
        table, n = _table([keys[a], keys[b]], [sizes[a], sizes[b]])
        if n < 20:
            continue
        expected = np.outer(table.sum(1), table.sum(0)) / n
        if _absent(table, expected, n):
            seen = int((table > 0).sum())
            text = (f"{a} and {b} only take the combinations the real data has ({seen} of "
                    f"{table.size} possible)")  # fmt: skip
            rule = Rule(f"combination:{a},{b}", "combination", text, "discovered", (a, b))
            if verify(rule):
                found.append(rule)
                fixed.append(frozenset((a, b)))
    small = [c for c in cols if sizes[c] <= 20]
    for a, b, c in itertools.combinations(small, 3):
        if tried >= MAX_TRIPLES or sizes[a] * sizes[b] * sizes[c] > MAX_TRIPLE_CELLS:
            continue
        trio = frozenset((a, b, c))
        if any(s <= trio for s in [*fixed, *related]):
            continue
        tried += 1
        table, n = _table([keys[a], keys[b], keys[c]], [sizes[a], sizes[b], sizes[c]])
        if n < 20:
            continue
        # Absent beyond what any pair's own association explains: the smallest expectation
        # over the three ways of splitting the trio into a pair and a column.
        expected = np.minimum.reduce([
            table.sum(2)[:, :, None] * table.sum((0, 1))[None, None, :],
            table.sum(1)[:, None, :] * table.sum((0, 2))[None, :, None],
            table.sum(0)[None, :, :] * table.sum((1, 2))[:, None, None],
        ]) / n  # fmt: skip
        if _absent(table, expected, n):
            seen = int((table > 0).sum())
            text = (f"{a}, {b} and {c} only take the combinations the real data has ({seen} of "
                    f"{table.size} possible)")  # fmt: skip
            rule = Rule(f"combination:{a},{b},{c}", "combination", text, "discovered", (a, b, c))
            if verify(rule):
                found.append(rule)
                fixed.append(trio)
    return found, tried
