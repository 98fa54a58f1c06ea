"""One shared encoding of a real/synthetic (and optional holdout) pair.

Every metric reads an :class:`Encoded`; nothing re-parses the frames. Categories get codes
shared by all sides (real levels first, so ``code < n_real_levels`` means "seen in the real
data"), continuous columns get bins computed on the real data and applied to every side, and
numbers and dates become float arrays once.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from metrics._memory import retain_freed_memory
from metrics.schema import ColumnSpec, Kind, Schema, missing_columns_message

T = TypeVar("T")
R = TypeVar("R")
WORKERS = max(1, min(2, os.cpu_count() or 1))  # threads for per-column work
NUM_BINS = 10
MISSING = -1  # code of a missing value in ``codes``

_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}
_NS_PER = {"D": 86_400e9, "h": 3_600e9, "m": 60e9, "s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1.0}


class MissingColumnsError(ValueError):
    """A side lacks columns the schema compares; the message names them."""


@dataclass
class Side:
    """The encoded arrays of one side (real, synthetic or holdout). Row order is the file's."""

    n_rows: int
    # numerical and datetime columns: float64, NaN where missing or unparseable.
    # Datetimes are nanoseconds since the epoch.
    numeric: dict[str, np.ndarray] = field(default_factory=dict)
    # categorical and boolean columns: int32 codes into Encoded.categories[col], MISSING (-1)
    # where missing.
    codes: dict[str, np.ndarray] = field(default_factory=dict)
    # numerical and datetime columns discretised with the real data's bins: int8 in
    # 1..NUM_BINS, NUM_BINS + 1 for missing (np.digitize's convention, as sdmetrics has it).
    binned: dict[str, np.ndarray] = field(default_factory=dict)
    # id and text columns as strings (None where missing).
    strings: dict[str, np.ndarray] = field(default_factory=dict)
    # Non-missing values that could not be read as the column's kind, per column.
    unparsed: dict[str, int] = field(default_factory=dict)
    # 0-based rows of those unreadable values, per numerical/datetime column (row flags name them).
    unparsed_rows: dict[str, np.ndarray] = field(default_factory=dict)

    def take(self, rows: np.ndarray) -> Side:
        """The side on ``rows`` (a sample or a split), every column's arrays indexed alike.
        Unreadable-value counts and rows are not carried: they describe the whole file."""
        return Side(
            n_rows=len(rows),
            numeric={c: v[rows] for c, v in self.numeric.items()},
            codes={c: v[rows] for c, v in self.codes.items()},
            binned={c: v[rows] for c, v in self.binned.items()},
            strings={c: v[rows] for c, v in self.strings.items()},
        )


@dataclass
class Encoded:
    """The pair as metrics need it."""

    schema: Schema
    real: Side
    synthetic: Side
    holdout: Side | None
    categories: dict[str, list[str]]
    n_real_levels: dict[str, int]
    bins: dict[str, np.ndarray]

    @property
    def continuous(self) -> list[str]:
        """Numerical and datetime columns, in schema order."""
        return self.schema.names(Kind.NUMERICAL, Kind.DATETIME)

    @property
    def discrete(self) -> list[str]:
        """Categorical and boolean columns, in schema order."""
        return self.schema.names(Kind.CATEGORICAL, Kind.BOOLEAN)

    @property
    def analysed(self) -> list[str]:
        """Columns that distribution metrics look at (everything but id and text)."""
        return self.schema.names(Kind.NUMERICAL, Kind.DATETIME, Kind.CATEGORICAL, Kind.BOOLEAN)

    def sides(self) -> list[tuple[str, Side]]:
        out = [("real", self.real), ("synthetic", self.synthetic)]
        if self.holdout is not None:
            out.append(("holdout", self.holdout))
        return out


def to_datetime_utc(series: pd.Series, datetime_format: str | None = None) -> pd.Series:
    """Dates and times as naive UTC ``datetime64``, NaT where missing or unreadable.

    Values with a UTC offset or a time zone (``2021-03-01T10:00:00+02:00``, a Parquet
    timestamp with a zone) are converted to UTC, so one column may mix offsets and the two
    sides may use different zones. Values without one are taken as UTC already: a column
    mixing both, or a naive side against an aware one, compares on that assumption.
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        parsed = series
    else:
        parsed = pd.to_datetime(series, format=datetime_format, errors="coerce", utc=True)
        if datetime_format is not None and parsed.isna().sum() > series.isna().sum():
            # The declared format may not fit every value; let pandas try the rest.
            rest = pd.to_datetime(series, format="mixed", errors="coerce", utc=True)
            parsed = parsed.where(parsed.notna(), rest)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed


def to_float(series: pd.Series, kind: Kind, datetime_format: str | None = None) -> np.ndarray:
    """Numbers (or datetimes as ns since the epoch) as float64, NaN where missing or unreadable."""
    if kind is Kind.DATETIME:
        # In the column's own unit: a Parquet timestamp in microseconds may lie outside the
        # nanosecond range (year 2262), where converting to ns first would wrap around.
        stamps = to_datetime_utc(series, datetime_format).to_numpy()
        unit, count = np.datetime_data(stamps.dtype)
        values = stamps.view("int64").astype("float64") * (_NS_PER[unit] * count)
        values[np.isnat(stamps)] = np.nan
        return values
    if pd.api.types.is_bool_dtype(series):
        return series.astype("float64").to_numpy()
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def normalise_labels(series: pd.Series, kind: Kind) -> pd.Series:
    """Category labels as strings that compare equal across file formats.

    ``1`` read from Parquet and ``1.0`` read from CSV both become ``"1"``; booleans written as
    ``True``/``yes``/``1`` become ``"True"``.
    """
    s = series
    if pd.api.types.is_float_dtype(s):
        whole = s.dropna()
        if len(whole) and np.all(np.mod(whole.to_numpy(), 1) == 0):
            s = s.astype("Int64")
    out = s.astype("string")
    if kind is Kind.BOOLEAN:
        low = out.str.strip().str.lower()
        out = out.mask(low.isin(_TRUE), "True").mask(low.isin(_FALSE), "False")
    return out


def factorize(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(series)`` (codes, distinct values; -1 = missing), fast on text columns.

    Hashing a million Python strings takes ~60 ms per column. Text read from CSV or Parquet
    holds one ``str`` object per distinct value, shared by every cell that has it, so the
    cells are first factorised by object address (a plain integer hash, ~10 ms) and only the
    few distinct objects are then hashed by value. Columns with many distinct objects fall
    back to ``pd.factorize``.
    """
    values = series.to_numpy()
    n = len(values)
    if values.dtype != object or n < 50_000:
        return pd.factorize(series, use_na_sentinel=True)
    values = np.ascontiguousarray(values)
    # The object array's buffer is its cells' addresses; read it as integers (no copy).
    addresses = np.ctypeslib.as_array((ctypes.c_size_t * n).from_address(values.ctypes.data))
    by_address, distinct = pd.factorize(addresses)
    if len(distinct) > n // 10:
        return pd.factorize(series, use_na_sentinel=True)
    one_cell = np.empty(len(distinct), dtype=np.intp)
    one_cell[by_address] = np.arange(n)  # any cell of each address: they hold the same object
    codes, uniques = pd.factorize(values[one_cell], use_na_sentinel=True)
    return codes[by_address], uniques


def _shared_codes(
    columns: dict[str, pd.Series], kind: Kind
) -> tuple[list[str], int, dict[str, np.ndarray]]:
    """Levels shared by every side (real levels first), how many are real, and each side's codes.

    Each side is factorised once and only its distinct values are normalised: normalising a
    million labels costs seconds, normalising a few thousand costs nothing, and the result is
    the same because normalisation is a function of the value.
    """
    raw: dict[str, tuple[np.ndarray, list]] = {}
    for name, series in columns.items():
        raw_codes, uniques = factorize(series)
        labels = normalise_labels(pd.Series(uniques), kind)
        raw[name] = (raw_codes, [None if pd.isna(v) else str(v) for v in labels])
    real_levels = list(dict.fromkeys(v for v in raw["real"][1] if v is not None))
    levels = list(
        dict.fromkeys(
            real_levels + [v for _, labels in raw.values() for v in labels if v is not None]
        )
    )
    index = pd.Index(levels, dtype=object)
    out: dict[str, np.ndarray] = {}
    for name, (raw_codes, labels) in raw.items():
        # The last slot of the lookup is MISSING, so factorize's -1 (missing) maps onto it.
        lut = np.append(index.get_indexer(pd.Index(labels, dtype=object)), MISSING).astype(np.int32)
        lut[:-1][[v is None for v in labels]] = MISSING
        out[name] = lut[raw_codes]
    return levels, len(real_levels), out


def parallel_map(fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    """``map(fn, items)`` on up to :data:`WORKERS` threads; results come in order.

    numpy's sorts, searches and ufuncs release the GIL, so two threads use two cores.
    Iterate in the calling thread: progress callbacks (Streamlit's) must not run in workers.
    """
    items = list(items)
    if WORKERS == 1 or len(items) < 2:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(WORKERS) as pool:
        yield from pool.map(fn, items)


def digitize(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``np.digitize(values, edges)`` as int8, for a short increasing ``edges`` (< 127).

    Counting the edges each value reaches, one vectorised comparison per edge, is about
    twice as fast as the binary search np.digitize does per value. NaN gets
    ``len(edges)``, as np.digitize gives it.
    """
    reached = np.zeros(len(values), dtype=np.uint8)
    above = np.empty(len(values), dtype=bool)
    for edge in edges:
        np.greater_equal(values, edge, out=above)
        reached += above.view(np.uint8)
    out = reached.view(np.int8)
    out[np.isnan(values)] = len(edges)
    return out


def histogram_edges(lo: float, hi: float, bins: int = NUM_BINS, strict: bool = True) -> np.ndarray:
    """``np.histogram_bin_edges(a, bins)`` from ``a``'s minimum and maximum (no copy of ``a``).

    Like numpy, raises ``ValueError`` when the range is too narrow for distinct edges
    (unless ``strict`` is False: the edges are then returned as they are).
    """
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1, endpoint=True)
    if strict and np.any(edges[:-1] >= edges[1:]):
        raise ValueError(f"Too many bins for data range. Cannot create {bins} finite-sized bins.")
    return edges


def _bins(real: np.ndarray) -> np.ndarray:
    finite = np.isfinite(real)
    if finite.any():
        lo = float(np.min(real, where=finite, initial=np.inf))
        hi = float(np.max(real, where=finite, initial=-np.inf))
    else:
        lo = hi = 0.0
    # A range too narrow for ten distinct edges still bins: values land in the last bin
    # they reach.
    edges = histogram_edges(lo, hi, strict=False)
    edges[0], edges[-1] = -np.inf, np.inf
    return edges


def _encode_column(work: tuple[ColumnSpec, dict[str, pd.Series]]) -> dict[str, Any]:
    """Encode one column on every side (runs on a worker thread; touches no shared state)."""
    spec, columns = work
    kind = spec.kind
    if kind in (Kind.NUMERICAL, Kind.DATETIME):
        numeric = {}
        for name, series in columns.items():
            values = to_float(series, kind, spec.datetime_format)
            # Infinities are not values a distribution can be compared on: unreadable, so
            # they are reported (and no metric meets inf - inf).
            infinite = np.isinf(values)
            if infinite.any():  # a new array: ``values`` may be a view of the caller's frame
                values = np.where(infinite, np.nan, values)
            bad = np.flatnonzero(np.isnan(values) & series.notna().to_numpy())
            numeric[name] = (values, bad)
        edges = _bins(numeric["real"][0])
        return {
            "bins": edges,
            "sides": {n: (v, digitize(v, edges), bad) for n, (v, bad) in numeric.items()},
        }
    if kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
        levels, n_real, side_codes = _shared_codes(columns, kind)
        return {"levels": levels, "n_real": n_real, "sides": side_codes}
    return {
        "sides": {
            name: series.astype("string").to_numpy(dtype=object, na_value=None)
            for name, series in columns.items()
        }
    }


def _encode_all(work: list[tuple[ColumnSpec, dict[str, pd.Series]]]) -> list[dict[str, Any]]:
    """``_encode_column`` of each item on two threads, results in the order given."""
    # Dates written as text take longest (parsing): start them first, so that no long job is
    # left running alone on one core at the end.
    order = sorted(range(len(work)), key=lambda i: work[i][0].kind is not Kind.DATETIME)
    parts: list[dict[str, Any]] = [{} for _ in work]
    for i, part in zip(order, parallel_map(_encode_column, [work[i] for i in order]), strict=True):
        parts[i] = part
    return parts


def _check_columns(frames: dict[str, pd.DataFrame], schema: Schema) -> None:
    for role, df in frames.items():
        missing = schema.missing_from(df.columns)
        if missing:
            raise MissingColumnsError(missing_columns_message(role, f"{role} data", missing))


def encode(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    schema: Schema,
    holdout: pd.DataFrame | None = None,
) -> Encoded:
    """Encode the pair once for every metric.

    Only the schema's columns are read; the frames may have others (reported by
    ``schema.compare``). Row order and count are kept, so row ``i`` of every array is row ``i``
    of its file.

    Raises
    ------
    MissingColumnsError
        When a frame (usually the holdout) lacks some of the schema's columns; the message
        names them. Check with ``schema.missing_from(frame.columns)`` first to say which file.
    """
    retain_freed_memory()  # for frames that did not come through read_table
    frames = {"real": real, "synthetic": synthetic}
    if holdout is not None:
        frames["holdout"] = holdout
    _check_columns(frames, schema)
    sides = {name: Side(n_rows=len(df)) for name, df in frames.items()}
    categories: dict[str, list[str]] = {}
    n_real_levels: dict[str, int] = {}
    bins: dict[str, np.ndarray] = {}

    # Columns are taken out in this thread; the work on them runs on two threads.
    work = [(spec, {name: df[spec.name] for name, df in frames.items()}) for spec in schema.columns]
    for spec, part in zip(schema.columns, _encode_all(work), strict=True):
        col, kind = spec.name, spec.kind
        if kind in (Kind.NUMERICAL, Kind.DATETIME):
            bins[col] = part["bins"]
            for name, (values, binned, bad) in part["sides"].items():
                sides[name].numeric[col] = values
                sides[name].binned[col] = binned
                sides[name].unparsed[col] = len(bad)
                sides[name].unparsed_rows[col] = bad
        elif kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
            categories[col] = part["levels"]
            n_real_levels[col] = part["n_real"]
            for name, codes in part["sides"].items():
                sides[name].codes[col] = codes
                sides[name].unparsed[col] = 0
        else:
            for name, strings in part["sides"].items():
                sides[name].strings[col] = strings
                sides[name].unparsed[col] = 0

    return Encoded(
        schema=schema,
        real=sides["real"],
        synthetic=sides["synthetic"],
        holdout=sides.get("holdout"),
        categories=categories,
        n_real_levels=n_real_levels,
        bins=bins,
    )
