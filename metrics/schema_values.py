"""Reading a column's values for :mod:`metrics.schema_infer`: counting them, reading them as
numbers, booleans or dates, finding the unreadable ones, and the few facts (constant, unique,
code-like) that only the values can tell.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from metrics.schema import Kind
from metrics.schema_dates import reads_as_dates

TRUE_WORDS = {"true", "t", "yes", "y", "1", "1.0"}
FALSE_WORDS = {"false", "f", "no", "n", "0", "0.0"}
MISSING_WORDS = {"", "nan", "none", "null", "na", "n/a", "nat", "<na>"}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_LEADING_ZERO = re.compile(r"^0\d+$")
_WHOLE = re.compile(r"^\s*[+-]?\d+\s*$")
_INT64_MAX = float(np.iinfo(np.int64).max)


def native(s: pd.Series) -> bool:
    """True for dtypes whose values need no parsing: numbers, booleans and datetimes."""
    return pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s)


def count_values(s: pd.Series) -> pd.Series:
    """How often each non-missing value occurs, most frequent first.

    Values of other dtypes than numbers, booleans and datetimes become stripped strings, and
    blanks and spelled-out missing markers (``"nan"``, ``"NULL"``) count as missing.
    """
    if native(s):
        return s.value_counts()
    try:
        vc = s.value_counts()  # distinct values first: only those are turned into strings
    except TypeError:  # unhashable cells (lists, dicts from JSON)
        vc = s.dropna().astype(str).value_counts()
    vc = vc[vc > 0]  # a category dtype lists its unused categories too
    keys = vc.index.astype(str).str.strip()
    keep = ~keys.str.lower().isin(MISSING_WORDS)
    out = pd.Series(vc.to_numpy()[keep], index=keys[keep])
    if not out.index.is_unique:  # 1 and "1", or "a" and "a " are one value
        out = out.groupby(level=0, sort=False).sum().sort_values(ascending=False, kind="stable")
    return out


def to_number(values: pd.Index) -> np.ndarray:
    """Strings as floats, NaN where unreadable; ``1,234.5`` reads as 1234.5."""
    out = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
    grouped = np.isnan(out) & np.asarray(values.str.match(_THOUSANDS), dtype=bool)
    if grouped.any():
        out[grouped] = pd.to_numeric(values[grouped].str.replace(",", "")).to_numpy(float)
    return out


def to_numbers(series: pd.Series) -> pd.Series:
    """Numbers as float64, also from strings with ``,`` thousands separators; NaN if unreadable.

    Parameters
    ----------
    series:
        A column of any dtype.

    Returns
    -------
    pandas.Series
        Same index, float64.
    """
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return series.astype("float64")
    text = series.astype("string").str.strip()
    return pd.Series(to_number(pd.Index(text.fillna(""))), index=series.index)


def reads_as(vc: pd.Series, kind: Kind, fmt: str | None) -> np.ndarray:
    """Which counted values can be read as ``kind`` (True for kinds that read anything)."""
    values = vc.index.astype(str)
    if kind is Kind.NUMERICAL:
        return ~np.isnan(to_number(values))
    if kind is Kind.BOOLEAN:
        return values.str.lower().isin(TRUE_WORDS | FALSE_WORDS)
    if kind is Kind.DATETIME:
        return reads_as_dates(values, fmt)
    return np.ones(len(values), dtype=bool)


def unreadable(s: pd.Series, kind: Kind, fmt: str | None, vc=None) -> tuple[int, int, list]:
    """(non-missing values, values that do not read as ``kind``, up to 3 examples).

    ``vc`` is ``count_values(s)`` when the caller has it already.
    """
    native = {
        Kind.NUMERICAL: pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s),
        Kind.DATETIME: pd.api.types.is_datetime64_any_dtype(s),
        Kind.BOOLEAN: pd.api.types.is_bool_dtype(s),
    }.get(kind, True)
    if native:
        return int(s.notna().sum()), 0, []
    vc = count_values(s) if vc is None else vc
    bad = vc[~reads_as(vc, kind, fmt)]
    return int(vc.sum()), int(bad.sum()), [str(v)[:40] for v in bad.index[:3]]


def fmt_values(values: np.ndarray, limit: int = 4) -> str:
    shown = [f"{v:g}" for v in values[:limit]]
    return ", ".join(shown) + (", ..." if len(values) > limit else "")


def unique_full(full: pd.Series) -> bool:
    try:
        return bool(full.notna().all() and full.is_unique)
    except TypeError:  # unhashable cells
        return bool(full.notna().all() and full.astype(str).is_unique)


def nunique(full: pd.Series) -> int:
    try:
        return int(full.nunique(dropna=True))
    except TypeError:
        return int(full.dropna().astype(str).nunique())


def code_like(values: pd.Index, numbers: np.ndarray, readable: np.ndarray) -> str:
    """What makes numeric strings codes (leading zeros, too many digits), or ``""``."""
    zeros = readable & np.asarray(values.str.match(_LEADING_ZERO), dtype=bool)
    if zeros.any():
        return f"numbers written with leading zeros (e.g. '{values[zeros][0]}')"
    # Whole numbers beyond int64 (26-digit account numbers) would round to a few equal floats.
    big = readable & (np.abs(np.where(readable, numbers, 0.0)) >= _INT64_MAX)
    big &= np.asarray(values.str.match(_WHOLE), dtype=bool)
    if big.any():
        return f"whole numbers beyond the 64-bit range (e.g. '{values[big][0]}')"
    return ""


def counted(s: pd.Series, full: pd.Series) -> pd.Series | None:
    """The counted values of ``s``, or of ``full`` when the sample missed them; None if empty."""
    vc = count_values(s)
    if vc.empty and len(s) < len(full) and full.notna().any():
        vc = count_values(full.dropna())
    return None if vc.empty else vc


def single_value(vc: pd.Series, full: pd.Series) -> str | None:
    """The single value of a column that has one (checked on the full column), else None."""
    if len(vc) != 1 or (vc.sum() < len(full) and nunique(full) > 1):
        return None
    value = vc.index[0]
    return repr(value.item() if isinstance(value, np.generic) else value)


def dedupe(df: pd.DataFrame) -> pd.DataFrame:
    """First of duplicate columns only, and Python bools in mixed object columns as labels.

    Python counts ``True`` and ``1`` as one value, so counting a column that mixes them would
    label the level by whichever came first and make the two sides disagree.
    """
    df = df.loc[:, ~df.columns.duplicated()] if df.columns.has_duplicates else df
    fixed = {}
    for col in df.columns[(df.dtypes == "object").to_numpy()]:
        if not pd.api.types.infer_dtype(df[col], skipna=True).startswith("mixed"):
            continue  # the common case (all strings, all bools): a fast C scan, no Python loop
        values = df[col].dropna()
        is_bool = values.map(lambda v: isinstance(v, bool | np.bool_))
        if is_bool.any() and not is_bool.all():
            fixed[col] = df[col].map(lambda v: str(v) if isinstance(v, bool | np.bool_) else v)
    return df.assign(**fixed) if fixed else df
