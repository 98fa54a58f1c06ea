"""What the subgroup search looks at: its grouping columns and their levels, the columns and
pairs it tests inside each level, encoded once (and sampled on large tables).

- Grouping columns: every categorical or boolean column with at most :data:`MAX_LEVELS` real
  levels, and every numerical or date column cut at its real quartiles
  (:data:`GROUP_BINS` bins; fewer when quartiles coincide). A level is tested when it holds at
  least :data:`MIN_ROWS` rows and :data:`MIN_SHARE` of the rows on both sides.
- Tested columns: every analysed column but the grouping one. Categories with more than
  :data:`MAX_CATEGORIES` real levels keep their most frequent ones and pool the rest, in the
  whole table as in each level, so one rare category does not turn every 30-row subgroup into
  noise.
- Tested pairs: the pairs related in the real whole table (|Spearman's r|, or bias-corrected
  Cramer's V on real-quintile bins for a pair with a category, at least :data:`RELATED`), the
  :data:`MAX_PAIRS` strongest.
- Tables with more than :data:`MAX_ROWS` rows on a side are searched on a seeded sample of that
  many rows (the result says so).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from metrics.encode import Encoded
from metrics.marginal_words import fmt_pair, fmt_value
from metrics.pair_stats import collapse_rare, cramers_v_corrected, pearson_matrix, table_chi2
from metrics.schema import Kind
from metrics.subgroups_stats import ranks
from metrics.uncertainty import rng

NAME = "subgroups"
MAX_LEVELS = 50  # categorical columns with more real levels do not group
GROUP_BINS = 4  # numbers and dates group by their real quartiles
PAIR_BINS = 5  # numbers in contingency tables: real quintiles
MIN_ROWS = 30  # rows a level needs on each side
MIN_SHARE = 0.01  # share of each side's rows a level needs
MAX_CATEGORIES = 50  # tested category columns keep this many levels (the last pools the rest)
MAX_ROWS = 200_000  # rows per side searched; more are sampled (seeded)
RELATED = 0.15  # whole-table strength from which a pair is tested in subgroups
MAX_PAIRS = 30  # at most this many pairs (the strongest) are tested in subgroups


@dataclass(frozen=True)
class Grouping:
    """A grouping column: its levels' labels and, for numbers and dates, the real quartiles."""

    column: str
    kind: Kind
    labels: tuple[str, ...]
    edges: tuple[float, ...] = ()  # inner bin edges (numbers and dates)

    def codes(self, values: np.ndarray) -> np.ndarray:
        """Level of each row (-1: missing, or a category the real data lacks), for a side's
        ``numeric`` values or category ``codes`` of this column."""
        if self.kind in (Kind.NUMERICAL, Kind.DATETIME):
            out = np.searchsorted(np.asarray(self.edges), values, side="left").astype(np.int16)
            out[np.isnan(values)] = -1
            return out
        # Synthetic-only categories (codes past the real ones) belong to no level.
        return np.where(values < len(self.labels), values, -1).astype(np.int16)


@dataclass
class Side:
    """One side's arrays, on the searched rows."""

    n_rows: int
    numeric: dict[str, np.ndarray] = field(default_factory=dict)  # numbers and dates, NaN missing
    codes: dict[str, np.ndarray] = field(default_factory=dict)  # tested categories, -1 missing
    pair_codes: dict[str, np.ndarray] = field(default_factory=dict)  # >= 0, missing its own code
    levels: dict[str, np.ndarray] = field(default_factory=dict)  # grouping column -> level codes


@dataclass
class Prepared:
    """Everything the per-level tests read."""

    real: Side
    synthetic: Side
    kinds: dict[str, Kind]
    groupings: list[Grouping]
    category_names: dict[str, list[str]]  # tested category columns' level names (pooled last)
    pair_sizes: dict[str, int]  # codes in ``pair_codes`` per column
    pairs: list[tuple[str, str]]  # tested pairs, strongest first
    strengths: dict[tuple[str, str], float]
    sample_note: str = ""


def _rows(n: int, seed: int, side: str) -> np.ndarray | None:
    if n <= MAX_ROWS:
        return None
    return np.sort(rng(seed, NAME, "sample", side).choice(n, MAX_ROWS, replace=False))


def _take(values: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    return values if rows is None else values[rows]


def _edges(real: np.ndarray, bins: int) -> np.ndarray:
    """Inner edges of real-quantile bins (distinct, so some bins may merge)."""
    finite = real[np.isfinite(real)]
    if finite.size == 0:
        return np.empty(0)
    inner = np.quantile(finite, np.arange(1, bins) / bins)
    inner = np.unique(inner)
    # An edge at the maximum makes an empty last bin.
    return inner[inner < finite.max()]


def _bin_labels(edges: np.ndarray, kind: Kind) -> tuple[str, ...]:
    if not len(edges):
        return ()
    texts = [fmt_value(e, kind) for e in edges]
    for i in range(len(edges) - 1):  # neighbours printed alike get the digits that part them
        a, b = fmt_pair(edges[i], edges[i + 1], kind)
        texts[i], texts[i + 1] = (a, b) if texts[i] == texts[i + 1] else (texts[i], texts[i + 1])
    labels = [f"up to {texts[0]}"]
    labels += [f"above {a} up to {b}" for a, b in itertools.pairwise(texts)]
    labels.append(f"above {texts[-1]}")
    return tuple(labels)


def groupings(enc: Encoded) -> list[Grouping]:
    """The grouping columns, in schema order (see the module docstring)."""
    out = []
    for col in enc.analysed:
        kind = enc.schema.kind_of(col)
        if kind in (Kind.NUMERICAL, Kind.DATETIME):
            edges = _edges(enc.real.numeric[col], GROUP_BINS)
            if len(edges):
                out.append(Grouping(col, kind, _bin_labels(edges, kind), tuple(edges.tolist())))
        elif 2 <= enc.n_real_levels[col] <= MAX_LEVELS:
            out.append(Grouping(col, kind, tuple(enc.categories[col][: enc.n_real_levels[col]])))
    return out


def _category_map(real_codes: np.ndarray, n_levels: int, names: list[str]):
    """Codes -> tested codes: the most frequent real levels keep one each, the rest pool."""
    counts = np.bincount(real_codes[real_codes >= 0], minlength=n_levels)
    if n_levels <= MAX_CATEGORIES:
        return np.arange(n_levels), list(names)
    top = np.sort(np.argsort(-counts, kind="stable")[: MAX_CATEGORIES - 1])
    lut = np.full(n_levels, MAX_CATEGORIES - 1)
    lut[top] = np.arange(len(top))
    return lut, [names[i] for i in top] + ["(other categories)"]


def _strengths(real: Side, kinds: dict[str, Kind], sizes: dict[str, int]) -> dict:
    """Whole-table strength of every pair on the real rows: |r| or corrected Cramer's V."""
    cols = list(kinds)
    cont = [c for c in cols if kinds[c] in (Kind.NUMERICAL, Kind.DATETIME)]
    out: dict[tuple[str, str], float] = {}
    if len(cont) >= 2:
        r, _, _ = pearson_matrix([ranks(real.numeric[c]) for c in cont])
        for i, j in itertools.combinations(range(len(cont)), 2):
            out[(cont[i], cont[j])] = abs(float(r[i, j])) if np.isfinite(r[i, j]) else 0.0
    for a, b in itertools.combinations(cols, 2):
        if (a, b) in out:
            continue
        key = real.pair_codes[a].astype(np.int64) * sizes[b] + real.pair_codes[b]
        table = np.bincount(key, minlength=sizes[a] * sizes[b]).reshape(sizes[a], sizes[b])
        main, _ = collapse_rare(table, table)
        v = cramers_v_corrected(table_chi2(main))
        out[(a, b)] = v if np.isfinite(v) else 0.0
    return out


def prepare(enc: Encoded, seed: int) -> Prepared:
    """The searched rows' arrays, the grouping columns and the tested pairs."""
    kinds = {c: enc.schema.kind_of(c) for c in enc.analysed}
    picks = {
        "real": _rows(enc.real.n_rows, seed, "real"),
        "synthetic": _rows(enc.synthetic.n_rows, seed, "synthetic"),
    }
    sides = {name: Side(n_rows=s.n_rows if picks[name] is None else MAX_ROWS)
             for name, s in (("real", enc.real), ("synthetic", enc.synthetic))}  # fmt: skip
    names, sizes = {}, {}
    for col, kind in kinds.items():
        if kind in (Kind.NUMERICAL, Kind.DATETIME):
            edges = _edges(enc.real.numeric[col], PAIR_BINS)
            sizes[col] = len(edges) + 2  # bins, then missing
            for name, side in (("real", enc.real), ("synthetic", enc.synthetic)):
                values = _take(side.numeric[col], picks[name])
                sides[name].numeric[col] = values
                codes = np.searchsorted(edges, values, side="left").astype(np.uint8)
                codes[np.isnan(values)] = len(edges) + 1
                sides[name].pair_codes[col] = codes
        else:
            n_real = enc.n_real_levels[col]
            lut, names[col] = _category_map(enc.real.codes[col], n_real, enc.categories[col])
            k = len(names[col])
            # Synthetic-only categories pool with the rest: the real data has none to compare.
            full = np.full(len(enc.categories[col]) + 1, -1, dtype=np.int64)
            full[:n_real] = lut
            full[n_real:-1] = k if n_real <= MAX_CATEGORIES else k - 1
            sizes[col] = k + 2  # levels, synthetic-only, missing
            for name, side in (("real", enc.real), ("synthetic", enc.synthetic)):
                codes = full[_take(side.codes[col], picks[name])]  # -1 (missing) reads the last
                sides[name].codes[col] = codes.astype(np.int32)
                pair = codes.copy()
                pair[codes < 0] = k + 1
                sides[name].pair_codes[col] = pair.astype(np.uint8 if k + 2 < 256 else np.int32)
    groups = groupings(enc)
    for g in groups:
        for name, side in (("real", enc.real), ("synthetic", enc.synthetic)):
            raw = side.numeric[g.column] if g.column in enc.continuous else side.codes[g.column]
            sides[name].levels[g.column] = g.codes(_take(raw, picks[name]))
    strengths = _strengths(sides["real"], kinds, sizes)
    related = sorted(
        (p for p, s in strengths.items() if s >= RELATED), key=lambda p: -strengths[p]
    )[:MAX_PAIRS]
    note = ""
    if any(p is not None for p in picks.values()):
        note = (
            f"Subgroups were searched on a seeded sample of {MAX_ROWS:,} rows per side "
            f"(of {enc.real.n_rows:,} real and {enc.synthetic.n_rows:,} synthetic rows)."
        )
    return Prepared(sides["real"], sides["synthetic"], kinds, groups, names, sizes,
                    related, strengths, note)  # fmt: skip


def level_mask(enc: Encoded, g: Grouping, level: str, side: str) -> np.ndarray:
    """Rows of one side of ``enc`` (all of them, not the sample) in a level of ``g``."""
    data = enc.real if side == "real" else enc.synthetic
    raw = data.numeric[g.column] if g.kind in (Kind.NUMERICAL, Kind.DATETIME) else data.codes[
        g.column]  # fmt: skip
    code = g.labels.index(level) if level in g.labels else -2
    return g.codes(raw) == code
