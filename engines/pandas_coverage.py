"""The pandas producer of :mod:`metrics.state_coverage`: one partition (a DataFrame) of one
side into a :class:`~metrics.state_coverage.SideState`, reading values as
:func:`metrics.encode.encode` does."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from metrics.encode import normalise_labels, to_float
from metrics.schema import ColumnSpec, Kind, Schema
from metrics.state_copies import KEYS, CopyState
from metrics.state_coverage import (
    LABEL_KINDS,
    RANGE_KINDS,
    ColumnState,
    OutsideState,
    SideState,
)


def readable_values(series: pd.Series, spec: ColumnSpec) -> np.ndarray:
    """The column as the encoding reads it: float64, NaN where missing, unreadable or infinite."""
    values = to_float(series, spec.kind, spec.datetime_format)
    return np.where(np.isinf(values), np.nan, values)


def label_state(values: pd.Series, counts: np.ndarray, kind: Kind, missing: int) -> ColumnState:
    """A categorical column's state from its distinct non-missing values and their counts
    (shared with other producers, which fetch only the distinct values)."""
    state = ColumnState(missing=missing)
    if pd.api.types.is_float_dtype(values):
        # Whether 1.0 prints as "1" depends on the whole side: decided when scoring.
        state.floats = {float(v): int(n) for v, n in zip(values, counts, strict=True)}
        return state
    texts = normalise_labels(values.reset_index(drop=True), kind).tolist()
    for text, n in zip(texts, counts, strict=True):
        state.labels[str(text)] = state.labels.get(str(text), 0) + int(n)
    return state


def column_state(series: pd.Series, spec: ColumnSpec) -> ColumnState:
    """One column of one partition."""
    missing = int(series.isna().sum())
    if spec.kind in RANGE_KINDS:
        values = readable_values(series, spec)
        unreadable = int(np.count_nonzero(np.isnan(values))) - missing
        lo = float(np.fmin.reduce(values, initial=math.inf))
        hi = float(np.fmax.reduce(values, initial=-math.inf))
        return ColumnState(missing=missing, unreadable=unreadable, lo=lo, hi=hi)
    if spec.kind in LABEL_KINDS:
        counts = series.value_counts(dropna=True, sort=False)
        values = pd.Series(counts.index, dtype=series.dtype if len(counts) else object)
        return label_state(values, counts.to_numpy(), spec.kind, missing)
    return ColumnState(missing=int(series.astype("string").isna().sum()))


def side_state(frame: pd.DataFrame, schema: Schema) -> SideState:
    """The state of one partition of one side (only the schema's columns are read)."""
    return SideState(len(frame), {s.name: column_state(frame[s.name], s) for s in schema.columns})


def outside_state(
    frame: pd.DataFrame, schema: Schema, bounds: dict[str, tuple[float, float]]
) -> OutsideState:
    """Second pass over a synthetic partition: values beyond each column's validity bounds
    (:func:`metrics.state_coverage.validity_bounds`)."""
    out = {}
    for name, (lo, hi) in bounds.items():
        values = readable_values(frame[name], schema.spec(name))
        with np.errstate(invalid="ignore"):
            out[name] = int(np.count_nonzero((values < lo) | (values > hi)))
    return OutsideState(out)


# --- exact copies --------------------------------------------------------------------------

_LANES = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F)  # one per 64-bit lane of the row hash
_HASH_KEYS = ("synthlens-lane-1", "synthlens-lane-2")  # 16 bytes each (pandas' siphash key)
_MISSING_LABEL = np.uint64(0x6D697373696E6721)  # a missing category's cell hash


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser (as :mod:`metrics.near_hashes`), wrapping uint64 arithmetic."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _labels(series: pd.Series, kind: Kind, whole: bool | None) -> pd.Series:
    """Labels as the encoding gives them; a float column's ``1.0`` is ``"1"`` when ``whole``
    says the whole side is whole (None: decide on this partition, right when it is the side)."""
    if pd.api.types.is_float_dtype(series) and whole is False:
        series = series.astype(object)  # str(1.0): "1.0", as for a side with fractions
    return normalise_labels(series, kind)


def _cell_hashes(series: pd.Series, spec: ColumnSpec, whole: bool | None) -> list[np.ndarray]:
    if spec.kind in RANGE_KINDS:
        x = readable_values(series, spec)
        # -0.0 + 0.0 is 0.0, and every NaN becomes numpy's one NaN: equal cells, equal bits.
        bits = np.where(np.isnan(x), np.nan, x + 0.0).view(np.uint64)
        return [_mix(bits ^ np.uint64(lane)) for lane in _LANES]
    texts = _labels(series, spec.kind, whole)
    missing = texts.isna().to_numpy()
    values = texts.fillna("").to_numpy(dtype=object)
    out = []
    for key in _HASH_KEYS:
        h = pd.util.hash_array(values, hash_key=key, categorize=True)
        out.append(np.where(missing, _MISSING_LABEL, h))
    return out


def copy_state(
    frame: pd.DataFrame, schema: Schema, whole: dict[str, bool] | None = None
) -> CopyState:
    """Rows per 128-bit hash of the analysed columns of one partition (see
    :mod:`metrics.state_copies`). ``whole``: :func:`metrics.state_coverage.whole_labels` of the
    merged side, so float-typed categories are labelled as the whole side labels them."""
    whole = whole or {}
    lanes = [np.zeros(len(frame), dtype=np.uint64) for _ in _LANES]
    analysed = [s for s in schema.columns if s.kind in RANGE_KINDS + LABEL_KINDS]
    for j, spec in enumerate(analysed):
        cells = _cell_hashes(frame[spec.name], spec, whole.get(spec.name))
        for lane, (total, cell) in enumerate(zip(lanes, cells, strict=True)):
            # A fixed odd multiplier per column and lane: equal values in two columns differ.
            mult = _mix(np.array([2 * j + 1 + (lane << 32)], dtype=np.uint64))[0] | np.uint64(1)
            total += mult * cell
    keys = pd.DataFrame({"h1": lanes[0], "h2": lanes[1]})
    counts = keys.groupby(KEYS, as_index=False, sort=False).size().rename(columns={"size": "n"})
    return CopyState(counts)
