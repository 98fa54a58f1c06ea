"""Typed results shared by every metric, the suite, the pages and the reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar, get_args

import pandas as pd

# The severities, most serious first: the one definition the store, the review queue and the
# findings' ranking derive from (a severity's rank is its position here).
T = TypeVar("T")
Severity = Literal["high", "medium", "low"]
SEVERITY_ORDER: dict[str, int] = {s: i for i, s in enumerate(get_args(Severity))}


class Progress(Protocol):
    """Callback that long work calls to report how far it is.

    ``fraction`` is in [0, 1]; ``message`` says in plain words what is being done now.
    The UI implements it with ``st.progress``; the CLI with a line on stderr; tests with a list.
    """

    def __call__(self, fraction: float, message: str) -> None: ...


def no_progress(fraction: float, message: str) -> None:
    """A Progress that ignores every report."""


@dataclass(frozen=True)
class Finding:
    """One departure worth a person's attention.

    Attributes
    ----------
    kind:
        Short machine name, e.g. ``"marginal"``, ``"pair"``, ``"missing_category"``,
        ``"range_not_covered"``, ``"invalid_rows"``, ``"exact_copies"``.
    severity:
        ``"high"``, ``"medium"`` or ``"low"``.
    columns:
        The columns involved (empty for whole-table findings).
    rows:
        0-based positions in the synthetic file of the rows involved (may be empty).
    message:
        A sentence a person can read, with the numbers.
    metric:
        Name of the registered metric that produced it.
    score:
        The score behind it, in [0, 1] where 1 is best, when there is one.
    """

    kind: str
    severity: Severity
    columns: tuple[str, ...]
    message: str
    metric: str
    rows: tuple[int, ...] = ()
    score: float | None = None
    # How far the score sits below its noise floor beyond its uncertainty (floor minus the
    # interval's favourable end): findings rank by it, so the worst departures come first.
    beyond: float | None = None
    # What tells apart findings of one kind on the same columns: a rule's id, a subgroup's
    # level. Part of the key when set, so each gets its own review item.
    tag: str = ""

    def key(self) -> str:
        """Identity of a finding across runs (used to carry review decisions over)."""
        parts = [self.kind, self.metric, ",".join(self.columns)]
        return "|".join([*parts, self.tag] if self.tag else parts)


@dataclass(frozen=True)
class Score:
    """A score with what a careful reader needs beside it.

    ``value`` is in [0, 1] (higher is better) or NaN; ``low``/``high`` bound its interval and
    ``floor`` is what an independent real sample of the same size scores. The last three stay
    None until a metric computes them.
    """

    value: float
    low: float | None = None
    high: float | None = None
    floor: float | None = None

    @property
    def interval(self) -> tuple[float, float] | None:
        return None if self.low is None or self.high is None else (self.low, self.high)


@dataclass
class MetricResult:
    """What one metric returns.

    ``score`` is in [0, 1] (higher is better) or NaN when it could not be computed, with its
    interval and floor when computed (:meth:`scored`); ``raw`` is the metric's natural value
    (an AUC, a distance, a rate); ``details`` has one row per column, pair or row, with an
    ``error`` column where a part failed instead of aborting the run; ``extra`` is the typed
    result object the metric's module declares (attributes, never string keys).
    """

    name: str
    family: str
    score: float
    raw: float | None = None
    details: pd.DataFrame = field(default_factory=pd.DataFrame)
    findings: list[Finding] = field(default_factory=list)
    extra: Any = None
    error: str | None = None
    interval: tuple[float, float] | None = None
    floor: float | None = None
    # Why a computed score is shown but kept out of its family and Overall (a trivially
    # predictable target, a real target at chance), or None when it counts.
    excluded: str | None = None

    def scored(self) -> Score:
        low, high = self.interval if self.interval is not None else (None, None)
        return Score(self.score, low, high, self.floor)


def typed_extra(result: MetricResult | None, kind: type[T]) -> T:
    """The typed values a result carries (``result.extra``), or ``kind()``'s defaults when it
    carries none: the metric was skipped, or the suite caught it failing."""
    if result is not None and isinstance(result.extra, kind):
        return result.extra
    return kind()
