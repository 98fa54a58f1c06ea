"""What :mod:`metrics.utility` says about a finished comparison: its findings, why a score is
kept out of Overall, the summary sentence, and the sentences the Utility page and the HTML
report show (plain text, no markup)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from metrics.results import Finding, MetricResult
from metrics.uncertainty import beyond_floor, severity_beyond
from metrics.utility_info import UtilityInfo, info
from metrics.utility_skill import Measured
from metrics.utility_target import LOW_DROP, MEDIUM_DROP, NAME

# Real-trained models at or above this macro F1 (R2 for regression) find the target next to
# trivial: a threshold metric, since ROC AUC reaches 0.99 on targets that are merely easy.
EASY_TARGET = 0.99
FLOOR = 1.0  # the reference: a model trained on real rows scores 1 by definition


def easy_words(task: str) -> str:
    """The metric the trivial-target rule reads."""
    return "macro F1" if task == "classification" else "R2"


def span(interval: tuple[float, float] | None, digits: int = 2) -> str:
    """``"0.55-0.70"``, or ``"unknown"``."""
    if interval is None:
        return "unknown"
    return f"{interval[0]:.{digits}f}-{interval[1]:.{digits}f}"


def not_measurable(
    target: str, metric: str, m: Measured, baseline_text: str, n_test: int, confidence: float
) -> tuple[str, Finding]:
    """Why no utility score can be given (the excluded reason), and the finding that says it.

    The numbers are those of the model trained on real rows that does best, the most
    favourable case: when even it does not beat the no-skill value beyond its uncertainty,
    nothing the synthetic data does can be told apart from chance.
    """
    best = max(m.per_model, key=lambda k: m.per_model[k]["trtr"])
    top = m.per_model[best]
    reason = (
        f"not measurable for this target: models trained on real rows predict '{target}' no "
        f"better than chance (best {metric} {top['trtr']:.2f}, {confidence:.0%} interval "
        f"{span(top['trtr_interval'])}; no skill scores {m.baseline:.2f})"
    )
    message = (
        f"Utility is not measurable for '{target}': even trained on real rows, the {best} "
        f"model reaches {metric} {top['trtr']:.2f} on the {n_test:,} real test rows "
        f"({confidence:.0%} interval {span(top['trtr_interval'])}), no better than the "
        f"no-skill value {baseline_text}. The other columns do not predict '{target}' even in "
        "the real data, so the synthetic data cannot be judged on it: choose another target."
    )
    return reason, Finding("utility_not_measurable", "low", (target,), message, NAME)


def trivial_reason(target: str, task: str, trtr_easy: list[float]) -> str:
    """Why a trivially predictable target's score is kept out of Overall."""
    return (
        f"'{target}' is trivially predictable: models trained on real rows already reach "
        f"{easy_words(task)} {min(trtr_easy):.2f}, so its utility score says little about the "
        "synthetic data; it is kept out of Overall unless you choose to count it"
    )


def drop_findings(target: str, metric: str, m: Measured, confidence: float) -> list[Finding]:
    """A finding when the score sits below 1 (the real-trained reference) by more than its
    interval, with severity from that distance."""
    beyond = beyond_floor(m.interval, FLOOR)
    severity = severity_beyond(beyond)
    if severity is None or not np.isfinite(m.score):
        return []
    return [
        Finding(
            "utility_drop",
            severity,
            (target,),
            f"Models trained on the synthetic data predict '{target}' with {metric} "
            f"{m.tstr:.2f} on real test rows against {m.trtr:.2f} when trained on real rows "
            f"(no skill: {m.baseline:.2f}): utility {m.score:.2f} ({confidence:.0%} interval "
            f"{span(m.interval)}); the synthetic data loses part of what predicts '{target}'.",
            NAME,
            score=m.score,
            beyond=beyond,
        )
    ]


def easy_target_findings(
    target: str, task: str, trtr: list[float], importances: dict[str, dict[str, Any]]
) -> list[Finding]:
    """A finding when real-trained models already predict the target almost perfectly.

    A utility score of 1 then only says the synthetic data kept that near-deterministic rule
    (often a leak, such as a salary that is filled in only for placed students), not that it
    is good for harder targets.
    """
    finite = [v for v in trtr if np.isfinite(v)]
    if not finite or min(finite) < EASY_TARGET:
        return []
    drops: dict[str, float] = {}
    for imp in importances.values():
        for feature, drop in imp.get("trtr", {}).items():
            drops[feature] = max(drops.get(feature, 0.0), float(drop))
    top = [f for f in sorted(drops, key=lambda f: -drops[f]) if drops[f] > 0.05][:2]
    source = f", mostly from {' and '.join(repr(f) for f in top)}" if top else ""
    return [
        Finding(
            "easy_target",
            "low",
            (target, *top),
            f"Models trained on real data already predict '{target}' almost perfectly "
            f"({easy_words(task)} {min(finite):.2f} on the holdout{source}), so the utility "
            f"score only shows that the synthetic data kept this near-exact rule; choose a "
            f"harder target to test more.",
            NAME,
        )
    ]


def summary(
    target: str,
    task: str,
    metric: str,
    m: Measured,
    source: str,
    sizes: dict[str, int],
    confidence: float,
) -> str:
    """The comparison in one paragraph: TSTR, TRTR, no skill, the score and its verdict."""
    if not m.measurable:
        verdict = "not measurable (the real data does not beat chance either)"
    else:
        level = (
            "fit for training"
            if m.score >= LOW_DROP
            else "usable with care"
            if m.score >= MEDIUM_DROP
            else "not a substitute for the real data"
        )
        verdict = f"{m.score:.2f} ({confidence:.0%} interval {span(m.interval)}): {level}"
    return (
        f"Predicting '{target}' ({task}): trained on synthetic rows the models reach "
        f"{metric} {m.tstr:.3f} on real test rows against {m.trtr:.3f} when trained on real "
        f"rows; no skill scores {m.baseline:.3f}. Utility {verdict}. Test rows: "
        f"{sizes['test']:,} from {source}; training rows: {sizes['train_real']:,} real and "
        f"{sizes['synthetic']:,} synthetic (each capped at {sizes['cap']:,})."
    )


def score_text(value: float) -> str:
    """Two decimals, three when two would round a score that is not 1 (or 0) up to it."""
    text = f"{value:.2f}"
    if text in ("1.00", "0.00") and value not in (0.0, 1.0):
        text = f"{value:.3f}"
    return text


def interval_text(interval: tuple[float, float]) -> str:
    return f"{score_text(interval[0])}-{score_text(interval[1])}"


def score_words(res: MetricResult) -> str:
    """``Utility 0.62 (95% interval 0.55-0.70); the reference ... scores 1 by definition.``"""
    found = info(res)
    text = f"Utility {score_text(res.score)}"
    if res.interval is not None:
        text += f" ({found.confidence:.0%} interval {interval_text(res.interval)})"
    return text + "; the reference, a model trained on real rows, scores 1 by definition."


def _value(value: float | None, interval: tuple[float, float] | None, confidence: float) -> str:
    text = "n/a" if value is None or not math.isfinite(value) else f"{value:.3f}"
    if interval is not None:
        text += f" ({confidence:.0%} interval {interval[0]:.3f}-{interval[1]:.3f})"
    return text


def numbers_words(found: UtilityInfo) -> str:
    """TSTR, TRTR and the no-skill value of the primary metric, in one sentence."""
    if found.primary_words is None:
        return ""
    counted = found.counted_models
    which = (
        "the mean of the two models"
        if len(counted) == 2
        else f"the {counted[0]} model; the other does no better than chance on real rows"
        if counted
        else "the mean of the two models"
    )
    c = found.confidence
    text = (
        f"{found.primary_words[0].upper()}{found.primary_words[1:]} on real test rows "
        f"({which}): trained on synthetic rows (TSTR) "
        f"{_value(found.tstr, found.tstr_interval, c)}, trained on real rows (TRTR) "
        f"{_value(found.trtr, found.trtr_interval, c)}; no skill scores "
        f"{found.baseline_words or ''}."
    )
    if found.f1:
        f1 = found.f1
        text += (
            f" Macro F1 beside it: TSTR {f1['tstr']:.3f}, TRTR {f1['trtr']:.3f}; always "
            f"predicting the best single class scores {f1['baseline']:.3f}."
        )
    return text


def not_measurable_words(found: UtilityInfo) -> str:
    """Why there is no score, with the real-trained models' numbers."""
    best = max(
        (m for m in found.models.values() if "trtr" in m),
        key=lambda m: m["trtr"].get(found.primary_metric or "", -math.inf),
        default=None,
    )
    if best is None or found.primary_metric is None:
        return str(found.reason or "")
    value = best["trtr"][found.primary_metric]
    low, high = best.get("trtr_interval") or (math.nan, math.nan)
    return (
        f"Even models trained on real rows predict '{found.target}' no better than chance: "
        f"the better of them reaches {found.primary_words} {value:.2f} on the real test rows "
        f"({found.confidence:.0%} interval {low:.2f}-{high:.2f}), and no skill scores "
        f"{found.baseline_words}. So the synthetic data cannot be judged on this target; it "
        "stays out of Overall and the utility gate is not evaluated. Choose a target the other "
        "columns predict."
    )


def method_words(found: UtilityInfo) -> str:
    if not found.n_boot or not found.n_rows:
        return ""
    return (
        f"Intervals: {found.confidence:.0%}, from {found.n_boot} bootstrap resamples of the "
        f"{found.n_rows.get('test', 0):,} real test rows (the fitted models' predictions "
        "re-weighted, no refit)."
    )


def trivial_words(res: MetricResult) -> str:
    """Why a trivially predictable target's score says little, and whether it counts."""
    return (
        f"'{info(res).target}' is trivially predictable. Models trained on real rows already "
        "predict it almost perfectly, so a high utility score only shows that the synthetic "
        "data kept that near-exact rule. "
        + (
            "It counts in Overall because you chose so."
            if res.excluded is None
            else "Its score is shown but kept out of Overall."
        )
    )
