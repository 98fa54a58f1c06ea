"""The typed values of a utility result (:class:`UtilityInfo`) and its section of the JSON
report (:func:`utility_json`). Both are re-exported by :mod:`metrics.utility`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from metrics.results import MetricResult, typed_extra
from metrics.utility_models import SETTINGS, Task, primary_value


@dataclass(frozen=True)
class UtilityInfo:
    """What :func:`evaluate` measured besides its score: the ``extra`` of its result.

    A failed run (a :class:`UtilityProblem`) sets only ``target``, ``formula`` and ``reason``;
    ``task`` is None exactly when no model was scored.

    Attributes
    ----------
    target:
        The column predicted (None when none was chosen).
    task:
        ``"classification"`` or ``"regression"``; None when not measured.
    primary_metric:
        The metric the score is built on (``"roc_auc"``, ``"average_precision"`` or ``"r2"``);
        None when not measured.
    primary_words:
        The primary metric in words (``"average precision of 'yes'"``).
    formula:
        The score's formula in words.
    baseline:
        ``B``, the primary metric's no-skill value on the real test rows.
    baseline_words:
        ``B`` and what it means, in words.
    measurable:
        Whether the real data beats ``B`` beyond its uncertainty for at least one model.
    reason:
        Why the score is not measurable or kept out of Overall (None when it counts).
    trivial:
        Real-trained models predict the target almost perfectly (the ``easy_target`` finding).
    tstr, trtr:
        The primary metric averaged over the models the score counts (every scored model when
        none counts), and their intervals ``tstr_interval``/``trtr_interval``.
    counted_models:
        The models the score averages over.
    f1:
        Classification: macro F1 beside the primary metric: ``baseline`` (best constant
        predictor), ``tstr``, ``trtr`` (means over the counted models) and ``utility``.
    confidence, n_boot:
        Level of the intervals and number of bootstrap resamples of the real test rows.
    holdout:
        Where the real test rows come from, in words.
    n_rows:
        ``train_real``, ``synthetic``, ``test`` row counts and the ``cap`` on each.
    classes:
        The target's classes (classification), in label order.
    models:
        Model -> training set (``trtr``/``tstr``/``augmented``) -> metrics, plus ``score`` =
        the model's own ratio, ``measurable`` and ``tstr_interval``/``trtr_interval``.
    per_class_recall:
        Model -> training set -> class -> recall (classification only).
    importances:
        Model -> ``trtr``/``tstr`` -> feature -> permutation drop (of macro F1 or R2), and
        ``spearman`` = their rank agreement.
    augmentation:
        Model -> ``real``, ``real+synthetic`` primary metric and their ``gain``.
    message:
        What was measured, in a sentence ("" when not measured).
    """

    target: str | None = None
    task: Task | None = None
    primary_metric: str | None = None
    primary_words: str | None = None
    formula: str | None = None
    baseline: float | None = None
    baseline_words: str | None = None
    measurable: bool = False
    reason: str | None = None
    trivial: bool = False
    tstr: float | None = None
    trtr: float | None = None
    tstr_interval: tuple[float, float] | None = None
    trtr_interval: tuple[float, float] | None = None
    counted_models: list[str] = field(default_factory=list)
    f1: dict[str, float] = field(default_factory=dict)
    confidence: float = 0.95
    n_boot: int = 0
    holdout: str | None = None
    n_rows: dict[str, int] = field(default_factory=dict)
    classes: list[str] = field(default_factory=list)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    per_class_recall: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    importances: dict[str, dict[str, Any]] = field(default_factory=dict)
    augmentation: dict[str, dict[str, float]] = field(default_factory=dict)
    message: str = ""


def info(result: MetricResult | None) -> UtilityInfo:
    """The :class:`UtilityInfo` of a utility result; an empty one when there is none (the
    metric was skipped, or the suite caught it failing)."""
    return typed_extra(result, UtilityInfo)


def _mean(values: list[float]) -> float:
    """Mean of the finite values, NaN (without a warning) when there are none."""
    finite = [float(v) for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


def _pair(interval: tuple[float, float] | None) -> list[float] | None:
    return None if interval is None else [float(interval[0]), float(interval[1])]


def utility_json(result: MetricResult) -> dict[str, Any]:
    """The ``utility`` section of the JSON report.

    ``{target, task, metric, formula, holdout, score, error, baseline, measurable, reason,
    interval, floor, excluded, trivial, primary, f1, tstr: {...metrics, score, models},
    trtr: {...}, augmented: {...}, per_class_recall, importance_agreement, augmentation}``.

    ``metric`` is the primary metric (``roc_auc``, ``average_precision`` or ``r2``),
    ``baseline`` its no-skill value, ``score`` the utility score (null when not
    measurable) with its ``interval`` ``[low, high]`` and ``floor`` (1: the real-trained
    reference); ``reason`` says why the score is not measurable or kept out of Overall
    (``excluded``). ``primary`` has TSTR and TRTR averaged over the models the score counts,
    with their intervals. Each of ``tstr``/``trtr``/``augmented`` has the metrics averaged
    over the models, ``score`` = the mean primary metric and ``models`` = the same per model.
    When no model was scored, ``per_class_recall`` and ``augmentation`` are null.
    """
    found = info(result)
    task: Task = found.task or "classification"
    measured = found.task is not None
    out: dict[str, Any] = {
        "target": found.target,
        "task": task,
        "metric": found.primary_metric,
        "formula": found.formula,
        "holdout": found.holdout,
        "score": result.score,
        "error": result.error,
        "baseline": found.baseline,
        "measurable": found.measurable,
        "reason": found.reason,
        "interval": _pair(result.interval),
        "floor": result.floor,
        "excluded": result.excluded is not None,
        "trivial": found.trivial,
        "confidence": found.confidence,
        "primary": {
            "metric": found.primary_metric,
            "tstr": found.tstr,
            "trtr": found.trtr,
            "tstr_interval": _pair(found.tstr_interval),
            "trtr_interval": _pair(found.trtr_interval),
            "models": found.counted_models,
        }
        if measured
        else None,
        "f1": found.f1 or None,
    }
    metric = found.primary_metric or ""
    for setting in SETTINGS:
        per = {m: v[setting] for m, v in found.models.items() if setting in v}
        keys = sorted({k for v in per.values() for k in v})
        block: dict[str, Any] = {k: _mean([v.get(k, np.nan) for v in per.values()]) for k in keys}
        block["score"] = _mean([primary_value(metric, v) for v in per.values()])
        block["models"] = per
        out[setting] = block
    if task == "classification":
        out["per_class_recall"] = found.per_class_recall if measured else None
    out["importance_agreement"] = {m: v.get("spearman") for m, v in found.importances.items()}
    out["augmentation"] = found.augmentation if measured else None
    return out
