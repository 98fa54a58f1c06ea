"""Downstream utility: does a model trained on synthetic data work on real data?

For a target column, two models (a scaled, one-hot linear model and a gradient-boosted one) are
trained three times and always tested on the same real holdout rows:

- TRTR: trained on the real training rows (the reference);
- TSTR: trained on the synthetic rows;
- augmented: trained on the real training rows plus the synthetic rows.

Score
-----
``score = mean over models of clip(TSTR primary / TRTR primary, 0, 1)`` where the primary metric
is macro F1 for classification and R2 clipped at 0 for regression; a model whose TRTR primary is
0 (the real data cannot predict the target either) is left out of the mean. The formula is in
``info(result).formula`` (the result's ``extra`` is a :class:`UtilityInfo`). The holdout is the
uploaded one, or a stratified quarter of the real rows split off with the run's seed (the
result says which).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from metrics.encode import Encoded
from metrics.features import FeatureSpace, feature_columns, model_threads
from metrics.options import Options
from metrics.results import Finding, MetricResult, Progress, no_progress, typed_extra
from metrics.utility_models import (
    MODELS,
    PRIMARY,
    SETTINGS,
    Fitted,
    Task,
    fit_all,
    importances,
    metrics_of,
    primary_value,
)
from metrics.utility_target import (
    HOLDOUT_SHARE,
    MIN_TEST,
    MIN_TRAIN,
    NAME,
    UtilityProblem,
    cap_rows,
    check_sizes,
    check_target,
    choose_target,
    default_target,
    drop_findings,
    easy_target_findings,
    has_value,
    lost_class_findings,
    metric_words,
    split_real,
    summary,
    target_labels,
    task_of,
)

__all__ = [
    "UtilityInfo",
    "default_target",
    "evaluate",
    "info",
    "task_of",
    "utility",
    "utility_json",
]

FAMILY = "utility"
FORMULA = (
    "score = mean over models of clip(TSTR {metric} / TRTR {metric}, 0, 1), "
    "TSTR = trained on synthetic, TRTR = trained on real, both tested on real holdout rows"
)


@dataclass(frozen=True)
class UtilityInfo:
    """What :func:`evaluate` measured besides its score: the ``extra`` of its result.

    A failed run (a :class:`UtilityProblem`) sets only ``target`` and ``formula``; ``task`` is
    None exactly when no model was scored.

    Attributes
    ----------
    target:
        The column predicted (None when none was chosen).
    task:
        ``"classification"`` or ``"regression"``; None when not measured.
    primary_metric:
        The metric the score is built on (``"f1_macro"`` or ``"r2"``); None when not measured.
    formula:
        The score's formula in words.
    holdout:
        Where the real test rows come from, in words.
    n_rows:
        ``train_real``, ``synthetic``, ``test`` row counts and the ``cap`` on each.
    classes:
        The target's classes (classification), in label order.
    models:
        Model -> training set (``trtr``/``tstr``/``augmented``) -> metrics, plus ``score`` =
        the model's TSTR / TRTR ratio.
    per_class_recall:
        Model -> training set -> class -> recall (classification only).
    importances:
        Model -> ``trtr``/``tstr`` -> feature -> permutation drop, and ``spearman`` = their
        rank agreement.
    augmentation:
        Model -> ``real``, ``real+synthetic`` primary metric and their ``gain``.
    message:
        What was measured, in a sentence ("" when not measured).
    """

    target: str | None = None
    task: Task | None = None
    primary_metric: str | None = None
    formula: str | None = None
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


def evaluate(
    enc: Encoded, options: Options | None = None, progress: Progress = no_progress
) -> MetricResult:
    """Compare models trained on synthetic rows with models trained on real rows.

    Parameters
    ----------
    enc:
        The encoded pair (and holdout, when one was uploaded).
    options:
        ``target`` (else :func:`default_target`), ``seed`` and ``max_model_rows`` (cap on the
        rows of each training set and of the test set; stated in ``extra``).
    progress:
        Called after each model fit.

    Returns
    -------
    MetricResult
        ``score`` per the module docstring, ``raw`` = the mean TSTR primary metric, ``details``
        one row per model and training set, ``extra`` a :class:`UtilityInfo` (read it with
        :func:`info`). Problems a user can cause (no target, constant target, too few rows, a
        single class in the synthetic data) give a NaN score and an ``error``, never an
        exception.
    """
    options = options or Options()
    try:
        return _evaluate(enc, options, progress)
    except UtilityProblem as problem:
        return MetricResult(
            NAME,
            FAMILY,
            score=float("nan"),
            error=str(problem),
            findings=problem.findings,
            extra=UtilityInfo(target=options.target, formula=FORMULA),
        )


def _evaluate(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    target = choose_target(enc, options)
    task = task_of(enc, target)
    ys, classes = target_labels(enc, target, task)
    rng = np.random.default_rng(options.seed)
    if enc.holdout is not None:
        source = "the uploaded holdout"
        train = np.flatnonzero(has_value(ys["real"]))
        test = np.flatnonzero(has_value(ys["holdout"]))
        test_side, y_test_all = enc.holdout, ys["holdout"]
    else:
        source = f"a {HOLDOUT_SHARE:.0%} split of the real rows (no holdout was uploaded)"
        if has_value(ys["real"]).sum() < MIN_TRAIN + MIN_TEST:
            raise UtilityProblem(
                f"Utility needs at least {MIN_TRAIN + MIN_TEST} real rows with a "
                f"value of '{target}'; there are {int(has_value(ys['real']).sum())}."
            )
        train, test = split_real(ys["real"], task, options.seed)
        test_side, y_test_all = enc.real, ys["real"]
    syn = np.flatnonzero(has_value(ys["synthetic"]))
    check_sizes(target, len(train), len(test), len(syn), enc.synthetic.n_rows)
    cap = options.max_model_rows
    train, test, syn = cap_rows(train, cap, rng), cap_rows(test, cap, rng), cap_rows(syn, cap, rng)

    space = FeatureSpace.build(enc, feature_columns(enc, exclude=[target]))
    if not space.columns:
        raise UtilityProblem(f"Utility needs at least one column besides the target '{target}'.")
    X = {
        "real": space.matrix(enc.real, train),
        "synthetic": space.matrix(enc.synthetic, syn),
        "test": space.matrix(test_side, test),
    }
    y = {"real": ys["real"][train], "synthetic": ys["synthetic"][syn], "test": y_test_all[test]}
    keep = space.varying(X["real"], X["synthetic"])
    if not keep.any():
        raise UtilityProblem(
            f"No feature column varies in the training data, so nothing can predict '{target}'."
        )
    X = {k: v[:, keep] for k, v in X.items()}
    used = [c for c, k in zip(space.columns, keep, strict=True) if k]
    cat_mask = space.categorical[keep]
    findings = check_target(target, task, y, classes)

    sizes = {"train_real": len(train), "synthetic": len(syn), "test": len(test), "cap": cap}
    # One thread limit for fitting and predicting: on small data OpenMP start-up per tree costs
    # more than it saves.
    with threadpool_limits(limits=model_threads(len(train) + len(syn)), user_api="openmp"):
        runs = fit_all(task, X, y, cat_mask, options.seed, len(classes), progress)
        progress(1.0, "Utility: scoring on the real holdout")
        return _assemble(
            target, task, source, classes, runs, X["test"], y, used, rng, findings, sizes
        )


def _per_model(
    task: Task,
    classes: list[str],
    runs: dict[str, dict[str, Fitted]],
    X_test: np.ndarray,
    y_test: np.ndarray,
    used: list[str],
    rng: np.random.Generator,
) -> tuple[list[dict[str, Any]], UtilityInfo]:
    """The details rows, and each model's metrics, recall and importances on the holdout."""
    rows: list[dict[str, Any]] = []
    models: dict[str, dict[str, Any]] = {}
    recall: dict[str, dict[str, dict[str, float]]] = {}
    imps: dict[str, dict[str, Any]] = {}
    for model in MODELS:
        per: dict[str, dict[str, Any]] = {}
        for setting in SETTINGS:
            fit = runs[model][setting]
            row: dict[str, Any] = {"model": model, "train": setting, "n_train": fit.n_train}
            if fit.error is None:
                per[setting] = metrics_of(task, y_test, fit.predict(X_test))
                row.update({k: v for k, v in per[setting].items() if k != "recall"})
                row["primary"] = primary_value(task, per[setting])
            rows.append({**row, "error": fit.error})
        models[model] = {s: {k: v for k, v in m.items() if k != "recall"} for s, m in per.items()}
        models[model]["score"] = _ratio(task, per.get("tstr"), per.get("trtr"))
        if task == "classification":
            recall[model] = {
                s: {classes[c]: float(r) for c, r in m["recall"].items()} for s, m in per.items()
            }
        imps[model] = importances(task, runs[model], X_test, y_test, used, rng)
    found = UtilityInfo(
        task=task,
        primary_metric=PRIMARY[task],
        classes=classes,
        models=models,
        per_class_recall=recall,
        importances=imps,
        augmentation=_augmentation(task, models),
    )
    return rows, found


def _augmentation(task: Task, models: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per model: the primary metric trained on real rows, on real + synthetic, and the gain."""
    out = {
        m: {
            "real": primary_value(task, models[m]["trtr"]),
            "real+synthetic": primary_value(task, models[m]["augmented"]),
        }
        for m in MODELS
        if "trtr" in models[m] and "augmented" in models[m]
    }
    for aug in out.values():
        aug["gain"] = aug["real+synthetic"] - aug["real"]
    return out


def _assemble(
    target: str,
    task: Task,
    source: str,
    classes: list[str],
    runs: dict[str, dict[str, Fitted]],
    X_test: np.ndarray,
    y: dict[str, np.ndarray],
    used: list[str],
    rng: np.random.Generator,
    findings: list[Finding],
    sizes: dict[str, int],
) -> MetricResult:
    rows, found = _per_model(task, classes, runs, X_test, y["test"], used, rng)
    models = found.models
    ratios = [models[m]["score"] for m in MODELS if np.isfinite(models[m]["score"])]
    score = float(np.mean(ratios)) if ratios else float("nan")
    tstr = [primary_value(task, models[m]["tstr"]) for m in MODELS if "tstr" in models[m]]
    trtr = [primary_value(task, models[m]["trtr"]) for m in MODELS if "trtr" in models[m]]
    if task == "classification":
        findings = findings + lost_class_findings(target, classes, y, found.per_class_recall)
    findings = findings + drop_findings(target, task, score, tstr, trtr)
    findings = findings + easy_target_findings(target, task, trtr, found.importances)
    error = (
        None
        if np.isfinite(score)
        else (
            f"Models trained on the real data do not predict '{target}' either "
            f"({PRIMARY[task]} {_mean(trtr):.2f} on the holdout), so the ratio is undefined."
        )
    )
    return MetricResult(
        NAME,
        FAMILY,
        score=score,
        raw=_mean(tstr) if tstr else None,
        details=pd.DataFrame(rows),
        findings=findings,
        error=error,
        extra=replace(
            found,
            target=target,
            formula=FORMULA.format(metric=metric_words(task)),
            holdout=source,
            n_rows=sizes,
            message=summary(target, task, source, _mean(tstr), _mean(trtr), score, sizes),
        ),
    )


def _mean(values: list[float]) -> float:
    """Mean of the finite values, NaN (without a warning) when there are none."""
    finite = [float(v) for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


def _ratio(task: Task, tstr: dict[str, Any] | None, trtr: dict[str, Any] | None) -> float:
    if tstr is None or trtr is None:
        return float("nan")
    base = primary_value(task, trtr)
    if not np.isfinite(base) or base <= 0:
        return float("nan")
    return float(np.clip(primary_value(task, tstr) / base, 0.0, 1.0))


def utility_json(result: MetricResult) -> dict[str, Any]:
    """The ``utility`` section of the JSON report.

    ``{target, task, metric, formula, holdout, tstr: {...metrics, score, models},
    trtr: {...}, augmented: {...}, score, error}``: each of ``tstr``/``trtr``/``augmented``
    has the metrics averaged over the models, ``score`` = the mean primary metric (macro F1 or
    max(R2, 0)) and ``models`` = the same per model; the top ``score`` is the utility score.
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
    }
    for setting in SETTINGS:
        per = {m: v[setting] for m, v in found.models.items() if setting in v}
        keys = sorted({k for v in per.values() for k in v})
        block: dict[str, Any] = {k: _mean([v.get(k, np.nan) for v in per.values()]) for k in keys}
        block["score"] = (
            float(np.mean([primary_value(task, v) for v in per.values()])) if per else float("nan")
        )
        block["models"] = per
        out[setting] = block
    if task == "classification":
        out["per_class_recall"] = found.per_class_recall if measured else None
    out["importance_agreement"] = {m: v.get("spearman") for m, v in found.importances.items()}
    out["augmentation"] = found.augmentation if measured else None
    return out


def utility(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """Registered entry point; see :func:`evaluate`."""
    return evaluate(enc, options, progress)
