"""Cut one column into bins a reviewer can read, and test where two sides' shares differ.

Numbers and dates: quantiles of the real values (:data:`MAX_BINS` on large data, fewer on small
data so that a bin holds about :data:`ROWS_PER_BIN` rows), a bin below the real minimum, one
above the real maximum and one for missing values. Categories: each real level, one bin for the
levels only the other side has, one for missing values. Used by :mod:`metrics.detection_explain`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metrics.encode import MISSING, Encoded
from metrics.marginal_words import fmt_pair, fmt_value
from metrics.schema import Kind
from metrics.uncertainty import z_value

MAX_BINS = 20  # quantile bins of a number on large data
MIN_BINS = 5
ROWS_PER_BIN = 40  # rows of the smaller side per bin: fewer bins on small data
CHART_LEVELS = 15  # categories drawn one by one in the chart; the rest share one bar


@dataclass
class Bins:
    """One column cut into bins: each row's bin on each side, and the bins in words.

    Numbers: the first bin lies below the real minimum, then the bins between real quantiles in
    order (a value that holds a large share of the real rows gets a bin of its own, so a 0/1
    column or a spike at 0 is not lumped with its neighbours), then one above the real maximum
    and one for missing values. Categories: one bin per real level, then the levels the real
    data never has, then missing values.
    """

    real: np.ndarray  # bin of every real row (whole file)
    synthetic: np.ndarray
    names: list[str]  # short name per bin, for the chart
    labels: list[str]  # the bin alone in words, for a sentence
    ordered: bool  # adjacent bins are neighbouring values (numbers and dates)
    low: np.ndarray  # lowest value of each bin (numbers; -inf below the real minimum)
    high: np.ndarray  # highest value of each bin (+inf above the real maximum)


def n_bins(enc: Encoded) -> int:
    """Quantile bins of a number: about :data:`ROWS_PER_BIN` rows of the smaller side each,
    between :data:`MIN_BINS` and :data:`MAX_BINS`."""
    smaller = min(enc.real.n_rows, enc.synthetic.n_rows)
    return int(np.clip(smaller // ROWS_PER_BIN, MIN_BINS, MAX_BINS))


def cut(enc: Encoded, col: str) -> Bins:
    """The column's bins, computed on the real rows and applied to both sides."""
    kind = enc.schema.kind_of(col)
    if kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
        return _cut_levels(enc, col, quoted=kind is Kind.CATEGORICAL)
    return _cut_numbers(enc, col, kind)


@dataclass
class _Layout:
    """Numeric bins from sorted edges: the interval after each edge and, for a heavy edge value,
    a bin holding exactly that value before it."""

    edges: np.ndarray
    heavy: np.ndarray  # edge holds a large share of the real rows: a bin of its own
    point: np.ndarray  # bin id of each heavy edge's own bin (-1 when not heavy)
    after: np.ndarray  # bin id of the interval from each edge to the next (-1 for the last)
    above: int  # bin id above the real maximum; the next one is missing

    @classmethod
    def build(cls, edges: np.ndarray, heavy: np.ndarray) -> _Layout:
        point, after = np.full(edges.size, -1), np.full(edges.size, -1)
        nxt = 1  # bin 0 lies below the real minimum
        for k in range(edges.size):
            if heavy[k]:
                point[k], nxt = nxt, nxt + 1
            if k < edges.size - 1:
                after[k], nxt = nxt, nxt + 1
        return cls(edges, heavy, point, after, nxt)

    def index(self, values: np.ndarray) -> np.ndarray:
        edges = self.edges
        k = np.searchsorted(edges, values, side="right") - 1  # largest edge <= value
        inside = (k >= 0) & (values <= edges[-1])
        kk = np.clip(k, 0, edges.size - 1)
        on_edge = inside & (edges[kk] == values)
        # The maximum, unless heavy, closes the last interval.
        last = max(edges.size - 2, 0)
        interval = self.after[np.minimum(kk, last)] if edges.size > 1 else np.full(kk.size, -1)
        idx = np.where(on_edge & self.heavy[kk], self.point[kk], interval)
        idx = np.where(k < 0, 0, idx)
        idx = np.where(values > edges[-1], self.above, idx)
        return np.where(np.isnan(values), self.above + 1, idx)


# long: the bins, their bounds and their words are built in one pass over the layout
def _cut_numbers(enc: Encoded, col: str, kind: Kind) -> Bins:
    real, syn = enc.real.numeric[col], enc.synthetic.numeric[col]
    finite = np.sort(real[np.isfinite(real)])
    if not finite.size:  # the real column is empty: only "has a value" against "missing"
        idx = [np.where(np.isnan(v), 1, 0) for v in (real, syn)]
        names, labels = ["has a value", "missing"], [f"{col} has a value", f"{col} missing"]
        return Bins(idx[0], idx[1], names, labels, False, np.array([]), np.array([]))
    bins = n_bins(enc)
    values, counts = np.unique(finite, return_counts=True)
    heavy_values = values[counts >= finite.size / (2 * bins)]
    edges = np.union1d(np.quantile(finite, np.linspace(0.0, 1.0, bins + 1)), heavy_values)
    if edges.size == 1:
        heavy = np.array([True])  # one real value: a bin of its own
    else:
        heavy = np.isin(edges, heavy_values)
    lay = _Layout.build(edges, heavy)
    low, high = np.full(lay.above + 2, np.nan), np.full(lay.above + 2, np.nan)
    names, labels = [""] * (lay.above + 2), [""] * (lay.above + 2)
    lo_text, hi_text = fmt_value(edges[0], kind), fmt_value(edges[-1], kind)
    low[0], high[0] = -np.inf, edges[0]
    names[0], labels[0] = f"below {lo_text}", f"{col} below {lo_text} (under the real minimum)"
    for k in range(edges.size):
        if lay.point[k] >= 0:
            b, text = lay.point[k], fmt_value(edges[k], kind)
            low[b] = high[b] = edges[k]
            names[b], labels[b] = text, f"{col} = {text}"
        if lay.after[k] >= 0:
            b = lay.after[k]
            low[b], high[b] = edges[k], edges[k + 1]
            a_text, b_text = fmt_pair(edges[k], edges[k + 1], kind)
            names[b], labels[b] = f"{a_text} to {b_text}", f"{col} {a_text} to {b_text}"
    low[lay.above], high[lay.above] = edges[-1], np.inf
    names[lay.above] = f"above {hi_text}"
    labels[lay.above] = f"{col} above {hi_text} (over the real maximum)"
    names[-1], labels[-1] = "missing", f"{col} missing"
    return Bins(lay.index(real), lay.index(syn), names, labels, True, low, high)


def _cut_levels(enc: Encoded, col: str, quoted: bool) -> Bins:
    """One bin per real level, one for the levels only the synthetic data has, one for missing."""
    n_real = enc.n_real_levels[col]
    levels = enc.categories[col]

    def index(codes: np.ndarray) -> np.ndarray:
        idx = np.minimum(codes.astype(np.int64), n_real)
        idx[codes == MISSING] = n_real + 1
        return idx

    def shown(level: str) -> str:
        return f"'{level}'" if quoted else level

    syn_idx = index(enc.synthetic.codes[col])
    new_codes = np.unique(enc.synthetic.codes[col][syn_idx == n_real])
    # One level only the synthetic data has is named; several share one bin.
    new_name = (
        f"{shown(levels[new_codes[0]])}, never in the real data" if new_codes.size == 1 else None
    )
    names = [shown(v) for v in levels[:n_real]]
    names += [new_name or "values the real data never has", "missing"]
    labels = [f"{col} = {shown(v)}" for v in levels[:n_real]]
    labels += [
        f"{col} = {new_name}" if new_name else f"{col} holding a value the real data never has",
        f"{col} missing",
    ]
    none = np.array([])
    return Bins(index(enc.real.codes[col]), syn_idx, names, labels, False, none, none)


def differs(
    real_n: np.ndarray,
    syn_n: np.ndarray,
    n_real: int,
    n_syn: int,
    tests: int,
    confidence: float,
) -> np.ndarray:
    """Per bin: +1 when the synthetic share is higher beyond noise, -1 when lower, 0 otherwise
    (two-proportion z-test with a pooled share, Bonferroni over the explained columns' bins)."""
    p_real, p_syn = real_n / max(n_real, 1), syn_n / max(n_syn, 1)
    pooled = (real_n + syn_n) / max(n_real + n_syn, 1)
    se = np.sqrt(pooled * (1 - pooled) * (1 / max(n_real, 1) + 1 / max(n_syn, 1)))
    level = 1 - (1 - confidence) / max(tests, 1)
    gap = p_syn - p_real
    beyond = np.abs(gap) > z_value(level) * se
    # A bin one side never has while the other has it is told apart by se = 0 only when both
    # are empty; the test above already covers the rest.
    return np.where(beyond, np.sign(gap), 0).astype(int)


def runs(sign: np.ndarray, ordered: bool, total: int) -> list[tuple[int, int]]:
    """Bins (first, last) that differ the same way: neighbouring value bins merge, while
    categories and the missing bin (always the last) stand alone."""
    out: list[tuple[int, int]] = []
    for b in range(total):
        if sign[b] == 0:
            continue
        joins = ordered and b < total - 1 and out and out[-1][1] == b - 1
        if joins and sign[out[-1][0]] == sign[b]:
            out[-1] = (out[-1][0], b)
        else:
            out.append((b, b))
    return out


def run_label(col: str, bins: Bins, a: int, b: int, kind: Kind) -> str:
    """Merged value bins in words: "age 60 to 70", "age below 30", "age 60 or above"."""
    if a == b or not bins.ordered:
        return bins.labels[a]
    lo, hi = bins.low[a], bins.high[b]
    if np.isinf(lo) and np.isinf(hi):
        return f"{col} (any value)"
    if np.isinf(lo):
        return f"{col} below {fmt_value(hi, kind)}"
    if np.isinf(hi):
        return f"{col} {fmt_value(lo, kind)} or above"
    lo_text, hi_text = fmt_pair(lo, hi, kind)
    return f"{col} {lo_text} to {hi_text}"


def profile(
    real: np.ndarray, syn: np.ndarray, bins: Bins, named: list[tuple[int, int]]
) -> list[int]:
    """Bins drawn in the chart: value bins in order without the empty ones; for categories the
    :data:`CHART_LEVELS` largest plus the named ones, the rest as one bar (a negative number:
    how many levels it pools)."""
    present = [b for b in range(len(bins.names)) if real[b] > 0 or syn[b] > 0]
    if bins.ordered or len(present) <= CHART_LEVELS + 1:
        return present
    wanted = {b for a, z in named for b in range(a, z + 1)}
    big = sorted(present, key=lambda b: (-max(real[b], syn[b]), b))[:CHART_LEVELS]
    keep = sorted(set(big) | wanted)
    rest = len(present) - len(keep)
    return keep + ([-rest] if rest else [])


def rest(shares: np.ndarray, keep: list[int]) -> float:
    shown = [b for b in keep if b >= 0]
    return float(shares.sum() - shares[shown].sum())
