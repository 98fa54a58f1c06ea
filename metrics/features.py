"""Turn sides of an :class:`~metrics.encode.Encoded` pair into model matrices.

Detection and utility both train scikit-learn models on the encoded pair. They share one way
to build the matrix so that a column means the same thing on every side:

- numerical columns are floats with NaN kept (HistGradientBoosting handles missing values);
- datetime columns are numbers (nanoseconds since the epoch, as ``encode`` stores them);
- categorical and boolean columns are compact integer codes, marked as categorical features,
  NaN where missing. HistGradientBoosting accepts at most ``max_bins`` categories, so only the
  most frequent :data:`MAX_LEVELS` levels keep their own code; the rest share one code for
  "another level seen in the real data" and one for "a level the real data never has", which
  keeps the signal a discriminator most needs;
- id and text columns are left out: their values identify rows rather than describe them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

from metrics.encode import MISSING, Encoded, Side
from metrics.schema import Kind
from metrics.schema_dates import date_text

# Own codes for the most frequent levels; two more codes for the pooled rest (< max_bins=255).
MAX_LEVELS = 252
OTHER_REAL = MAX_LEVELS
OTHER_UNSEEN = MAX_LEVELS + 1


# The models run on one OpenMP thread unless SYNTHLENS_MODEL_THREADS asks for more. Measured on
# the 2-core target machine while other processes were busy: detection on 2 x 50,000 rows took
# 10 s on one thread and 92 s on two (the threads spin waiting for each other); on small data
# the per-tree thread start-up alone costs more than the work.
THREADS_ENV = "SYNTHLENS_MODEL_THREADS"
THREADED_ROWS = 40_000  # below this, one thread even when more are allowed


def model_threads(n_rows: int) -> int:
    """OpenMP thread limit for a model trained on ``n_rows`` rows."""
    try:
        wanted = int(os.environ.get(THREADS_ENV, "1"))
    except ValueError:
        wanted = 1
    return max(1, wanted) if n_rows >= THREADED_ROWS else 1


def feature_columns(enc: Encoded, exclude: Sequence[str] = ()) -> list[str]:
    """Columns a model may use: numerical, datetime, categorical and boolean, in schema order."""
    return [c for c in enc.analysed if c not in set(exclude)]


@dataclass
class FeatureSpace:
    """A fixed column order and category mapping, applied identically to every side.

    Build it with :meth:`build`; then :meth:`matrix` gives the float matrix of any side (or of
    some of its rows) and :meth:`describe` renders a cell for people.
    """

    enc: Encoded
    columns: list[str]
    categorical: np.ndarray  # bool mask over ``columns``
    # column -> lookup table from shared code to compact code (float, so NaN can mean missing)
    lookup: dict[str, np.ndarray]

    @classmethod
    def build(cls, enc: Encoded, columns: Sequence[str]) -> FeatureSpace:
        """Fix the columns and the compact category codes from the frequencies of all sides."""
        cols = list(columns)
        mask = np.array(
            [enc.schema.kind_of(c) in (Kind.CATEGORICAL, Kind.BOOLEAN) for c in cols], dtype=bool
        )
        lookup: dict[str, np.ndarray] = {}
        for col, is_cat in zip(cols, mask, strict=True):
            if is_cat:
                lookup[col] = _compact_lookup(enc, col)
        return cls(enc=enc, columns=cols, categorical=mask, lookup=lookup)

    def matrix(self, side: Side, rows: np.ndarray | None = None) -> np.ndarray:
        """The ``(n_rows, n_columns)`` float64 matrix of ``side`` (only ``rows`` when given)."""
        n = side.n_rows if rows is None else len(rows)
        out = np.empty((n, len(self.columns)), dtype=np.float64)
        for j, col in enumerate(self.columns):
            if self.categorical[j]:
                codes = side.codes[col] if rows is None else side.codes[col][rows]
                # MISSING is -1, so shifting by one indexes the NaN slot at the front.
                out[:, j] = self.lookup[col][codes.astype(np.int64) + 1]
            else:
                values = side.numeric[col]
                out[:, j] = values if rows is None else values[rows]
        return out

    def varying(self, *matrices: np.ndarray) -> np.ndarray:
        """Mask of columns that take more than one value (NaN counts as a value) over matrices."""
        stacked = np.vstack(matrices) if len(matrices) > 1 else matrices[0]
        keep = np.zeros(stacked.shape[1], dtype=bool)
        for j in range(stacked.shape[1]):
            col = stacked[:, j]
            nan = np.isnan(col)
            finite = col[~nan]
            if finite.size and nan.any():
                keep[j] = True
            elif finite.size:
                keep[j] = bool(finite.min() != finite.max())
        return keep

    def describe(self, side: Side, row: int, column: str) -> str:
        """The value of one cell as a person would read it (category label, date, number)."""
        kind = self.enc.schema.kind_of(column)
        if kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
            code = int(side.codes[column][row])
            return "missing" if code == MISSING else self.enc.categories[column][code]
        value = float(side.numeric[column][row])
        if np.isnan(value):
            return "missing"
        if kind is Kind.DATETIME:
            return date_text(value)
        return f"{value:.6g}"


def _compact_lookup(enc: Encoded, col: str) -> np.ndarray:
    """Lookup from shared code (+1) to a compact code below ``max_bins``; slot 0 is missing."""
    n_levels = len(enc.categories[col])
    counts = np.zeros(n_levels, dtype=np.int64)
    for _, side in enc.sides():
        codes = side.codes[col]
        counts += np.bincount(codes[codes != MISSING], minlength=n_levels)[:n_levels]
    table = np.full(n_levels + 1, np.nan)
    if n_levels <= MAX_LEVELS + 2:
        table[1:] = np.arange(n_levels)
        return table
    # Stable sort so ties keep the shared order (real levels first): deterministic codes.
    order = np.argsort(-counts, kind="stable")
    compact = np.empty(n_levels, dtype=np.float64)
    compact[order[:MAX_LEVELS]] = np.arange(MAX_LEVELS)
    rest = order[MAX_LEVELS:]
    seen = rest < enc.n_real_levels[col]
    compact[rest[seen]] = OTHER_REAL
    compact[rest[~seen]] = OTHER_UNSEEN
    table[1:] = compact
    return table


def auc_score(y: np.ndarray, proba: np.ndarray) -> float:
    """ROC AUC of 0/1 labels (Mann-Whitney, ties averaged); NaN when a class is absent.

    Same value as ``sklearn.metrics.roc_auc_score`` without its per-call validation, which
    dominates when permutation importances call it once per column.
    """
    y = np.asarray(y)
    n_pos = int(np.count_nonzero(y))
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(proba)
    return float((ranks[y != 0].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


SCREEN_BLOCKS = 48  # column blocks shuffled together first when there are more columns
CELLS_PER_CALL = 4_000_000  # cells per stacked prediction call (32 MB of float64)


def permutation_drops(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    score: Callable[[np.ndarray, np.ndarray], float],
    rng: np.random.Generator,
    max_rows: int = 2000,
) -> np.ndarray:
    """How much ``score`` falls when each column of ``X`` is shuffled (one repeat per column).

    ``predict`` maps a matrix to predictions and ``score(y, predictions)`` is higher-is-better.
    The shuffled copies are stacked and predicted together: one call per model instead of one
    per column, which is what costs on small data. At most ``max_rows`` rows are used.

    With more than :data:`SCREEN_BLOCKS` columns, blocks of columns are shuffled together
    first: a block whose shuffle leaves every prediction exactly as it was holds only columns
    the model never uses (a tree model on a wide table ignores most), whose drop is exactly 0;
    only the columns of the other blocks are shuffled one by one.
    """
    if len(y) > max_rows:
        idx = np.sort(rng.choice(len(y), size=max_rows, replace=False))
        X, y = X[idx], y[idx]
    m, p = X.shape
    plain = predict(X)
    base = score(y, plain)
    drops = np.zeros(p)
    candidates: list[int] = list(range(p))
    if p > SCREEN_BLOCKS:
        blocks = [b.tolist() for b in np.array_split(np.arange(p), SCREEN_BLOCKS)]
        moved = _shuffled_predictions(predict, X, blocks, rng)
        candidates = [j for b, out in zip(blocks, moved, strict=True)
                      if not np.array_equal(out, plain) for j in b]  # fmt: skip
    singles = _shuffled_predictions(predict, X, [[j] for j in candidates], rng)
    for j, out in zip(candidates, singles, strict=True):
        drops[j] = base - score(y, out)
    return drops


def _shuffled_predictions(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    groups: list[list[int]],
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """Predictions of ``X`` with each group's columns shuffled (each column on its own), one
    group at a time, stacked into calls of about CELLS_PER_CALL cells."""
    m, p = X.shape
    per_call = max(1, int(CELLS_PER_CALL // max(1, m * p)))
    outs: list[np.ndarray] = []
    for start in range(0, len(groups), per_call):
        chunk = groups[start : start + per_call]
        stacked = np.tile(X, (len(chunk), 1))
        for k, cols in enumerate(chunk):
            for j in cols:
                stacked[k * m : (k + 1) * m, j] = X[rng.permutation(m), j]
        out = predict(stacked)
        outs.extend(out[k * m : (k + 1) * m] for k in range(len(chunk)))
    return outs
