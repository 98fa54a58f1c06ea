"""How a score gate decides when its value has an interval (the rule is stated in full in the
docstring of :mod:`review.policy`).

Kept apart from the policy file handling so the rule can be read, and tested, on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

EPS = 1e-12  # values that equal the threshold up to float noise count as equal
DECIDE_ON: tuple[str, ...] = ("estimate", "bound")


@dataclass(frozen=True)
class Decision:
    """The outcome of one score gate.

    ``passed`` is ``None`` when ``undecided``; ``by`` names what was compared with the
    threshold: ``"estimate"`` or ``"bound"`` (the unfavourable end of the interval).
    """

    passed: bool | None
    undecided: bool
    by: Literal["estimate", "bound"]
    bound: float | None  # the unfavourable end (of the interval and the estimate together)


def clean_interval(raw: Any) -> tuple[float, float] | None:
    """``(low, high)`` from a two-number sequence, or ``None`` when it is not one (missing,
    NaN, reversed): a gate without a usable interval decides on its estimate."""
    try:
        low, high = (float(x) for x in raw)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(low) and math.isfinite(high)) or low > high + EPS:
        return None
    return low, high


def _clears(value: float, threshold: float, kind: str) -> bool:
    if kind == "min":
        return value >= threshold - EPS
    return value <= threshold + EPS


def at_scale_end(threshold: float, kind: str) -> bool:
    """A threshold no interval can clear: a maximum rate of 0 or a minimum score of 1.

    A ``max_value`` (an attack's risk, a membership AUC) has none: its estimate comes from
    sampled attacks, so "no risk at all" is a claim its interval must support like any other.
    """
    if kind == "max_value":
        return False
    return threshold <= EPS if kind == "max_rate" else threshold >= 1 - EPS


def decide(
    kind: str,
    value: float,
    interval: tuple[float, float] | None,
    threshold: float,
    decide_on: str = "estimate",
) -> Decision:
    """Passed, failed or undecided, by the rule of :mod:`review.policy`.

    Parameters
    ----------
    kind:
        ``"min"`` (passes when the value is at least the threshold), ``"max_rate"`` or
        ``"max_value"`` (at most).
    value:
        The estimate.
    interval:
        ``(low, high)`` of the estimate, or ``None`` (the estimate decides, as without intervals).
    decide_on:
        ``"estimate"``: undecided when the threshold lies strictly inside the span of the
        interval and the estimate. ``"bound"``: the unfavourable end of that span decides.
    """
    if interval is None or at_scale_end(threshold, kind):
        return Decision(_clears(value, threshold, kind), False, "estimate", None)
    # The estimate normally lies inside its interval; the span keeps one that does not (a
    # skewed bootstrap) from deciding alone.
    low, high = min(interval[0], value), max(interval[1], value)
    bound = low if kind == "min" else high
    if decide_on == "bound":
        return Decision(_clears(bound, threshold, kind), False, "bound", bound)
    if low < threshold - EPS and high > threshold + EPS:
        return Decision(None, True, "estimate", bound)
    return Decision(_clears(value, threshold, kind), False, "estimate", bound)
