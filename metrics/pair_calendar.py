"""Calendar parts of dates as pair partners (SynthLens mode), so seasonality can be lost.

From each date column the month, the weekday and the hour are derived, each only when the real
data varies in it: the month when the real dates span at least a year, the weekday when they
span at least four weeks, the hour when at least 5% of the real values have a time of day and
they fall in two hours or more. A part is paired with every other paired column, as a category
named ``"<column> (<part>)"`` (``"start_date (month)"``), and the pair is kept only when the part
is related to the partner in the real data (the chi-squared test of their main levels rejects
independence, at the confidence level divided among the pairs tested (Bonferroni), and the
bias-corrected Cramer's V reaches ``NEGLIGIBLE``); rows without a date are left out of these
pairs (whether a date is missing is the date column's own relation). At most
:data:`MAX_CALENDAR_PAIRS` such pairs are kept, the most strongly related first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from metrics.encode import Encoded
from metrics.schema import Kind

MAX_CALENDAR_PAIRS = 20
_DAY_NS = 86_400e9
_HOUR_NS = 3_600e9
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOURS = tuple(f"{h:02d}:00-{h:02d}:59" for h in range(24))
LABELS = {"month": MONTHS, "weekday": WEEKDAYS, "hour": HOURS}
PLURAL = {"month": "months", "weekday": "weekdays", "hour": "hours"}
_NAME = re.compile(r"^(?P<source>.*) \((?P<part>month|weekday|hour)\)$")


@dataclass(frozen=True)
class Part:
    """One derived calendar part: its pair name, source column, part and codes on both sides
    (``1..len(labels)``, 0 where the date is missing)."""

    name: str
    source: str
    part: str
    real: np.ndarray
    synthetic: np.ndarray

    @property
    def labels(self) -> tuple[str, ...]:
        return LABELS[self.part]

    @property
    def size(self) -> int:
        return len(self.labels) + 1


def part_name(source: str, part: str) -> str:
    """The name a calendar part takes in the pairs table: ``"start_date (month)"``."""
    return f"{source} ({part})"


def split_name(name: str) -> tuple[str, str]:
    """``("start_date", "month")`` for ``"start_date (month)"``; ``(name, "")`` otherwise."""
    hit = _NAME.match(name)
    return (hit["source"], hit["part"]) if hit else (name, "")


def part_codes(values: np.ndarray, part: str) -> np.ndarray:
    """Codes of a calendar part of dates (float ns since 1970): 1..12 months (January = 1),
    1..7 weekdays (Monday = 1), 1..24 hours; 0 where the date is missing."""
    out = np.zeros(len(values), dtype=np.uint8)
    ok = np.isfinite(values)
    ns = values[ok]
    days = np.floor(ns / _DAY_NS).astype(np.int64)
    if part == "month":
        code = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    elif part == "weekday":
        code = (days + 3) % 7  # 1970-01-01 was a Thursday
    else:
        code = np.floor((ns - days * _DAY_NS) / _HOUR_NS).astype(np.int64).clip(0, 23)
    out[ok] = code.astype(np.uint8) + 1
    return out


def _varies(values: np.ndarray, part: str) -> bool:
    """Whether the real dates vary in this part (module docstring)."""
    ns = values[np.isfinite(values)]
    if ns.size < 2:
        return False
    span = (ns.max() - ns.min()) / _DAY_NS
    if part == "month":
        return bool(span >= 365)
    if part == "weekday":
        return bool(span >= 28)
    timed = ns - np.floor(ns / _DAY_NS) * _DAY_NS
    if np.count_nonzero(timed) < 0.05 * ns.size:
        return False
    return len(np.unique(np.floor(timed / _HOUR_NS))) >= 2


def calendar_parts(enc: Encoded, cols: list[str]) -> list[Part]:
    """The calendar parts of the paired date columns the real data varies in."""
    taken = set(enc.schema.names(*Kind))
    out = []
    for col in cols:
        if enc.schema.kind_of(col) is not Kind.DATETIME:
            continue
        real, syn = enc.real.numeric[col], enc.synthetic.numeric[col]
        for part in ("month", "weekday", "hour"):
            name = part_name(col, part)
            if name in taken or not _varies(real, part):
                continue
            out.append(Part(name, col, part, part_codes(real, part), part_codes(syn, part)))
    return out


def calendar_note(kept: int, related: int, candidates: int) -> str:
    """What the user should know about the calendar pairs ("" when there are none)."""
    if candidates == 0:
        return ""
    text = (
        f"Calendar parts of dates (month, weekday, hour) are paired with the other columns: "
        f"{related} of {candidates:,} such pairs are related in the real data"
    )
    if related > kept:
        return (
            text + f"; the {kept} most strongly related are scored (at most {MAX_CALENDAR_PAIRS})."
        )
    return text + ", all scored." if related else text + "."
