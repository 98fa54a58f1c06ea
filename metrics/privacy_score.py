"""Which evidence sets the privacy score, and the sentence that says so.

Three rules can decide, the lowest score wins:

- **Copies.** The copy part is ``max(0, 1 - COPY_WEIGHT * (copy excess + near-copy excess))``
  where the copy excess is the larger of two: exact copies of any real row above the natural
  rate (:mod:`metrics.privacy_copies`), and copies of *unique* training records above theirs
  (:mod:`metrics.unique_copies`). On duplicate-rich data the first cannot see a leak smaller than
  the data's own duplication (where 12% of fresh real rows already equal a training row, 10% of
  verbatim copies hide in the noise); the second can, as an honest generator reproduces a record
  found once about as often as a fresh real row does.
- **Memorisation** (the DCR share against the holdout).
- **Attacks**: ``1 -`` the largest upper bound of the singling-out, linkability and inference
  risks (:mod:`metrics.privacy_attacks`), when they ran against a control.

Intervals: the unique-copy excess has Newcombe's interval; it is summed with the near-copy
excess by MOVER as the exact excess is (:mod:`metrics.privacy_intervals`); the minimum of the
parts takes the minimum of their bounds. The floor of the unique-copy part is the mean over
seeded binomial draws of an independent real sample at the natural unique-copy rate. The score's
floor is that of the copies and memorisation only: the attacks' part has an interval whose high
end is 1 unless a risk is beyond noise, so it moves the verdict only on evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metrics.privacy_intervals import _clip, copy_score_of, mover_sum
from metrics.results import MetricResult
from metrics.unique_copies import UniqueCopies

Interval = tuple[float, float]


@dataclass(frozen=True)
class Decided:
    """The privacy score, its interval and floor, and what decided it."""

    copy_score: float
    copy_interval: Interval | None
    copy_floor: float
    copy_rule: str  # "exact" or "unique": which copies set the copy part
    score: float
    interval: Interval | None
    floor: float
    rule: str  # "copies", "unique copies", "memorisation" or "attacks"
    rule_sentence: str


def _unique_part(
    uc: UniqueCopies, near: float, near_ci: Interval | None, weight: float
) -> tuple[float, Interval | None]:
    """The copy part when unique copies set it, and its interval."""
    excess = max(0.0, float(np.nan_to_num(uc.excess)))
    score = float(copy_score_of(excess + near, weight))
    ci = _clip(uc.excess_interval)
    if ci is None or near_ci is None:
        return score, None
    total = _clip(mover_sum([(excess, ci), (near, near_ci)]))
    assert total is not None
    return score, (float(copy_score_of(total[1], weight)), float(copy_score_of(total[0], weight)))


def _unique_floor(uc: UniqueCopies, weight: float, gen: np.random.Generator, n_boot: int) -> float:
    if not uc.n_baseline or not uc.n_synthetic or not np.isfinite(uc.natural_rate):
        return 1.0
    drawn = gen.binomial(uc.n_synthetic, uc.natural_rate, size=n_boot) / uc.n_synthetic
    return float(np.mean(copy_score_of(np.maximum(0.0, drawn - uc.natural_rate), weight)))


# long: one comparison per rule, each with its sentence; splitting would scatter the rule.
def decide(
    parts: dict[str, float],
    intervals: dict[str, Interval | None],
    floors: dict[str, float],
    uc: UniqueCopies | None,
    attacks: MetricResult | None,
    weight: float,
    gen: np.random.Generator,
    n_boot: int,
) -> Decided:
    """Combine the parts into the privacy score.

    ``parts``/``intervals``/``floors`` hold ``copy`` (exact and near copies), ``near_excess``
    (the clipped near-copy excess; its interval under the same key) and ``dcr`` (NaN when not
    measured) as the privacy metric computed them.
    """
    copy, copy_ci, copy_floor, copy_rule = (
        parts["copy"], intervals["copy"], floors["copy"], "exact"
    )  # fmt: skip
    if uc is not None and uc.copies:
        u_score, u_ci = _unique_part(uc, parts["near_excess"], intervals["near_excess"], weight)
        if u_score < copy:
            copy, copy_ci, copy_rule = u_score, u_ci, "unique"
            copy_floor = min(copy_floor, _unique_floor(uc, weight, gen, n_boot))
    candidates: list[tuple[str, float, Interval | None, float]] = [
        ("unique copies" if copy_rule == "unique" else "copies", copy, copy_ci, copy_floor)
    ]
    if np.isfinite(parts["dcr"]):
        candidates.append(("memorisation", parts["dcr"], intervals["dcr"], floors["dcr"]))
    if attacks is not None and attacks.error is None and np.isfinite(attacks.score):
        floor = attacks.floor if attacks.floor is not None else float("nan")
        candidates.append(("attacks", attacks.score, attacks.interval, floor))
    rule, score, _, _ = min(candidates, key=lambda c: c[1])
    lows = [c[2][0] for c in candidates if c[2] is not None]
    highs = [c[2][1] for c in candidates if c[2] is not None]
    interval = (min(lows), min(highs)) if len(lows) == len(candidates) else None
    # The floor stays that of copies and memorisation: an attack's floor on a small control
    # is low (an honest sample's interval is wide too) and would hide copies beyond noise; an
    # attack without evidence of risk reaches 1 at its interval's high end anyway.
    floor = float(min(c[3] for c in candidates if c[0] != "attacks" and np.isfinite(c[3])))
    return Decided(
        copy, copy_ci, copy_floor, copy_rule, float(score), interval, floor, rule,
        _sentence(rule, score, uc, attacks),
    )  # fmt: skip


def _sentence(
    rule: str, score: float, uc: UniqueCopies | None, attacks: MetricResult | None
) -> str:
    """Which rule set the privacy score, in one sentence for the page and the reports."""
    if rule == "attacks" and attacks is not None:
        found = attacks.extra
        what = {"singling_out": "singling out", "linkability": "linkability",
                "inference": "attribute inference"}.get(getattr(found, "max_risk_attack", ""), "")  # fmt: skip
        return (
            f"The privacy score {score:.3f} is set by the privacy attacks: 1 minus the upper end "
            f"of the largest risk's interval ({what}, up to "
            f"{getattr(found, 'max_risk_high', float('nan')):.2f})."
        )
    if rule == "unique copies" and uc is not None:
        return (
            f"The privacy score {score:.3f} is set by copies of unique training records: "
            f"{uc.copies:,} synthetic rows ({100 * uc.rate:.1f}%) reproduce a record found once "
            f"in the training data, against {100 * uc.natural_rate:.1f}% for fresh real rows. "
            "This rule decides on data where real rows repeat, where the exact-copy rate cannot "
            "tell a leak from the data's own duplication."
        )
    if rule == "memorisation":
        return (
            f"The privacy score {score:.3f} is set by memorisation: how much more often synthetic "
            "rows sit closer to the training rows than to the holdout than chance gives."
        )
    if score >= 1.0:
        return "The privacy score 1.000: no copies above their natural rate, no memorisation."
    return (
        f"The privacy score {score:.3f} is set by exact and near copies of real rows above "
        "their natural rate."
    )
