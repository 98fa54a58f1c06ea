"""Column-shape states (:mod:`metrics.state_columns`) from one pandas partition of one side.

Values are read exactly as :func:`metrics.encode.encode` reads them (``to_float`` for numbers and
dates, ``normalise_labels`` for categories), so merged states score as the in-memory metric does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
import pandas as pd

from metrics.encode import normalise_labels, to_float
from metrics.schema import ColumnSpec, Kind
from metrics.state_columns import (
    DEFAULT_CAP,
    DEFAULT_K,
    CategoricalState,
    ColumnState,
    numeric_state,
)

CONTINUOUS = (Kind.NUMERICAL, Kind.DATETIME)
DISCRETE = (Kind.CATEGORICAL, Kind.BOOLEAN)


def categorical_state(series: pd.Series, kind: Kind) -> CategoricalState:
    """The state of a categorical or boolean column from one partition."""
    counts = series.value_counts(dropna=True, sort=False)
    state = CategoricalState(kind=kind, nulls=int(len(series) - counts.sum()))
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        # Normalising is a function of the value here: only the distinct values are normalised.
        labels = normalise_labels(pd.Series(counts.index, dtype=dtype), kind)
        for label, count in zip(labels, counts.to_numpy(), strict=True):
            if pd.isna(label):
                state.nulls += int(count)
            else:
                state.labels[str(label)] += int(count)
    else:
        state.numbers = Counter(
            {v: int(c) for v, c in zip(counts.index.tolist(), counts.to_numpy(), strict=True)}
        )
    return state


def column_states(
    frame: pd.DataFrame,
    columns: Iterable[ColumnSpec],
    cap: int = DEFAULT_CAP,
    k: int = DEFAULT_K,
) -> dict[str, ColumnState]:
    """One state per analysed column of ``frame`` (a partition of one side).

    Parameters
    ----------
    frame : pandas.DataFrame
        The partition, with every column named in ``columns``.
    columns : iterable of ColumnSpec
        The schema's columns (``schema.columns``); id and text columns are skipped.
    cap, k : int
        Distinct values per numeric column counted exactly, and the KLL k past that.
    """
    out: dict[str, ColumnState] = {}
    for spec in columns:
        series = frame[spec.name]
        if spec.kind in CONTINUOUS:
            values = to_float(series, spec.kind, spec.datetime_format)
            out[spec.name] = numeric_state(values, cap, k)
        elif spec.kind in DISCRETE:
            out[spec.name] = categorical_state(series, spec.kind)
    return out


def split(frame: pd.DataFrame, sizes: Iterable[int]) -> list[pd.DataFrame]:
    """``frame`` cut into consecutive partitions of the given sizes (the rest in the last)."""
    bounds = np.cumsum([0, *sizes])
    parts = [frame.iloc[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    if bounds[-1] < len(frame):
        parts.append(frame.iloc[bounds[-1] :])
    return parts
