"""The SynthLens-mode tables of the pairs: real-quantile bins, calendar parts, aligned bins.

Every pair that is not two numbers is scored on a contingency table whose numbers and dates are
cut at the real data's deciles (:func:`metrics.pair_shapes.quantile_edges`), the same edges on
both sides. Pairs holding a number also get the synthetic table on the synthetic data's aligned
bins (:func:`metrics.pair_shapes.aligned_edges`), for their shape, and two-number pairs get both
tables for their shape alone (their score stays the correlation). Calendar parts of dates
(:mod:`metrics.pair_calendar`) join as categories, paired only where the real data relates them
to their partner.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from metrics.encode import Encoded, Side, parallel_map
from metrics.pair_bounds import association_is_noise
from metrics.pair_calendar import MAX_CALENDAR_PAIRS, Part, calendar_note, calendar_parts
from metrics.pair_shapes import Shape, aligned_edges, quantile_codes, quantile_edges, shape_of
from metrics.pair_stats import collapse_rare, cramers_v_corrected, pair_tables, table_chi2
from metrics.results import Progress

Key = tuple[str, str]
NEGLIGIBLE = 0.05  # as pairs_measure.NEGLIGIBLE (imported there from here would be circular)
_ALIGNED = "\x1faligned\x1f"  # prefix of a number's aligned codes (no column name starts so)


@dataclass
class Tables:
    """Both sides' tables of the pairs (see the module docstring)."""

    wanted: list[Key] = field(default_factory=list)  # contingency pairs, calendar pairs last
    numbers: list[Key] = field(default_factory=list)  # two-number pairs
    numeric: set[str] = field(default_factory=set)
    real: dict[Key, np.ndarray] = field(default_factory=dict)
    synthetic: dict[Key, np.ndarray] = field(default_factory=dict)
    # Synthetic tables with the number's bins aligned (the groups' bins at the real edges):
    # for two numbers, ``aligned`` has b aligned (a's bins are the groups), ``aligned_t`` a.
    aligned: dict[Key, np.ndarray] = field(default_factory=dict)
    aligned_t: dict[Key, np.ndarray] = field(default_factory=dict)
    edges: dict[str, np.ndarray] = field(default_factory=dict)
    parts: dict[str, Part] = field(default_factory=dict)
    parts_keys: set[Key] = field(default_factory=set)  # the calendar pairs scored
    calendar_note: str = ""


def _edges(enc: Encoded, cols: list[str]) -> tuple[dict, dict]:
    def one(col: str) -> tuple[np.ndarray, np.ndarray]:
        real = enc.real.numeric[col]
        edges = quantile_edges(real)
        return edges, aligned_edges(enc.synthetic.numeric[col], real, edges)

    found = list(parallel_map(one, cols))
    return (
        {c: e for c, (e, _) in zip(cols, found, strict=True)},
        {c: a for c, (_, a) in zip(cols, found, strict=True)},
    )


def _codes(
    enc: Encoded, side: Side, discrete: list[str], edges: dict[str, np.ndarray],
    parts: list[tuple[str, np.ndarray, int]],
) -> tuple[dict[str, np.ndarray], dict[str, int]]:  # fmt: skip
    """Non-negative codes (0 = missing) and table sizes of every column of one side."""
    codes, sizes = {}, {}
    for c in discrete:
        sizes[c] = len(enc.categories[c]) + 1
        dtype = np.uint8 if sizes[c] <= 1 << 8 else np.uint16 if sizes[c] <= 1 << 16 else np.int64
        codes[c] = np.add(side.codes[c], 1, dtype=dtype, casting="unsafe")
    for c, e in edges.items():
        codes[c], sizes[c] = quantile_codes(side.numeric[c], e), len(e) + 2
    for name, part_codes, size in parts:
        codes[name], sizes[name] = part_codes, size
    return codes, sizes


def _related(table: np.ndarray, confidence: float) -> tuple[bool, float]:
    """Whether a real table holds a relation on its main levels, and its corrected V."""
    main, _ = collapse_rare(table, table)
    chi2 = table_chi2(main)
    v = cramers_v_corrected(chi2)
    return not association_is_noise(chi2, v, confidence, NEGLIGIBLE), v


# long: builds three sets of tables for two sides in order; splitting would pass ten arguments
def build(enc: Encoded, cols: list[str], confidence: float, progress: Progress) -> Tables:
    """The tables of every pair of ``cols`` and of the related calendar pairs."""
    out = Tables()
    numeric = [c for c in enc.continuous if c in set(cols)]
    discrete = [c for c in enc.discrete if c in set(cols)]
    out.numeric = set(numeric)
    pairs = list(itertools.combinations(cols, 2))
    out.wanted = [(a, b) for a, b in pairs if not (a in out.numeric and b in out.numeric)]
    out.numbers = [(a, b) for a, b in pairs if a in out.numeric and b in out.numeric]
    edges, aligned = _edges(enc, numeric)
    out.edges = edges
    found = calendar_parts(enc, cols)
    sizes_ok = {p.name: p for p in found}
    candidates = [(p.name, c) for p in found for c in cols if c != p.source]
    real_codes, real_sizes = _codes(
        enc, enc.real, discrete, edges, [(p.name, p.real, p.size) for p in found]
    )
    out.real = pair_tables(real_codes, real_sizes, out.wanted + out.numbers + candidates)
    del real_codes
    progress(0.5, "Pair trends: contingency tables")
    # A calendar part holds the dated rows only: whether a date is missing is a relation of
    # the date column itself (its own pairs), not a season.
    for key in candidates:
        out.real[key] = out.real[key][1:]
    related = []
    # Many parts x partners are tested: Bonferroni keeps chance relations out (on the demo's
    # 161 rows, two of 30 passed at 95% by chance).
    strict = 1 - (1 - confidence) / max(len(candidates), 1)
    for key in candidates:
        hit, v = _related(out.real[key], strict)
        if hit:
            related.append((v, key))
    related.sort(key=lambda vk: -vk[0])  # stable: ties keep the schema order
    kept = [key for _, key in related[:MAX_CALENDAR_PAIRS]]
    kept = [key for key in candidates if key in set(kept)]
    for key in set(candidates) - set(kept):
        out.real.pop(key, None)
    out.parts = {name: sizes_ok[name] for name, _ in kept}
    out.calendar_note = calendar_note(len(kept), len(related), len(candidates))
    out.wanted += kept
    out.parts_keys = set(kept)
    parts = [(p.name, p.synthetic, p.size) for p in out.parts.values()]
    syn_codes, syn_sizes = _codes(enc, enc.synthetic, discrete, edges, parts)
    out.synthetic = pair_tables(syn_codes, syn_sizes, out.wanted)
    for c in numeric:
        syn_codes[_ALIGNED + c] = quantile_codes(enc.synthetic.numeric[c], aligned[c])
        syn_sizes[_ALIGNED + c] = syn_sizes[c]
    asked: dict[Key, Key] = {}
    for a, b in out.wanted + out.numbers:
        if b in out.numeric:
            asked[(a, _ALIGNED + b)] = (a, b)
        elif a in out.numeric:
            asked[(_ALIGNED + a, b)] = (a, b)
        if a in out.numeric and b in out.numeric:
            asked[(_ALIGNED + a, b)] = (a, b)
    found_tables = pair_tables(syn_codes, syn_sizes, list(asked))
    for key in kept:
        out.synthetic[key] = out.synthetic[key][1:]
    for (x, y), key in asked.items():
        both = key in set(out.numbers)
        target = out.aligned_t if both and x.startswith(_ALIGNED) else out.aligned
        target[key] = found_tables[(x, y)][1:] if key in out.parts_keys else found_tables[(x, y)]
    progress(0.9, "Pair trends: contingency tables")
    return out


@dataclass(frozen=True)
class PairShape:
    """A pair's shape comparison and which of its columns was grouped (``group`` is a code of
    that column: a category's code + 1 (0 = missing), a bin 1..k, a calendar part's 1..k)."""

    shape: Shape
    grouped: str
    target: str
    group: int


def pair_shape(tables: Tables, key: Key, confidence: float) -> PairShape | None:
    """The shape comparison of a pair holding a number (None for other pairs)."""
    a, b = key
    a_num, b_num = a in tables.numeric, b in tables.numeric
    if not (a_num or b_num) or key not in tables.aligned:
        return None
    real, syn = tables.real[key], tables.aligned[key]
    if a_num and b_num:
        syn_t = tables.aligned_t[key]
        shape = shape_of(real[1:, 1:], syn[1:, 1:], confidence, syn_t[1:, 1:])
        grouped, target = (a, b) if shape.across == 0 else (b, a)
        return PairShape(shape, grouped, target, shape.group + 1)
    if b_num:
        shape = shape_of(real[:, 1:], syn[:, 1:], confidence)
        # A calendar part's table starts at code 1 (its undated rows are left out).
        return PairShape(shape, a, b, shape.group + (a in tables.parts))
    shape = shape_of(real[1:, :].T, syn[1:, :].T, confidence)
    return PairShape(shape, b, a, shape.group)


def numbers_related(tables: Tables, key: Key, confidence: float) -> float:
    """The larger corrected V of a two-number pair's binned tables when either side holds a
    relation there (a rise then fall that no correlation sees), else 0."""
    real, syn = tables.real[key][1:, 1:], tables.aligned[key][1:, 1:]
    main_real, main_syn = collapse_rare(real, syn)
    best = 0.0
    for t in (main_real, main_syn):
        chi2 = table_chi2(t)
        v = cramers_v_corrected(chi2)
        if not association_is_noise(chi2, v, confidence, NEGLIGIBLE):
            best = max(best, v)
    return best
