"""Which date format a column of strings is written in (part of :mod:`metrics.schema_infer`).

Formats are tried in ``DATE_FORMATS`` order; the first that reads the most values wins
(day-first before month-first). A format and its twin with a UTC offset (``%z``) count as one,
because encoding reads both: a column may mix ``2021-03-01T10:00:00`` and
``2021-03-01T10:00:00+02:00`` (see :func:`metrics.encode.to_datetime_utc`).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import numpy as np
import pandas as pd

__all__ = ["DATE_FORMATS", "date_format", "reads_as_dates"]

# Looks like a date in some format (cheap screen before trying every format).
_DATE_LIKE = (r"^(\d{1,4}[-/.]\d{1,2}([-/.]\d{1,4})?|\d{1,2}[ -][A-Za-z]{3,9}[ -]\d{2,4}"
              r"|[A-Za-z]{3,9} \d{1,2}, \d{4})([ T]\d{1,2}:\d{2}.*)?$")  # fmt: skip
# Tried in this order; the first that reads the most values wins (day-first before month-first).
DATE_FORMATS = (
    "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%d %H:%M:%S%z", "%Y/%m/%d", "%Y/%m/%d %H:%M:%S",
    "%d/%m/%Y", "%m/%d/%Y", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S", "%d/%m/%y", "%m/%d/%y", "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d-%m-%Y",
    "%d %b %Y", "%d-%b-%Y", "%b %d, %Y", "%d %B %Y", "%B %d, %Y", "%Y-%m",
)  # fmt: skip


def _parse_dates(values: pd.Index, fmt: str) -> np.ndarray:
    """Which values read as dates in ``fmt``."""
    parsed = pd.to_datetime(values, format=fmt, errors="coerce", utc="%z" in fmt)
    return np.asarray(parsed.notna(), dtype=bool)


def _read_with_twin(values: pd.Index, fmt: str) -> np.ndarray:
    """Which values read as dates in ``fmt`` or in its twin with or without a UTC offset.

    One column may mix ``2021-03-01T10:00:00`` and ``2021-03-01T10:00:00+02:00``; encoding
    reads both (the first as UTC), so both count for the format.
    """
    ok = _parse_dates(values, fmt)
    twin = fmt.removesuffix("%z") if fmt.endswith("%z") else fmt + "%z"
    if twin in DATE_FORMATS and not ok.all():
        ok[~ok] = _parse_dates(values[~ok], twin)
    return ok


def date_format(vc: pd.Series) -> tuple[str | None, float, str]:
    """Best date format for the counted values: (format, weighted share read, ambiguity note)."""
    values, weight = vc.index, vc.to_numpy(dtype=float)
    head = values[:50]
    if len(head) == 0 or np.mean(head.str.match(_DATE_LIKE)) < 0.5:
        return None, 0.0, ""
    shortlist = [f for f in DATE_FORMATS if _parse_dates(head, f).mean() >= 0.5]
    shares = {f: weight[_read_with_twin(values, f)].sum() / weight.sum() for f in shortlist}
    if not shares:
        return None, 0.0, ""
    best = max(shares, key=lambda f: shares[f])  # max keeps the first of equals: format order
    swapped = best.replace("%d", "%D").replace("%m", "%d").replace("%D", "%m")
    note = ""
    if swapped != best and swapped in shares and shares[swapped] == shares[best]:
        note = f"; day and month could be swapped (no value above 12), {best} assumed"
    return best, shares[best], note


def reads_as_dates(values: pd.Index, fmt: str | None) -> np.ndarray:
    """Which values read as dates in ``fmt`` or any other known format (encode falls back)."""
    ok = _parse_dates(values, fmt) if fmt else np.zeros(len(values), dtype=bool)
    for other in DATE_FORMATS:
        if ok.all():
            break
        rest = values[~ok]
        if _parse_dates(rest[:50], other).any():
            ok[~ok] = _parse_dates(rest, other)
    return ok


def date_text(ns: float) -> str:
    """An encoded date (float nanoseconds since 1970) as people write it: ``2021-03-01`` at
    midnight, ``2021-03-01 10:30`` otherwise (seconds when they are not zero).

    Through Python's datetime, not ``pd.Timestamp``: int64 nanoseconds end in April 2262, and
    Parquet files hold later dates (years 1 to 9999 work here).
    """
    moment = _EPOCH + timedelta(microseconds=round(ns / 1000))
    if moment.time() == time(0):
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M" if moment.second == 0 else "%Y-%m-%d %H:%M:%S")


_EPOCH = datetime(1970, 1, 1)
