"""Pandas producer of :mod:`metrics.state_pairs`: one partition (a DataFrame) of one side.

Two passes, as for every engine: :func:`number_states` (ranges of the numbers, Pearson's
moments, Spearman's counts) first; the caller turns the merged ranges (or real quantiles) into
:class:`~metrics.state_pairs.Binning` edges; then :func:`table_states` counts the contingency
tables. Values are read as the encoding reads them (:func:`metrics.encode.to_float`,
infinities as missing; categories as raw values, normalised after the merge).
"""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pandas as pd

from metrics.encode import to_float
from metrics.schema import Kind, Schema
from metrics.state_pairs import (
    MAX_RANK_PAIRS,
    Binning,
    Key,
    Moments,
    PairStates,
    Range,
    RankCounts,
    bin_codes,
)

NUMBER_KINDS = (Kind.NUMERICAL, Kind.DATETIME)
LABEL_KINDS = (Kind.CATEGORICAL, Kind.BOOLEAN)


def pair_keys(schema: Schema, columns: list[str] | None = None) -> tuple[list[Key], list[Key]]:
    """The pairs of number columns (correlations) and the other pairs (contingency tables)
    among ``columns`` (default: every analysed column), in schema order."""
    kinds = {c.name: c.kind for c in schema.columns}
    cols = [
        c for c in (columns or list(kinds)) if kinds[c] in NUMBER_KINDS + LABEL_KINDS
    ]  # fmt: skip
    pairs = list(itertools.combinations(cols, 2))
    numbers = [(a, b) for a, b in pairs if kinds[a] in NUMBER_KINDS and kinds[b] in NUMBER_KINDS]
    return numbers, [p for p in pairs if p not in set(numbers)]


def number_values(frame: pd.DataFrame, schema: Schema, cols: set[str]) -> dict[str, np.ndarray]:
    """The number columns ``cols`` as the encoding reads them (infinities missing)."""
    out = {}
    for spec in schema.columns:
        if spec.name in cols:
            values = to_float(frame[spec.name], spec.kind, spec.datetime_format)
            out[spec.name] = np.where(np.isinf(values), np.nan, values)
    return out


def _rank_counts(x: np.ndarray, y: np.ndarray) -> RankCounts:
    both = ~(np.isnan(x) | np.isnan(y))
    pairs = pd.DataFrame({"x": x[both], "y": y[both]}).value_counts(sort=False)
    if len(pairs) > MAX_RANK_PAIRS:
        return RankCounts(overflow=True)
    return RankCounts(Counter(dict(zip(pairs.index, pairs.to_numpy().tolist(), strict=True))))


def _pair_range(values: np.ndarray, keep: np.ndarray | None, own: Range) -> Range:
    """The range of ``values`` on the rows ``keep`` (all non-missing rows when None)."""
    if keep is None:
        return own
    n = int(np.count_nonzero(keep))
    if n == 0:
        return Range()
    return Range(n, float(np.where(keep, values, np.inf).min()),
                 float(np.where(keep, values, -np.inf).max()))  # fmt: skip


def _moments(values: dict[str, np.ndarray], numbers: list[Key]) -> dict[Key, Moments]:
    """Every pair's :class:`Moments` from four matrix products over the columns.

    Each column is shifted by a pivot (its mean on this partition, so the sums below hold
    offsets of the spread's size and ``sum z^2 - (sum z)^2 / n`` keeps its digits), missing
    values set to 0 and a 0/1 matrix ``W`` marks the present ones; then for a pair (a, b)
    ``n = W_a.W_b``, ``sum z_a = Z_a.W_b``, ``sum z_a^2 = Z_a^2.W_b`` and ``sum z_a z_b =
    Z_a.Z_b`` over the rows where both are present: one BLAS call each for all pairs, instead
    of copying each pair's complete rows."""
    cols = list(dict.fromkeys(c for p in numbers for c in p))
    if not cols:
        return {}
    at = {c: i for i, c in enumerate(cols)}
    x = np.column_stack([values[c] for c in cols])
    present = ~np.isnan(x)
    counts = present.sum(axis=0)
    with np.errstate(invalid="ignore"):
        pivots = np.where(counts > 0, np.nansum(x, axis=0) / np.maximum(counts, 1), 0.0)
    z = np.where(present, x - pivots, 0.0)
    w = present.astype(np.float64)
    n, s, q, p = w.T @ w, z.T @ w, (z * z).T @ w, z.T @ z
    full = counts == len(x)
    own = {
        c: Range(int(counts[i]), float(np.nanmin(x[:, i])), float(np.nanmax(x[:, i])))
        if counts[i] else Range()
        for c, i in at.items()
    }  # fmt: skip
    out = {}
    for a, b in numbers:
        i, j = at[a], at[b]
        k = int(round(n[i, j]))
        if k == 0:
            out[(a, b)] = Moments()
            continue
        mx, my = s[i, j] / k, s[j, i] / k
        # Ranges on the rows where both are present: the column's own when the other is full.
        rx = _pair_range(x[:, i], None if full[j] else present[:, i] & present[:, j], own[a])
        ry = _pair_range(x[:, j], None if full[i] else present[:, i] & present[:, j], own[b])
        out[(a, b)] = Moments(
            k, float(mx), float(my),
            max(float(q[i, j] - s[i, j] * mx), 0.0), max(float(q[j, i] - s[j, i] * my), 0.0),
            float(p[i, j] - s[i, j] * my), rx, ry, float(pivots[i]), float(pivots[j]),
        )  # fmt: skip
    return out


def number_states(
    frame: pd.DataFrame, schema: Schema, numbers: list[Key], spearman: bool = False
) -> PairStates:
    """First pass: ranges of every number column, moments (and with ``spearman`` counts per
    distinct value pair) of every pair in ``numbers``."""
    kinds = {c.name: c.kind for c in schema.columns}
    wanted = {c for c in kinds if kinds[c] in NUMBER_KINDS}
    values = number_values(frame, schema, wanted)
    out = PairStates()
    for c, v in values.items():
        present = v[~np.isnan(v)]
        if present.size:
            out.ranges[c] = Range(present.size, float(present.min()), float(present.max()))
        else:
            out.ranges[c] = Range()
    out.moments = _moments(values, numbers)
    if spearman:
        for a, b in numbers:
            out.ranks[(a, b)] = _rank_counts(values[a], values[b])
    return out


def _object_array(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def table_codes(
    frame: pd.DataFrame, schema: Schema, used: set[str], binnings: dict[str, Binning]
) -> dict[str, tuple[np.ndarray, list]]:
    """Per column of ``used``: each row's code and the codes' labels (bin codes for numbers
    under ``binnings``, raw values for categories, ``None`` = missing, last)."""
    kinds = {c.name: c.kind for c in schema.columns}
    values = number_values(frame, schema, {c for c in used if kinds[c] in NUMBER_KINDS})
    codes: dict[str, tuple[np.ndarray, list]] = {}
    for c in used:
        if c in values:
            binned = bin_codes(values[c], binnings[c])
            size = int(binned.max()) + 1 if binned.size else 1
            codes[c] = (binned, list(range(size)))
        else:
            raw, uniques = pd.factorize(frame[c], use_na_sentinel=True)
            # Missing (-1) moves to the last slot, labelled None.
            codes[c] = (np.where(raw < 0, len(uniques), raw), [*uniques.tolist(), None])
    return codes


def counter_of(counts: np.ndarray, la: list, lb: list) -> Counter:
    """The Counter of a flattened ``len(la) x len(lb)`` count table, by label pair."""
    hit = np.flatnonzero(counts)
    # Labels gathered as arrays and zipped: far faster than indexing cell by cell when a
    # table has hundreds of thousands of cells.
    keys = zip(_object_array(la)[hit // len(lb)].tolist(),
               _object_array(lb)[hit % len(lb)].tolist(), strict=True)  # fmt: skip
    return Counter(dict(zip(keys, counts[hit].tolist(), strict=True)))


def table_states(
    frame: pd.DataFrame, schema: Schema, pairs: list[Key], binnings: dict[str, Binning]
) -> PairStates:
    """Second pass: the contingency counts of ``pairs``; number columns are cut with
    ``binnings`` (this side's), categories counted by raw value (``None`` = missing)."""
    codes = table_codes(frame, schema, {c for p in pairs for c in p}, binnings)
    out = PairStates()
    for a, b in pairs:
        (ca, la), (cb, lb) = codes[a], codes[b]
        counts = np.bincount(ca * len(lb) + cb, minlength=len(la) * len(lb))
        out.tables[(a, b)] = counter_of(counts, la, lb)
    return out
