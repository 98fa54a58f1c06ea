"""Mergeable per-column states for column shapes (issue 16): KS and TV complements from counts.

A producer (``engines.pandas_columns``, ``engines.duckdb_columns``, later Spark) turns one
partition of one side into a state per column; states of the same column and side merge with
:func:`merge` (associative and commutative); the scores come from the merged real and synthetic
states and equal :mod:`metrics.marginal`'s to 1e-9, sdmetrics' definitions included: missing
values are dropped, numbers are rounded to ``MAX_DECIMALS`` before KS, and TVComplement's
pseudo-count for synthetic-only categories is kept.

Numerical and datetime columns hold a count per distinct (rounded) value while there are at
most ``cap`` of them; past that the state holds a KLL quantile sketch (Apache DataSketches)
instead, and the KS score comes with an error bound (:func:`ks_complement_from`). Whether a
merged state is exact does not depend on the merge order: the distinct values of a union only
grow, so it is exact exactly when the whole column has at most ``cap`` distinct values.

Categorical labels are normalised as :func:`metrics.encode.normalise_labels` does. That function
depends on the partition's dtype in one case: a float column whose values are all whole reads
``1``, else ``1.0``. So numbers (int or float dtypes) are kept as numbers and turned into labels
only when scoring, from the whole merged side, as the in-memory encoding does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from datasketches import kll_doubles_sketch

from metrics.encode import normalise_labels
from metrics.marginal_stats import MAX_DECIMALS, as_scipy, tv_from_counts
from metrics.schema import Kind

DEFAULT_CAP = 100_000  # distinct values per numeric column counted exactly; a sketch past that
DEFAULT_K = 200  # KLL's k: about 1.3% single-sided normalised rank error (99% confidence)
CDF_GRID = 100_000  # ranks at which a sketch's CDF is read when it meets another one


@dataclass
class NumericState:
    """One side's state of a numerical or datetime column (datetimes as ns since the epoch).

    ``values`` (sorted, rounded to ``MAX_DECIMALS``) and ``counts`` hold the exact distribution
    while ``sketch`` is None; once sketched they are empty and ``sketch`` holds every value.
    ``n`` counts non-missing values, ``nulls`` missing (or unreadable, or infinite) ones.
    """

    n: int = 0
    nulls: int = 0
    min: float = float("nan")
    max: float = float("nan")
    values: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float64))
    counts: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    sketch: kll_doubles_sketch | None = None
    cap: int = DEFAULT_CAP
    k: int = DEFAULT_K

    @property
    def exact(self) -> bool:
        return self.sketch is None


@dataclass
class CategoricalState:
    """One side's state of a categorical or boolean column.

    ``labels`` counts values that were text (already normalised); ``numbers`` counts values of
    int or float partitions by value (labelled at scoring time, see the module docstring).
    """

    kind: Kind = Kind.CATEGORICAL
    nulls: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    numbers: Counter[float] = field(default_factory=Counter)

    def label_counts(self) -> dict[str, int]:
        """Count per normalised label, numbers labelled as the in-memory encoding labels them."""
        out: Counter[str] = Counter(self.labels)
        if self.numbers:
            keys = list(self.numbers)
            if all(float(v).is_integer() for v in keys):
                names = [str(int(v)) for v in keys]
                if self.kind is Kind.BOOLEAN:
                    names = list(normalise_labels(pd.Series(names, dtype=object), self.kind))
            else:
                floats = pd.Series(np.array(keys, dtype=np.float64))
                names = [str(v) for v in normalise_labels(floats, self.kind)]
            for name, key in zip(names, keys, strict=True):
                out[name] += self.numbers[key]
        return dict(out)


ColumnState = NumericState | CategoricalState


@dataclass(frozen=True)
class KSResult:
    """A KS complement with its error bound (0.0 when computed exactly from counts)."""

    score: float
    statistic: float
    bound: float
    exact: bool


def _sketch_of(values: np.ndarray, counts: np.ndarray, k: int) -> kll_doubles_sketch:
    sk = kll_doubles_sketch(k)
    if len(values):
        sk.update(np.repeat(values, counts).astype(np.float64))
    return sk


def _copy(sk: kll_doubles_sketch) -> kll_doubles_sketch:
    # kll merge mutates its receiver; states must stay untouched by merging.
    return kll_doubles_sketch.deserialize(sk.serialize())


def numeric_state_from_counts(
    values: np.ndarray,
    counts: np.ndarray,
    nulls: int,
    cap: int = DEFAULT_CAP,
    k: int = DEFAULT_K,
) -> NumericState:
    """A numeric state from raw (unrounded) distinct values and their counts.

    Parameters
    ----------
    values, counts : numpy.ndarray
        Non-missing finite values (any order, duplicates allowed) and how often each occurs.
    nulls : int
        Missing, unreadable or infinite values.
    cap, k : int
        Most distinct values counted exactly, and the sketch's k past that.
    """
    values = np.round(np.asarray(values, dtype=np.float64), MAX_DECIMALS)
    counts = np.asarray(counts, dtype=np.int64)
    uniq, inverse = np.unique(values, return_inverse=True)
    summed = np.bincount(inverse, weights=counts, minlength=len(uniq)).astype(np.int64)
    keep = summed > 0
    uniq, summed = uniq[keep], summed[keep]
    state = NumericState(n=int(summed.sum()), nulls=int(nulls), cap=cap, k=k)
    if len(uniq):
        state.min, state.max = float(uniq[0]), float(uniq[-1])
    if len(uniq) > cap:
        state.sketch = _sketch_of(uniq, summed, k)
    else:
        state.values, state.counts = uniq, summed
    return state


def numeric_state(values: np.ndarray, cap: int = DEFAULT_CAP, k: int = DEFAULT_K) -> NumericState:
    """A numeric state from a float array of one partition (NaN or inf = missing)."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    uniq, counts = np.unique(values[finite], return_counts=True)
    return numeric_state_from_counts(uniq, counts, int((~finite).sum()), cap, k)


def _merge_numeric(a: NumericState, b: NumericState) -> NumericState:
    cap, k = min(a.cap, b.cap), max(a.k, b.k)
    out = NumericState(n=a.n + b.n, nulls=a.nulls + b.nulls, cap=cap, k=k)
    out.min = float(np.fmin(a.min, b.min))
    out.max = float(np.fmax(a.max, b.max))
    if a.exact and b.exact:
        values = np.concatenate([a.values, b.values])
        uniq, inverse = np.unique(values, return_inverse=True)
        counts = np.bincount(inverse, weights=np.concatenate([a.counts, b.counts]))
        summed = counts.astype(np.int64)
        if len(uniq) <= cap:
            out.values, out.counts = uniq, summed
            return out
        out.sketch = _sketch_of(uniq, summed, k)
        return out
    sketch = kll_doubles_sketch(k)
    for part in (a, b):
        sketch.merge(
            part.sketch if part.sketch is not None else _sketch_of(part.values, part.counts, k)
        )
    out.sketch = sketch
    return out


def _merge_categorical(a: CategoricalState, b: CategoricalState) -> CategoricalState:
    if a.kind is not b.kind:
        raise ValueError(f"cannot merge {a.kind} and {b.kind} states")
    return CategoricalState(
        kind=a.kind,
        nulls=a.nulls + b.nulls,
        labels=a.labels + b.labels,
        numbers=a.numbers + b.numbers,
    )


def merge(a: ColumnState, b: ColumnState) -> ColumnState:
    """Merge two states of the same column and side (neither is modified).

    Exact states merge exactly, so the result does not depend on the order. Sketched states
    merge as KLL sketches, whose result may differ from one order to another by no more than
    the sketch's stated rank error.
    """
    if isinstance(a, NumericState) and isinstance(b, NumericState):
        return _merge_numeric(a, b)
    if isinstance(a, CategoricalState) and isinstance(b, CategoricalState):
        return _merge_categorical(a, b)
    raise TypeError(f"cannot merge {type(a).__name__} with {type(b).__name__}")


def merge_all(states: list[dict[str, ColumnState]]) -> dict[str, ColumnState]:
    """Merge the per-column states of several partitions of one side, column by column."""
    if not states:
        return {}
    out = dict(states[0])
    for part in states[1:]:
        for col, state in part.items():
            out[col] = merge(out[col], state) if col in out else state
    return out


def _rank_error(state: NumericState) -> float:
    if state.sketch is None:
        return 0.0
    return kll_doubles_sketch.get_normalized_rank_error(state.sketch.k, False) + 1.0 / CDF_GRID


def _points(state: NumericState) -> np.ndarray:
    if state.sketch is None:
        return state.values
    ranks = np.linspace(0.0, 1.0, CDF_GRID + 1)
    return np.asarray(state.sketch.get_quantiles(ranks.tolist()), dtype=np.float64)


def _cdf(state: NumericState, points: np.ndarray) -> np.ndarray:
    if state.sketch is None:
        below = np.searchsorted(state.values, points, side="right")
        return np.concatenate([[0], np.cumsum(state.counts)])[below] / state.n
    return np.asarray(state.sketch.get_cdf(points.tolist(), True)[:-1], dtype=np.float64)


def ks_complement_from(real: NumericState, synthetic: NumericState) -> KSResult:
    """sdmetrics' KSComplement of a merged real and synthetic state.

    Exact states give ``metrics.marginal_stats.ks_complement`` of the rows they came from (to
    the last bit: the same CDF differences at the same points, snapped as scipy's exact mode
    snaps them) with ``bound`` 0.0.

    When a side is sketched, ``statistic`` is the largest gap between the two estimated CDFs
    (a sketch's CDF read at ``CDF_GRID + 1`` of its quantiles, an exact side's at each of its
    values) and ``bound`` is the sum over the sketched sides of the KLL normalised rank error
    for k (``get_normalized_rank_error(k, False)``) plus ``1 / CDF_GRID`` for reading the
    sketch's CDF on a grid. What the bound means: DataSketches fits that rank error to the 99th
    percentile of a sketch's largest rank error over all queries in a trial, so with probability
    at least 99% per sketched side (98% when both are) every estimated CDF value is within it of
    the true one, and then ``|statistic - exact statistic| <= bound`` and the score is within
    ``bound`` of the exact score. It is not a hard guarantee.
    Score and statistic are NaN when a side has no values.
    """
    if real.n == 0 or synthetic.n == 0:
        return KSResult(float("nan"), float("nan"), 0.0, real.exact and synthetic.exact)
    points = np.unique(np.concatenate([_points(real), _points(synthetic)]))
    d = _cdf(real, points) - _cdf(synthetic, points)
    stat = float(max(np.clip(-d.min(), 0, 1), d.max()))
    if real.exact and synthetic.exact:
        stat = as_scipy(stat, real.n, synthetic.n)
        return KSResult(1.0 - stat, stat, 0.0, True)
    bound = _rank_error(real) + _rank_error(synthetic)
    return KSResult(1.0 - stat, stat, bound, False)


def tv_complement_from(real: CategoricalState, synthetic: CategoricalState) -> float:
    """sdmetrics' TVComplement of a merged real and synthetic state, exact from the counts.

    Raises ``ValueError`` when a side has no values, as ``metrics.marginal_stats`` does.
    """
    rc, sc = real.label_counts(), synthetic.label_counts()
    # Sorted labels: the sum's order, and so its last bit, does not depend on partitions.
    levels = sorted(set(rc) | set(sc))
    cr = np.array([rc.get(v, 0) for v in levels], dtype=np.int64)
    cs = np.array([sc.get(v, 0) for v in levels], dtype=np.int64)
    return tv_from_counts(cr, cs)
