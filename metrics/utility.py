"""Downstream utility: does a model trained on synthetic data work on real data?

For a target column, two models (a scaled, one-hot linear model and a gradient-boosted one) are
trained three times and always tested on the same real test rows:

- TRTR: trained on the real training rows (the reference);
- TSTR: trained on the synthetic rows;
- augmented: trained on the real training rows plus the synthetic rows.

Score
-----
Per model, ``clip((TSTR - B) / (TRTR - B), 0, 1)`` on a threshold-free primary metric, where
``B`` is that metric's no-skill value (:mod:`metrics.utility_skill`: ROC AUC with B = 0.5,
average precision of a rare class with B = its share, R2 with B = 0). A model trained on
synthetic rows that learned nothing scores 0, however well a constant guess does on a
threshold metric such as macro F1 (reported beside it, with its own no-skill value).

The score is the mean over the models whose TRTR beats B by more than its uncertainty (the lower
end of a seeded bootstrap interval over the real test rows is above B). When no model does, the
real data itself cannot predict the target: utility is *not measurable* for it (NaN score,
``excluded`` says why, a finding says it with the numbers), never 1, never in Overall.

A target that real-trained models predict almost perfectly (macro F1 or R2 at least 0.99, the
``easy_target`` finding) is scored and shown but kept out of Overall (``excluded``) unless
``Options.keep_trivial_target`` is set.

Interval: the same bootstrap of the test rows, resampling the predictions of every model and
training set together and recomputing the score (no refitting). Floor: 1, since TRTR is the
reference and a model trained on real rows scores 1 by definition. The holdout is the uploaded
one, or a stratified quarter of the real rows split off with the run's seed (the result says
which). The formula is in ``info(result).formula`` (``extra`` is a :class:`UtilityInfo`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from metrics.encode import Encoded
from metrics.features import FeatureSpace, feature_columns, model_threads
from metrics.options import Options
from metrics.results import Finding, MetricResult, Progress, no_progress
from metrics.uncertainty import rng as seeded
from metrics.utility_info import UtilityInfo, info, utility_json
from metrics.utility_models import (
    MODELS,
    SETTINGS,
    Fitted,
    Task,
    fit_all,
    importances,
    metrics_of,
    primary_value,
)
from metrics.utility_skill import (
    Measured,
    Primary,
    baseline_words,
    choose_primary,
    f1_beside,
    measure,
    model_extra,
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
    has_value,
    lost_class_findings,
    split_real,
    target_labels,
    task_of,
)
from metrics.utility_words import (
    FLOOR,
    drop_findings,
    easy_target_findings,
    not_measurable,
    summary,
    trivial_reason,
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
    "score = mean over models of clip((TSTR - B) / (TRTR - B), 0, 1) on {metric}, B = the "
    "no-skill value ({baseline}); TSTR = trained on synthetic, TRTR = trained on real, both "
    "tested on real test rows; models whose TRTR does not beat B beyond its {confidence:.0%} "
    "interval are left out"
)
GENERIC = FORMULA.format(
    metric="ROC AUC, average precision of a rare class, or R2",
    baseline="0.5, the rare class's share, or 0",
    confidence=0.95,
)


def evaluate(
    enc: Encoded, options: Options | None = None, progress: Progress = no_progress
) -> MetricResult:
    """Compare models trained on synthetic rows with models trained on real rows.

    Parameters
    ----------
    enc:
        The encoded pair (and holdout, when one was uploaded).
    options:
        ``target`` (else :func:`default_target`), ``seed``, ``max_model_rows`` (cap on the
        rows of each training set and of the test set; stated in ``extra``), ``confidence``
        and ``n_boot`` (the bootstrap), ``keep_trivial_target``.
    progress:
        Called after each model fit.

    Returns
    -------
    MetricResult
        ``score`` per the module docstring (NaN when not measurable), ``interval`` and
        ``floor`` (1), ``excluded`` when the score stays out of Overall, ``raw`` = the mean
        TSTR primary metric, ``details`` one row per model and training set, ``extra`` a
        :class:`UtilityInfo` (read it with :func:`info`). Problems a user can cause (no
        target, constant target, too few rows, a single class in the synthetic data) give a
        NaN score and an ``error``, never an exception.
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
            extra=UtilityInfo(target=options.target, formula=GENERIC, reason=str(problem)),
        )


# long: the split, the caps, the feature matrices and the fits, in the order they depend
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
    primary = choose_primary(task, y["test"], len(classes))

    sizes = {"train_real": len(train), "synthetic": len(syn), "test": len(test), "cap": cap}
    # One thread limit for fitting and predicting: on small data OpenMP start-up per tree costs
    # more than it saves.
    with threadpool_limits(limits=model_threads(len(train) + len(syn)), user_api="openmp"):
        runs = fit_all(task, X, y, cat_mask, options.seed, len(classes), progress)
        progress(1.0, "Utility: scoring on the real holdout")
        scored = _per_model(task, primary, classes, runs, X["test"], y["test"], used, rng)
    scored.found = replace(scored.found, target=target, holdout=source, n_rows=sizes)
    return _assemble(scored, runs, y, options, findings)


def _per_model(
    task: Task,
    primary: Primary,
    classes: list[str],
    runs: dict[str, dict[str, Fitted]],
    X_test: np.ndarray,
    y_test: np.ndarray,
    used: list[str],
    rng: np.random.Generator,
) -> _Scored:
    """The details rows, each model's metrics, recall and importances on the holdout, and the
    TSTR and TRTR predictions the bootstrap re-weights."""
    rows: list[dict[str, Any]] = []
    models: dict[str, dict[str, Any]] = {}
    recall: dict[str, dict[str, dict[str, float]]] = {}
    imps: dict[str, dict[str, Any]] = {}
    outs: dict[str, dict[str, np.ndarray]] = {}
    for model in MODELS:
        per: dict[str, dict[str, Any]] = {}
        preds: dict[str, np.ndarray] = {}
        for setting in SETTINGS:
            fit = runs[model][setting]
            row: dict[str, Any] = {"model": model, "train": setting, "n_train": fit.n_train}
            if fit.error is None:
                preds[setting] = fit.predict(X_test)
                per[setting] = metrics_of(task, y_test, preds[setting], primary)
                row.update({k: v for k, v in per[setting].items() if k != "recall"})
                row["primary"] = primary_value(primary.name, per[setting])
            rows.append({**row, "error": fit.error})
        models[model] = {s: {k: v for k, v in m.items() if k != "recall"} for s, m in per.items()}
        if "tstr" in preds and "trtr" in preds:
            outs[model] = {"trtr": preds["trtr"], "tstr": preds["tstr"]}
        if task == "classification":
            recall[model] = {
                s: {classes[c]: float(r) for c, r in m["recall"].items()} for s, m in per.items()
            }
        imps[model] = importances(task, runs[model], X_test, y_test, used, rng)
    found = UtilityInfo(
        task=task,
        primary_metric=primary.name,
        primary_words=primary.words(classes),
        classes=classes,
        models=models,
        per_class_recall=recall,
        importances=imps,
        augmentation=_augmentation(primary.name, models),
    )
    return _Scored(found, pd.DataFrame(rows), primary, outs)


@dataclass
class _Scored:
    """What :func:`_per_model` hands on: the typed values so far, the details, the primary
    metric and the test-row predictions of the models trained both ways."""

    found: UtilityInfo
    details: pd.DataFrame
    primary: Primary
    outs: dict[str, dict[str, np.ndarray]]


def _augmentation(primary: str, models: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per model: the primary metric trained on real rows, on real + synthetic, and the gain."""
    out = {
        m: {
            "real": primary_value(primary, models[m]["trtr"]),
            "real+synthetic": primary_value(primary, models[m]["augmented"]),
        }
        for m in MODELS
        if "trtr" in models[m] and "augmented" in models[m]
    }
    for aug in out.values():
        aug["gain"] = aug["real+synthetic"] - aug["real"]
    return out


def _assemble(
    scored: _Scored,
    runs: dict[str, dict[str, Fitted]],
    y: dict[str, np.ndarray],
    options: Options,
    findings: list[Finding],
) -> MetricResult:
    """The score relative to no skill, its interval, whether it counts, and the findings."""
    found, primary = scored.found, scored.primary
    target, task = str(found.target), found.task or "classification"
    if not scored.outs:
        errors = "; ".join(f.error for per in runs.values() for f in per.values() if f.error)
        return MetricResult(NAME, FAMILY, float("nan"), details=scored.details, findings=findings,
                            error=f"No model could be trained on both real and synthetic rows to "
                            f"predict '{target}': {errors}.", extra=found)  # fmt: skip
    gen = seeded(options.seed, NAME, target)
    m = measure(primary, y["test"], scored.outs, gen, options.n_boot, options.confidence)
    metric = str(found.primary_words)
    base_text = baseline_words(primary, m.baseline, found.classes)
    models = {k: {**v, **model_extra(m, k)} for k, v in found.models.items()}
    if task == "classification":
        findings = findings + lost_class_findings(target, found.classes, y, found.per_class_recall)
    said, reason, trivial = _said(found, models, m, base_text, len(y["test"]), options)
    extra = replace(
        found,
        formula=FORMULA.format(metric=metric, baseline=base_text, confidence=options.confidence),
        baseline=m.baseline,
        baseline_words=base_text,
        measurable=m.measurable,
        reason=reason,
        trivial=trivial,
        tstr=m.tstr,
        trtr=m.trtr,
        tstr_interval=m.tstr_interval,
        trtr_interval=m.trtr_interval,
        counted_models=m.counted,
        f1=f1_beside(task, models, m, y["test"]),
        confidence=options.confidence,
        n_boot=m.n_boot,
        models=models,
        message=summary(target, task, metric, m, str(found.holdout), found.n_rows,
                        options.confidence),
    )  # fmt: skip
    return MetricResult(
        NAME,
        FAMILY,
        score=m.score,
        raw=m.tstr,
        details=scored.details,
        findings=findings + said,
        interval=m.interval,
        floor=FLOOR,
        excluded=reason,
        extra=extra,
    )


def _said(
    found: UtilityInfo,
    models: dict[str, dict[str, Any]],
    m: Measured,
    base_text: str,
    n_test: int,
    options: Options,
) -> tuple[list[Finding], str | None, bool]:
    """The findings on the score, why it stays out of Overall (None when it counts), and
    whether the target is trivially predictable."""
    target, task, metric = (
        str(found.target),
        found.task or "classification",
        str(found.primary_words),
    )
    if not m.measurable:
        reason, finding = not_measurable(target, metric, m, base_text, n_test, options.confidence)
        return [finding], reason, False
    said = drop_findings(target, metric, m, options.confidence)
    easy_metric = "f1_macro" if task == "classification" else "r2"
    easy = [primary_value(easy_metric, v["trtr"]) for v in models.values() if "trtr" in v]
    trivial = easy_target_findings(target, task, easy, found.importances)
    if trivial and not options.keep_trivial_target:
        return said + trivial, trivial_reason(target, task, easy), True
    return said + trivial, None, bool(trivial)


def utility(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """Registered entry point; see :func:`evaluate`."""
    return evaluate(enc, options, progress)
