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
    PairStates,
    Range,
    RankCounts,
    bin_codes,
    moments_of,
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


def _numbers(frame: pd.DataFrame, schema: Schema, cols: set[str]) -> dict[str, np.ndarray]:
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


def number_states(
    frame: pd.DataFrame, schema: Schema, numbers: list[Key], spearman: bool = False
) -> PairStates:
    """First pass: ranges of every number column, moments (and with ``spearman`` counts per
    distinct value pair) of every pair in ``numbers``."""
    kinds = {c.name: c.kind for c in schema.columns}
    wanted = {c for c in kinds if kinds[c] in NUMBER_KINDS}
    values = _numbers(frame, schema, wanted)
    out = PairStates()
    for c, v in values.items():
        present = v[~np.isnan(v)]
        if present.size:
            out.ranges[c] = Range(present.size, float(present.min()), float(present.max()))
        else:
            out.ranges[c] = Range()
    for a, b in numbers:
        out.moments[(a, b)] = moments_of(values[a], values[b])
        if spearman:
            out.ranks[(a, b)] = _rank_counts(values[a], values[b])
    return out


def table_states(
    frame: pd.DataFrame, schema: Schema, pairs: list[Key], binnings: dict[str, Binning]
) -> PairStates:
    """Second pass: the contingency counts of ``pairs``; number columns are cut with
    ``binnings`` (this side's), categories counted by raw value (``None`` = missing)."""
    kinds = {c.name: c.kind for c in schema.columns}
    used = {c for p in pairs for c in p}
    values = _numbers(frame, schema, {c for c in used if kinds[c] in NUMBER_KINDS})
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
    out = PairStates()
    for a, b in pairs:
        (ca, la), (cb, lb) = codes[a], codes[b]
        counts = np.bincount(ca * len(lb) + cb, minlength=len(la) * len(lb))
        hit = np.flatnonzero(counts)
        out.tables[(a, b)] = Counter(
            {(la[i // len(lb)], lb[i % len(lb)]): int(counts[i]) for i in hit}
        )
    return out
