"""Row flags, reason ``implausible_combination``: in-range values whose combination real rows
never show ("mean radius 28.1 with mean perimeter 43.8").

The model
---------
Fitted on a seeded sample of at most :data:`FIT_ROWS` real rows. Each numeric or date column
``y`` becomes normal scores through the real ECDF (mid-ranks, so ties and skew do not matter).
Each partner column ``x`` is cut into real-quantile bins of at least :data:`MIN_BIN_ROWS` real
rows (at most :data:`MAX_BINS`; :data:`SMALL_BIN_ROWS` on tables too small for that; a
categorical ``x``: its levels with that many rows). Inside a bin ``y``'s normal score has a mean
and a spread (shrunk towards the pooled spread, so a bin of 30 rows does not get a tiny one by
chance); a row's residual is its distance from that mean in spreads. Bins see relations that are
not monotone (a rise then a fall). A pair is checked when ``x`` explains at least
:data:`MIN_STRENGTH` of ``y``'s normal-score variance (the bias-corrected squared correlation
ratio); each ``y`` keeps its :data:`PARTNERS` strongest partners.

The level
---------
A row's score is its largest residual over the checked pairs. The level is set by cross-fitting
on the real sample (:data:`FOLDS` folds: fitted on the others, each fold's rows are scored as
unseen rows), at the score only :data:`IMPLAUSIBLE_SHARE` of those unseen real rows reach, so
the share holds for rows the model never saw, as the synthetic rows are. Fewer than 4,000 real
rows put fewer than 20 rows above that quantile: the level then extends an exponential tail
fitted to the 20 highest held-out scores (:func:`tail_level`). A synthetic row above it
is flagged for its worst pair, unless a value of that pair is out of range (already invalid),
or more than :data:`BROAD_SHARE` of the rows pass on that pair: the relation is then lost as a
whole, said once in a note instead of row by row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import special

from metrics.encode import Encoded, Side
from metrics.flags_combos_words import Words
from metrics.flags_invalid import range_bounds
from metrics.flags_kinds import IMPLAUSIBLE, Events
from metrics.marginal_words import fmt_value
from metrics.uncertainty import rng, tail_level

IMPLAUSIBLE_SHARE = 0.005
FIT_ROWS = 50_000
MAX_BINS = 20
MIN_BIN_ROWS = 30
SMALL_BIN_ROWS = 15  # the least a bin holds when the real data is too small for 30
MIN_STRENGTH = 0.4  # share of y's normal-score variance x must explain
PARTNERS = 3
FOLDS = 5
MIN_ROWS = 60
MIN_DISTINCT = 10  # a y with fewer distinct real values is a category in all but name
SHRINK_ROWS = 30  # a bin's spread counts as this many rows of the pooled spread too
KNOTS = 4_096  # quantiles the real ECDF is interpolated between...
EXACT_TAIL = 64  # ...and the most extreme real values of each side, all of them
BROAD_SHARE = 0.10
MAX_FLAGGED = 20_000  # rows flagged one by one at most, the most implausible


@dataclass(frozen=True)
class Combos:
    """What the check did: the level, the pairs checked (y, x), the real rows fitted on."""

    level: float
    pairs: tuple[tuple[str, str], ...]
    fit_rows: int
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Partner:
    """A column ``y`` is checked against: its bins (categorical: a lookup by code + 1)."""

    col: str
    words: list[str]
    edges: np.ndarray | None = None
    lut: np.ndarray | None = None
    sorted_x: np.ndarray | None = None  # a numeric partner's real sample, for its normal scores

    @property
    def n_bins(self) -> int:
        return len(self.words)

    def bins(self, side: Side) -> np.ndarray:
        """Each row's bin, -1 for none (missing, a rare or unseen category)."""
        if self.lut is not None:
            return self.lut[side.codes[self.col] + 1]
        v = side.numeric[self.col]
        edges = np.empty(0) if self.edges is None else self.edges
        return np.where(np.isnan(v), -1, np.searchsorted(edges, v, side="right"))

    def place(self, side: Side) -> tuple[np.ndarray, np.ndarray | None]:
        """Each row's bin, and for a numeric partner its normal score (the line between the
        bins' centres follows a trend inside a wide bin)."""
        if self.sorted_x is None:
            return self.bins(side), None
        return self.bins(side), normal_scores(self.sorted_x, side.numeric[self.col])


def normal_scores(sorted_real: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Normal scores of ``values`` through the ECDF of ``sorted_real`` (finite, ascending):
    mid-ranks, the extreme real score beyond the real range, NaN for NaN.

    Between :data:`KNOTS` quantiles (every value among the :data:`EXACT_TAIL` most extreme of
    each side) the ECDF is taken as linear: a search among a few thousand knots instead of tens
    of thousands of values is what keeps a million rows fast.
    """
    n = len(sorted_real)
    u, first = np.unique(sorted_real, return_index=True)
    last = np.r_[first[1:], n]
    z = special.ndtri((first + last) / (2.0 * n))
    if len(u) > KNOTS + 2 * EXACT_TAIL:
        m = len(u)
        keep = np.unique(np.r_[np.arange(EXACT_TAIL), np.linspace(0, m - 1, KNOTS).astype(int),
                               np.arange(m - EXACT_TAIL, m)])  # fmt: skip
        u, z = u[keep], z[keep]
    return np.interp(values, u, z)


def _cut(values: np.ndarray, min_rows: int) -> np.ndarray:
    """Bin edges on real values: quantile cuts, merged until each bin holds ``min_rows``."""
    finite = np.sort(values[np.isfinite(values)])
    n = len(finite)
    bins = min(MAX_BINS, n // max(min_rows, 1))
    if bins < 2:
        return np.empty(0)
    cand = np.unique(finite[(np.arange(1, bins) * n) // bins])
    at = np.searchsorted(finite, cand)  # rows below each candidate edge
    edges, start = [], 0
    for edge, below in zip(cand, at, strict=True):
        if below - start >= min_rows and n - below >= min_rows:
            edges.append(edge)
            start = below
    return np.asarray(edges, dtype=float)


def _partner(enc: Encoded, col: str, real: Side, min_rows: int) -> _Partner | None:
    """``col`` as a partner, binned on the real sample ``real``; None with fewer than 2 bins."""
    if col in real.codes:
        labels = enc.categories[col]
        counts = np.bincount(real.codes[col] + 1, minlength=len(labels) + 1)
        keep = [c for c in np.flatnonzero(counts[1:] >= min_rows)]
        if len(keep) < 2:
            return None
        lut = np.full(len(labels) + 1, -1, dtype=np.int64)
        lut[np.asarray(keep) + 1] = np.arange(len(keep))
        return _Partner(col, [f"{col} = '{labels[c]}'" for c in keep], lut=lut)
    edges = _cut(real.numeric[col], min_rows)
    if len(edges) == 0:
        return None
    t = [fmt_value(float(e), enc.schema.kind_of(col)) for e in edges]
    words = [f"{col} below {t[0]}"]
    words += [f"{col} from {a} to {b}" for a, b in zip(t[:-1], t[1:], strict=True)]
    x = real.numeric[col]
    return _Partner(col, words + [f"{col} of {t[-1]} or more"], edges=edges,
                    sorted_x=np.sort(x[np.isfinite(x)]))  # fmt: skip


def _stats(z: np.ndarray, b: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Per bin: the mean and shrunk spread of ``z``; and the share of z's variance the bins
    explain (bias-corrected: 0 on average for an unrelated x)."""
    ok = (b >= 0) & np.isfinite(z)
    z, b = z[ok], b[ok]
    if len(z) < MIN_ROWS:
        return np.zeros(n_bins), np.ones(n_bins), 0.0
    n = np.bincount(b, minlength=n_bins).astype(float)
    mean = np.bincount(b, z, minlength=n_bins) / np.maximum(n, 1)
    within = np.bincount(b, z * z, minlength=n_bins) - n * mean**2
    pooled = float(within.sum()) / max(len(z) - int(np.count_nonzero(n)), 1)
    total = float(np.var(z, ddof=1))
    strength = 1.0 - pooled / total if total > 0 else 0.0
    return mean, _spread(within, n, pooled), strength


def _spread(within: np.ndarray, n: np.ndarray, pooled: float) -> np.ndarray:
    """Per bin: the spread of its residuals, shrunk towards the pooled one."""
    return np.sqrt(np.maximum((within + SHRINK_ROWS * pooled) / (n - 1 + SHRINK_ROWS), 1e-6))


_Line = tuple[np.ndarray | None, np.ndarray, np.ndarray]  # centres (None: steps), means, spreads


def _line(zy: np.ndarray, b: np.ndarray, zx: np.ndarray | None, n_bins: int) -> _Line:
    """y's expected normal score along x: the bins' means joined by straight lines between the
    bins' centres (x's normal score; steps for a categorical x), and each bin's spread around it."""
    mean, spread, _ = _stats(zy, b, n_bins)
    if zx is None:
        return None, mean, spread
    ok = (b >= 0) & np.isfinite(zy) & np.isfinite(zx)
    n = np.bincount(b[ok], minlength=n_bins).astype(float)
    used = n > 0
    if np.count_nonzero(used) < 2 or ok.sum() < MIN_ROWS:
        return None, mean, spread
    centres = np.bincount(b[ok], zx[ok], minlength=n_bins)[used] / n[used]
    means = mean[used]
    r = zy[ok] - np.interp(zx[ok], centres, means)
    within = np.bincount(b[ok], r * r, minlength=n_bins)
    pooled = float(within.sum()) / max(int(ok.sum()) - 1, 1)
    return centres, means, _spread(within, n, pooled)


@dataclass
class _Model:
    """The fitted check: per y its sorted real sample, per checked pair the bins' mean/spread."""

    sorted_y: dict[str, np.ndarray]
    partners: dict[str, _Partner]
    pairs: list[tuple[str, str]]
    stats: dict[tuple[str, str], _Line]


def _residuals(
    model: _Model, z: dict[str, np.ndarray], b: dict[str, tuple], n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the largest |residual| over the pairs, that pair's index and its signed residual
    (0 and -1 for a row no pair applies to)."""
    best, which, signed = np.zeros(n), np.full(n, -1), np.zeros(n)
    for j, (y, x) in enumerate(model.pairs):
        centres, mean, spread = model.stats[(y, x)]
        bins, zx = b[x]
        inside = bins >= 0
        at = np.where(inside, bins, 0)
        expected = mean[at] if centres is None else np.interp(zx, centres, mean)
        r = (z[y] - expected) / spread[at]
        r[~inside] = np.nan
        size = np.abs(r)
        with np.errstate(invalid="ignore"):
            worse = size > best
        best[worse], which[worse], signed[worse] = size[worse], j, r[worse]
    return best, which, signed


def _fit(real: Side, rows: np.ndarray, pairs: list, partners: dict, placed: dict) -> _Model:
    """Each checked pair's line and spreads on the real sample's ``rows``."""
    sorted_y, stats = {}, {}
    for y in dict.fromkeys(p[0] for p in pairs):
        v = real.numeric[y][rows]
        sorted_y[y] = np.sort(v[np.isfinite(v)])
    for y, x in pairs:
        z = normal_scores(sorted_y[y], real.numeric[y][rows])
        bins, zx = _rows(placed[x], rows)
        stats[(y, x)] = _line(z, bins, zx, partners[x].n_bins)
    return _Model(sorted_y, partners, list(pairs), stats)


def _choose(enc: Encoded, real: Side, min_rows: int) -> tuple[list, dict, dict]:
    """The pairs to check (y, x), strongest first per y; the partners; their bins and normal
    scores on the real sample."""
    partners = {c: p for c in enc.analysed if (p := _partner(enc, c, real, min_rows))}
    placed = {c: p.place(real) for c, p in partners.items()}
    pairs = []
    for y in enc.continuous:
        v = real.numeric[y]
        finite = v[np.isfinite(v)]
        if len(finite) < MIN_ROWS or len(np.unique(finite)) < MIN_DISTINCT:
            continue
        z = normal_scores(np.sort(finite), v)
        strong = []
        for x, p in partners.items():
            if x != y:
                strength = _stats(z, placed[x][0], p.n_bins)[2]
                if strength >= MIN_STRENGTH:
                    strong.append((-strength, x))
        pairs += [(y, x) for _, x in sorted(strong)[:PARTNERS]]
    used = {x for _, x in pairs}
    return pairs, {x: p for x, p in partners.items() if x in used}, placed


def _level(real: Side, pairs: list, partners: dict, placed: dict, seed: int) -> float:
    """The score only :data:`IMPLAUSIBLE_SHARE` of unseen real rows reach (cross-fitted)."""
    fold = rng(seed, "implausible", "folds").permutation(real.n_rows) % FOLDS
    held = np.zeros(real.n_rows)
    for f in range(FOLDS):
        test = np.flatnonzero(fold == f)
        model = _fit(real, np.flatnonzero(fold != f), pairs, partners, placed)
        z = {y: normal_scores(s, real.numeric[y][test]) for y, s in model.sorted_y.items()}
        b = {x: _rows(placed[x], test) for x in partners}
        held[test] = _residuals(model, z, b, len(test))[0]
    return tail_level(held, IMPLAUSIBLE_SHARE)


def _rows(placed: tuple, rows: np.ndarray) -> tuple:
    """Bins and normal scores of a partner (from :meth:`_Partner.place`) on some rows."""
    bins, zx = placed
    return bins[rows], None if zx is None else zx[rows]


def flag_implausible(enc: Encoded, seed: int, ev: Events, notes: list[str]) -> Combos | None:
    """Flag synthetic rows whose values are each in range but whose combination real rows do
    not show; what the check did (None when it could not run)."""
    n_real, n_syn = enc.real.n_rows, enc.synthetic.n_rows
    if n_real < MIN_ROWS or not enc.continuous:
        notes.append(
            f"Implausible combinations not checked: they need at least {MIN_ROWS} real rows "
            "and a numeric or date column."
        )
        return None
    gen = rng(seed, "implausible", "sample")
    sample = np.arange(n_real)
    if n_real > FIT_ROWS:
        sample = np.sort(gen.choice(n_real, FIT_ROWS, replace=False))
        notes.append(
            f"Implausible combinations: fitted on a seeded sample of {FIT_ROWS:,} of the "
            f"{n_real:,} real rows; every synthetic row is scored."
        )
    real = enc.real.take(sample)
    min_rows = int(np.clip(len(sample) // 6, SMALL_BIN_ROWS, MIN_BIN_ROWS))
    pairs, partners, placed = _choose(enc, real, min_rows)
    if not pairs:
        return Combos(float("nan"), (), len(sample))
    level = _level(real, pairs, partners, placed, seed)
    model = _fit(real, np.arange(len(sample)), pairs, partners, placed)
    z, b = _place_synthetic(enc, model)
    best, which, signed = _residuals(model, z, b, n_syn)
    rows = _one_by_one(np.flatnonzero(best > level), which, model.pairs, n_syn, notes)
    if len(rows) > MAX_FLAGGED:
        notes.append(
            f"Implausible combinations: {len(rows):,} synthetic rows ({len(rows) / n_syn:.0%}) "
            f"pass the level; the {MAX_FLAGGED:,} most implausible are flagged one by one. So many "
            "rows break a relation of the real data as a whole: see the column pairs."
        )
        rows = np.sort(rows[np.argsort(-best[rows], kind="stable")[:MAX_FLAGGED]])
    scores = 0.5 + 0.5 * np.clip((best[rows] - level) / (abs(level) + 1.0), 0.0, 1.0)
    words = Words(enc, real, model.pairs, model.partners, placed, b)
    ev.add(IMPLAUSIBLE, "", rows, scores,
           lambda r: words.text(int(r), int(which[r]), float(signed[r])),
           columns=lambda r: model.pairs[which[r]])  # fmt: skip
    return Combos(level, tuple(pairs), len(sample))


def _one_by_one(
    rows: np.ndarray, which: np.ndarray, pairs: list, n: int, notes: list[str]
) -> np.ndarray:
    """``rows`` without those of pairs broken across the data (y given x and x given y count
    together): flagging each of them would bury the rest."""
    pair_of = {j: frozenset(p) for j, p in enumerate(pairs)}
    counts: dict[frozenset, int] = {}
    for j, k in zip(*np.unique(which[rows], return_counts=True), strict=True):
        counts[pair_of[int(j)]] = counts.get(pair_of[int(j)], 0) + int(k)
    broad = [p for p, k in counts.items() if k > BROAD_SHARE * n]
    for p in broad:
        a, b = sorted(p)
        notes.append(
            f"Implausible combinations: {counts[p]:,} synthetic rows ({counts[p] / n:.0%}) combine "
            f"{a} and {b} in ways fewer than {IMPLAUSIBLE_SHARE:.1%} of real rows do. The relation "
            "is broken across the data rather than in single rows, so these rows are not flagged "
            "one by one: see the pair and subgroup findings."
        )
    out = [j for j, p in pair_of.items() if p in broad]
    return rows[~np.isin(which[rows], out)] if out else rows


def _place_synthetic(enc: Encoded, model: _Model) -> tuple[dict, dict]:
    """The synthetic rows' normal scores (per y) and bins and normal scores (per partner),
    each column's normal scores computed once, out-of-range values left out."""
    syn, scores = enc.synthetic, {}
    for y, s in model.sorted_y.items():
        scores[y] = normal_scores(s, syn.numeric[y])
    b = {}
    for x, p in model.partners.items():
        if p.sorted_x is not None and x not in scores:
            scores[x] = normal_scores(p.sorted_x, syn.numeric[x])
        b[x] = (p.bins(syn), scores.get(x) if p.sorted_x is not None else None)
    z = {y: scores[y] for y in model.sorted_y}
    _drop_out_of_range(enc, z, b)
    return z, b


def _drop_out_of_range(enc: Encoded, z: dict, b: dict) -> None:
    """Values the invalid check flags as out of range say nothing about combinations."""
    n_cont = len(enc.continuous)
    for col in set(z) | {c for c in b if c in enc.synthetic.numeric}:
        bounds = range_bounds(enc.real.numeric[col], n_cont)
        if bounds is None:
            continue
        lo, hi, tl, th = bounds
        v = enc.synthetic.numeric[col]
        out = (v < lo - tl) | (v > hi + th)
        if out.any():
            if col in z:
                z[col] = np.where(out, np.nan, z[col])
            if col in b:
                b[col] = (np.where(out, -1, b[col][0]), b[col][1])
