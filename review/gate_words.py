"""The sentence each gate shows on the Sign-off page, in the CLI's gate lines and in reports.

Numbers get the decimals that tell them from the threshold: a failing 0.7999 never reads as
the minimum of 0.80, and an interval that reaches 0.7999 is never printed as reaching 0.80.
"""

from __future__ import annotations

from collections.abc import Iterable

from review.deciding import EPS, Decision, at_scale_end
from review.gate_specs import GateSpec

_ACCEPT = ", or set allow_undecided = true in the policy to accept it."
ACCEPT_HINT = "Collect more rows" + _ACCEPT  # a score's; each gate's comes from its spec
ACCEPTED = "The policy accepts undecided gates (allow_undecided = true)."


def digits_for(threshold: float, values: Iterable[float], scale: float = 1.0) -> int:
    """The fewest decimals (2 to 6) at which every value that differs from the threshold also
    prints differently from it, and no value strictly between 0 and 1 prints as 0 or 1 (a
    coverage of 0.997 is not "1.00", one copy in 100,000 rows is not "0.00%")."""
    values = list(values)
    for digits in range(2, 7):
        t, zero, one = (f"{x * scale:.{digits}f}" for x in (threshold, 0.0, 1.0))
        if all(
            (abs(v - threshold) <= EPS or f"{v * scale:.{digits}f}" != t)
            and (not EPS < v < 1 - EPS or f"{v * scale:.{digits}f}" not in (zero, one))
            for v in values
        ):
            return digits
    return 6


class _Fmt:
    """Formats the numbers of one gate with one number of decimals."""

    def __init__(self, spec: GateSpec, threshold: float, values: Iterable[float]) -> None:
        self.scale, self.unit = (100.0, "%") if spec.kind == "max_rate" else (1.0, "")
        self.digits = digits_for(threshold, values, self.scale)

    def __call__(self, value: float) -> str:
        return f"{value * self.scale:.{self.digits}f}{self.unit}"


# One sentence per outcome (passed/failed/undecided, estimate or bound, score or rate).
# long: the branches read best side by side, each a sentence a reviewer sees.
def score_message(
    spec: GateSpec,
    value: float,
    threshold: float,
    decision: Decision,
    interval: tuple[float, float] | None = None,
    *,
    confidence: float = 0.95,
    decide_on: str = "estimate",
    allow_undecided: bool = False,
) -> str:
    """The sentence of a score gate (``min``), the exact-copy gate (``max_rate``) or an attack
    gate (``max_value``).

    e.g. ``Fidelity score 0.81 (95% interval 0.78-0.84) straddles the threshold 0.80:
    undecided. Collect more rows, or set allow_undecided = true in the policy to accept it.``,
    ``Singling-out risk 0.04 (95% interval 0.00-0.07) is at most 0.10.``
    """
    shown = [value, *(interval or ()), *([decision.bound] if decision.bound is not None else [])]
    f = _Fmt(spec, threshold, shown)
    t = f(threshold)
    rate = spec.kind == "max_rate"
    at_most = spec.kind != "min"  # a rate or a value that must not exceed the threshold
    head = (
        f"{f(value)} of synthetic rows are exact copies of real rows"
        if rate
        else f"{spec.label} {f(value)}"
    )
    brackets = [f"{confidence:.0%} interval {f(interval[0])}-{f(interval[1])}"] if interval else []
    if spec.reads:
        brackets.append(spec.reads)
    if brackets:
        head += f" ({'; '.join(brackets)})"
    if decision.undecided:
        limit = f"the maximum of {t}" if at_most else f"the threshold {t}"
        tail = ACCEPTED if allow_undecided else spec.narrow + _ACCEPT
        joint = "; its interval straddles" if rate else " straddles"
        return f"{head}{joint} {limit}: undecided. {tail}"
    passed = bool(decision.passed)
    # (how the estimate reads, how a bound reads) for this kind of gate and outcome
    verdict, bound_verdict = {
        ("min", True): ("meets the minimum of", "meets the minimum of"),
        ("min", False): ("is below the minimum of", "is below the minimum of"),
        ("max_rate", True): ("within the maximum of", "is within the maximum of"),
        ("max_rate", False): ("above the maximum of", "is above the maximum of"),
        ("max_value", True): ("is at most", "is at most"),
        ("max_value", False): ("is above the maximum of", "is above the maximum of"),
    }[(spec.kind, passed)]
    end_word = "high end" if at_most else "low end"
    estimate_passes = value <= threshold + EPS if at_most else value >= threshold - EPS
    if decision.by == "bound" and decision.bound is not None:
        b = f(decision.bound)
        if passed:
            return f"{head}: even its {end_word} {b} {bound_verdict} {t}."
        if estimate_passes:  # the bound, not the estimate, made it fail: say so
            return (f"{head}: its {end_word} {b} {bound_verdict} {t}, and the policy decides "
                    f'on the {end_word} (decide_on = "bound").')  # fmt: skip
    text = f"{head}, {verdict} {t}." if rate else f"{head} {verdict} {t}."
    if decide_on == "bound" and interval is None:
        text += " It has no interval, so its estimate decides."
    elif (
        passed
        and interval is not None
        and at_scale_end(threshold, spec.kind)
        and (interval[1] > threshold + EPS if rate else interval[0] < threshold - EPS)
    ):
        # Say why an interval reaching past the limit did not make the gate undecided.
        text += (
            f" A maximum of {t} is checked on the rows themselves: no interval can rule out "
            "a small rate."
            if rate
            else f" A minimum of {t} is checked on the score itself: no interval can rule out "
            "a small shortfall."
        )
    return text


def count_message(spec: GateSpec, value: float, threshold: float, passed: bool) -> str:
    """The sentence of a count gate (open high-severity or rejected findings)."""
    count = int(value)
    allowed = int(threshold)
    if spec.source == "rejected_findings":
        if count == 0:
            return "No findings were rejected."
        noun = "finding was" if count == 1 else "findings were"
        return f"{count} {noun} rejected by a reviewer; at most {allowed} may be" + (
            "."
            if passed
            else ": fix the synthetic data and assess it again, or change the "
            "decision on the Review page."
        )
    if count == 0:
        return "No high-severity findings are open."
    noun = "finding is" if count == 1 else "findings are"
    limit = f"at most {allowed} may be open at sign-off"
    return f"{count} high-severity {noun} still open; {limit}" + (
        "." if passed else ", so review them first."
    )


def not_evaluated_message(
    spec: GateSpec, optional: bool, why: str | None, kept_out: bool = False
) -> str:
    """Why a gate could not be evaluated, and whether that blocks approval. ``kept_out``: the
    score was computed, but its metric keeps it out (``why`` says why)."""
    done = "is kept out" if kept_out else "was not computed"
    text = f"{spec.label} {done}" + (f" ({why})" if why else "")
    if optional:
        return text + (
            f", so this gate was not evaluated; the policy lists {spec.family} as optional."
        )
    return text + (
        f", so this gate was not evaluated and approval is blocked. {spec.hint}, or turn the "
        f"gate off with {spec.name} = false."
    )
