"""Discovered sums: a numerical column equal to the sum or difference of two or three others
(part of :mod:`metrics.rules_discover`).

Every signed combination of 3 or 4 columns that adds up to zero is a candidate: ``y - a - b = 0``
is ``y = a + b``. All combinations are first tried on a few fingerprint rows at once (a vectorised
test of a few hundred thousand combinations costs milliseconds), the survivors on the candidate
sample, then on the verification rows. A relation holds within a relative 1e-6 of the magnitudes
plus half the coarsest decimal the columns are written with (a total rounded to cents).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from metrics.rules_core import Rule, rule_tolerance, sum_off

FINGERPRINT_ROWS = 24
MIN_FINGERPRINT = 8  # present fingerprint rows a combination must match on
CHUNK = 50_000


def decimal_resolution(values: np.ndarray, tolerance: float) -> float:
    """The coarsest ``10**-k`` (k = 0..6) that every value but a ``tolerance`` share is a whole
    multiple of; 0 when the values are written with more decimals (measured numbers)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0
    for k in range(7):
        scaled = finite * 10**k
        off = np.abs(scaled - np.round(scaled)) > 1e-6 + 1e-14 * np.abs(scaled)
        if off.mean() <= tolerance:
            return 10.0**-k
    return 0.0


def _combos(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column index sets of size 3 and 4 with every sign pattern (the first sign fixed at +1,
    as ``-(y - a - b)`` is the same relation)."""
    idx, signs = [], []
    for size in (3, 4):
        cols = np.array(list(itertools.combinations(range(k), size)), dtype=np.int64)
        if cols.size == 0:
            continue
        patterns = np.array([(1, *rest) for rest in itertools.product((1, -1), repeat=size - 1)])
        cols = np.repeat(cols, len(patterns), axis=0)
        pats = np.tile(patterns, (len(cols) // len(patterns), 1))
        pad = 4 - size
        idx.append(np.column_stack([cols, np.full((len(cols), pad), -1, dtype=np.int64)]))
        signs.append(np.column_stack([pats, np.zeros((len(pats), pad), dtype=np.int64)]))
    return np.concatenate(idx), np.concatenate(signs)


def _matches(filled, absent, res, idx, signs) -> tuple[np.ndarray, np.ndarray]:
    """Per combination: whether it adds up to zero on every given row where its cells are
    present, and on how many rows they are. ``filled``/``absent`` are columns x rows."""
    ok = np.ones(len(idx), dtype=bool)
    present = np.zeros(len(idx), dtype=np.int64)
    for start in range(0, len(idx), CHUNK):
        part_idx, part_sign = idx[start : start + CHUNK], signs[start : start + CHUNK]
        total = np.zeros((len(part_idx), filled.shape[1]))
        scale = np.zeros_like(total)
        missing = np.zeros(total.shape, dtype=bool)
        for j in range(4):
            cells = filled[part_idx[:, j]]  # combos x rows, contiguous rows of the columns
            total += cells * part_sign[:, j, None]
            scale += np.abs(cells) * np.abs(part_sign[:, j, None])
            missing |= absent[part_idx[:, j]]
        tol = 1e-6 * scale + 0.5 * res[part_idx].max(axis=1)[:, None]
        ok[start : start + CHUNK] = ((np.abs(total) <= tol) | missing).all(axis=1)
        present[start : start + CHUNK] = (~missing).sum(axis=1)
    return ok, present


def _fingerprint_pass(values: np.ndarray, res: np.ndarray, idx: np.ndarray, signs: np.ndarray):
    """Which combinations add up to zero on every fingerprint row where all their cells are
    present (and are present on at least :data:`MIN_FINGERPRINT` of them). A first pass on
    four rows rules out almost every combination; the rest are tried on all of them."""
    # Index -1 is a zero column: a combination of three columns has a fourth slot of zeros.
    filled = np.vstack([np.nan_to_num(values).T, np.zeros(len(values))])
    absent = np.vstack([np.isnan(values).T, np.zeros(len(values), dtype=bool)])
    res_padded = np.append(res, 0.0)
    first, _ = _matches(filled[:, :4], absent[:, :4], res_padded, idx, signs)
    keep = np.flatnonzero(first)
    ok, present = _matches(filled, absent, res_padded, idx[keep], signs[keep])
    out = np.zeros(len(idx), dtype=bool)
    out[keep[ok & (present >= MIN_FINGERPRINT)]] = True
    return out


def _rule(names: list[str], cols: tuple[int, ...], signs: tuple[int, ...], tol: float) -> Rule:
    """The relation as ``target = a + b - c``: the target is the column whose sign no other
    shares (else the first), written with sign +1."""
    lone = [i for i, s in enumerate(signs) if list(signs).count(s) == 1]
    t = lone[0] if lone else 0
    order = [t] + [i for i in range(len(cols)) if i != t]
    flip = signs[t]
    ordered_cols = tuple(names[cols[i]] for i in order)
    ordered_signs = tuple(signs[i] * flip for i in order)
    expr = ""
    for col, s in zip(ordered_cols[1:], ordered_signs[1:], strict=True):
        expr += f"{'+' if s < 0 else '-'}{col}"
    expr = expr.removeprefix("+")
    words = expr.replace("+", " + ").replace("-", " - ").strip()
    if words.startswith("- "):
        words = "-" + words[2:]
    return Rule(f"sum:{ordered_cols[0]}={expr}", "sum", f"{ordered_cols[0]} equals {words}",
                "discovered", ordered_cols, signs=ordered_signs, tolerance=tol)  # fmt: skip


# Splitting this pass would scatter filters that only make sense in this order.
# long: one pass from fingerprint to candidates to verified rules
def discover_sums(
    names: list[str],
    sample: np.ndarray,
    verify: Callable[[Rule], bool],
    shuffled_breaks: Callable[[Rule], float],
    resolution: dict[str, float],
    seed_rng: np.random.Generator,
) -> tuple[list[Rule], int]:
    """Sum and difference rules among ``names`` (their values on the sample, rows x columns).

    ``verify`` says whether a rule holds on the verification rows; ``shuffled_breaks`` the
    share of sample rows a rule breaks once its target is shuffled (a rule a shuffled column
    also obeys, say on columns that are mostly zero, says nothing). Returns the rules and how
    many signed combinations were tried.
    """
    k = len(names)
    if k < 3:
        return [], 0
    idx, signs = _combos(k)
    present_rows = np.flatnonzero(np.isfinite(sample).sum(axis=1) >= min(k, 3))
    pick = seed_rng.permutation(present_rows)[:FINGERPRINT_ROWS]
    res = np.array([resolution.get(n, 0.0) for n in names])
    keep = _fingerprint_pass(sample[pick], res, idx, signs)
    found: list[Rule] = []
    sets: list[frozenset[int]] = []
    for i in np.flatnonzero(keep):
        cols = tuple(int(c) for c in idx[i] if c >= 0)
        col_set = frozenset(cols)
        # Implied: a superset of a found relation, or the sum of two found relations.
        if any(s <= col_set for s in sets) or any(
            (a ^ b) == col_set for a, b in itertools.combinations(sets, 2)
        ):
            continue
        sg = tuple(int(s) for s in signs[i][: len(cols)])
        tol = 0.5 * max(res[list(cols)])
        rule = _rule(names, cols, sg, float(tol))
        if shuffled_breaks(rule) < 0.5 or not verify(rule):
            continue
        found.append(rule)
        sets.append(col_set)
    return found, len(idx)


def breaks_on(values: dict[str, np.ndarray], n: int, rule: Rule) -> np.ndarray:
    """Rows of plain arrays (``{column: values}``) that break a sum rule."""

    class _Side:  # the two attributes sum_off and rule_tolerance read
        numeric = values
        n_rows = n

    side = _Side()
    return sum_off(side, rule) > rule_tolerance(side, rule)  # type: ignore[arg-type]
