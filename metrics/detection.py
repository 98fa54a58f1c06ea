"""Detection: can a classifier tell synthetic rows from real ones?

A gradient-boosted classifier (scikit-learn's HistGradientBoostingClassifier, native support for
categories and missing values) is trained to separate an equal-size sample of real rows from a
sample of synthetic rows, with stratified cross-validation so that every sampled row gets an
out-of-fold probability of being synthetic.

Score
-----
``raw`` is the out-of-fold ROC AUC and ``score = 1 - max(0, (AUC - 0.5) * 2)``: 1 when the
classifier does no better than a coin (the rows are indistinguishable), 0 when it separates
every synthetic row from every real one (AUC 1). This is sdmetrics' ``LogisticDetection``
formula applied to a stronger classifier.

Interval and floor
------------------
The AUC's interval is DeLong's on the out-of-fold probabilities (:mod:`metrics.detection_auc`).
The score falls as the AUC rises, so the score's interval maps the AUC's bounds the other way
round: ``(score(AUC high), score(AUC low))``, each clipped by the formula's ``max``. The floor is
the score of the same classifier telling real rows from holdout rows, or from other real rows
(:mod:`metrics.detection_floor`).

Findings
--------
One finding when the score's interval lies below the floor, with its severity from that
distance (:func:`metrics.uncertainty.severity_beyond`); it names the columns whose permutation
drops the AUC most, i.e. the columns that give the synthetic data away. When the AUC reaches
:data:`SEPARATES_ALL` the classifier tells nearly every row apart: the finding says so once,
lists no rows, and ``DetectionInfo.separates_all`` tells the row flags not to flag every row.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from metrics.detection_auc import auc_interval, detection_score, score_interval
from metrics.detection_explain import ColumnExplanation, explain, explanation_json
from metrics.detection_floor import N_FOLDS, Floor, fit, folds, measure_floor
from metrics.detection_words import Measured, auc_words, findings, rows_table, sample_words
from metrics.encode import Encoded
from metrics.features import (
    FeatureSpace,
    auc_score,
    feature_columns,
    model_threads,
    permutation_drops,
)
from metrics.options import Options
from metrics.results import MetricResult, Progress, no_progress, typed_extra

NAME = "detection"
FAMILY = "detection"
MIN_ROWS = 20  # per side; below this a cross-validated AUC says nothing
TOP_ROWS = 100  # synthetic rows listed in ``details``
IMPORTANCE_ROWS = 2000  # rows per fold used for permutation importances
VALUE_COLUMNS = 3  # most important columns whose values are shown next to each listed row
# From this AUC the classifier tells nearly every synthetic row apart (99% of synthetic-real
# pairs ranked the right way round): the data differs as a whole, not row by row.
SEPARATES_ALL = 0.99
_SCALE = "0.5 = indistinguishable, 1 = every row told apart"


@dataclass(frozen=True)
class DetectionInfo:
    """What :func:`detect` measured besides its score: the ``extra`` of its result.

    Attributes
    ----------
    n_per_side:
        Rows sampled per side (None when there was no usable column).
    capped:
        Whether the sample is smaller than the larger side.
    n_real, n_synthetic:
        Rows in the real and synthetic files (None when not measured).
    columns:
        The columns the classifier used (the usable ones that vary).
    auc:
        Out-of-fold ROC AUC, as ``raw`` (None when not measured).
    fold_auc:
        The ROC AUC of each fold.
    importances:
        Column -> mean AUC drop when the column is shuffled.
    synthetic_proba:
        One probability of being synthetic per synthetic row, NaN for rows not sampled; None
        when not measured.
    message:
        What was measured, in a sentence ("" when not measured).
    auc_interval:
        DeLong's interval of ``auc`` (``Options.confidence``), None when not measured.
    floor_auc:
        Out-of-fold ROC AUC of the same classifier telling real rows from the holdout (or from a
        seeded half of the real rows): what an independent real sample reaches. None when not
        measured (too few rows; the floor is then the ideal 1).
    floor_rows:
        Rows per side of the floor classifier (size-matched, at most ``detection_floor.FLOOR_ROWS``).
    floor_note:
        How the floor was made, in a sentence.
    separates_all:
        The AUC is at least :data:`SEPARATES_ALL`: nearly every synthetic row is told apart, so
        flagging rows one by one says nothing (the row flags skip this reason then).
    explanation:
        For the most important columns, the ranges or categories where the two sides differ
        most (:mod:`metrics.detection_explain`); empty when not measured.
    """

    n_per_side: int | None = None
    capped: bool = False
    n_real: int | None = None
    n_synthetic: int | None = None
    columns: list[str] = field(default_factory=list)
    auc: float | None = None
    fold_auc: list[float] = field(default_factory=list)
    importances: dict[str, float] = field(default_factory=dict)
    synthetic_proba: np.ndarray | None = None
    message: str = ""
    auc_interval: tuple[float, float] | None = None
    floor_auc: float | None = None
    floor_rows: int | None = None
    floor_note: str = ""
    separates_all: bool = False
    explanation: list[ColumnExplanation] = field(default_factory=list)


def info(result: MetricResult | None) -> DetectionInfo:
    """The :class:`DetectionInfo` of a detection result; an empty one when there is none (the
    metric was skipped, or the suite caught it failing)."""
    return typed_extra(result, DetectionInfo)


@dataclass
class _Sample:
    real_rows: np.ndarray
    synthetic_rows: np.ndarray

    @property
    def n(self) -> int:
        return len(self.real_rows)


def _sample(enc: Encoded, options: Options) -> _Sample:
    n = min(enc.real.n_rows, enc.synthetic.n_rows, options.max_model_rows)
    rng = np.random.default_rng(options.seed)

    def pick(total: int) -> np.ndarray:
        if total == n:
            return np.arange(total)
        return np.sort(rng.choice(total, size=n, replace=False))

    return _Sample(pick(enc.real.n_rows), pick(enc.synthetic.n_rows))


def _failed(message: str, n_per_side: int | None = None) -> MetricResult:
    extra = DetectionInfo(n_per_side=n_per_side)
    return MetricResult(NAME, FAMILY, score=float("nan"), error=message, extra=extra)


def _cross_validate(
    X: np.ndarray, y: np.ndarray, cat_mask: np.ndarray, seed: int, progress: Progress, words: str
) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Out-of-fold probabilities, summed permutation AUC drops and per-fold AUCs."""
    oof = np.empty(len(y))
    drops = np.zeros(X.shape[1])
    fold_auc: list[float] = []
    rng = np.random.default_rng(seed)
    for k, (train, test) in enumerate(folds(y, seed)):
        progress(k / N_FOLDS, f"Detection: training fold {k + 1} of {N_FOLDS} on {words}")
        model = fit(X, y, train, cat_mask, seed)
        oof[test] = model.predict_proba(X[test])[:, 1]
        fold_auc.append(auc_score(y[test], oof[test]))

        def proba(m: np.ndarray, fitted: HistGradientBoostingClassifier = model) -> np.ndarray:
            return fitted.predict_proba(m)[:, 1]

        drops += permutation_drops(proba, X[test], y[test], auc_score, rng, IMPORTANCE_ROWS)
    return oof, drops, fold_auc


def detect(
    enc: Encoded, options: Options | None = None, progress: Progress = no_progress
) -> MetricResult:
    """Train a cross-validated real-vs-synthetic classifier and score how well it separates.

    Parameters
    ----------
    enc:
        The encoded pair. Id and text columns are left out.
    options:
        ``seed`` fixes the sample, the folds and the model; ``max_model_rows`` caps the rows
        per side (both sides get the same number, so the classes are balanced).
    progress:
        Called after each fold.

    Returns
    -------
    MetricResult
        ``raw`` = out-of-fold ROC AUC, ``score = 1 - max(0, (AUC - 0.5) * 2)``. ``details`` lists
        the :data:`TOP_ROWS` sampled synthetic rows with the highest probability of being
        synthetic (``row`` = 0-based position in the synthetic file). ``extra`` is a
        :class:`DetectionInfo` (read it with :func:`info`). Too few rows or no usable column
        give a NaN score and an ``error``.
    """
    options = options or Options()
    columns = feature_columns(enc)
    if not columns:
        return _failed(
            "Detection needs at least one numerical, datetime, categorical or "
            "boolean column; this table has none (id and text columns are left out)."
        )
    n_real, n_syn = enc.real.n_rows, enc.synthetic.n_rows
    if min(n_real, n_syn) < MIN_ROWS:
        return _failed(
            f"Detection needs at least {MIN_ROWS} rows on each side to cross-validate a "
            f"classifier; the real data has {n_real} and the synthetic data {n_syn}.",
            n_per_side=min(n_real, n_syn),
        )
    prep = _prepare(enc, options, columns)
    if not prep.keep.any():
        return _indistinguishable(enc, prep)
    return _classified(enc, prep, options, progress)


@dataclass
class _Prepared:
    """The sampled rows as features, ready for the classifier."""

    sample: _Sample
    space: FeatureSpace
    X: np.ndarray  # the sampled real rows, then the synthetic ones; every usable column
    keep: np.ndarray  # which columns vary
    base: DetectionInfo  # the sizes and the columns used
    words: str  # the sample, in words

    @property
    def used(self) -> list[str]:
        return self.base.columns


def _prepare(enc: Encoded, options: Options, columns: list[str]) -> _Prepared:
    n_real, n_syn = enc.real.n_rows, enc.synthetic.n_rows
    sample = _sample(enc, options)
    n = sample.n
    space = FeatureSpace.build(enc, columns)
    Xr = space.matrix(enc.real, sample.real_rows)
    Xs = space.matrix(enc.synthetic, sample.synthetic_rows)
    keep = space.varying(Xr, Xs)
    base = DetectionInfo(
        n_per_side=n,
        capped=n < max(n_real, n_syn),
        n_real=n_real,
        n_synthetic=n_syn,
        columns=[c for c, k in zip(columns, keep, strict=True) if k],
    )
    words = sample_words(n, n_real, n_syn, options.max_model_rows)
    return _Prepared(sample, space, np.vstack([Xr, Xs]), keep, base, words)


def _indistinguishable(enc: Encoded, prep: _Prepared) -> MetricResult:
    """Every usable column holds one and the same value on both sides: nothing to tell apart,
    so the AUC is 0.5 exactly, its interval a point, and the floor can do no better."""
    proba_full = np.full(enc.synthetic.n_rows, np.nan)
    proba_full[prep.sample.synthetic_rows] = 0.5
    message = (
        f"No column varies across the {prep.words}; real and synthetic "
        "rows cannot be told apart (AUC 0.5)."
    )
    extra = replace(
        prep.base,
        auc=0.5,
        synthetic_proba=proba_full,
        message=message,
        auc_interval=(0.5, 0.5),
        floor_note="No column varies, so the floor is the ideal 1 (AUC 0.5).",
    )
    return MetricResult(
        NAME,
        FAMILY,
        score=1.0,
        raw=0.5,
        details=rows_table(np.array([], dtype=int), np.array([]), prep.space, enc, []),
        extra=extra,
        interval=(1.0, 1.0),
        floor=1.0,
    )


def _classified(
    enc: Encoded, prep: _Prepared, options: Options, progress: Progress
) -> MetricResult:
    """Cross-validate the classifier on the varying columns and score its out-of-fold AUC."""
    n, used, sample, seed = prep.sample.n, prep.used, prep.sample, options.seed
    X = prep.X[:, prep.keep]
    cat_mask = prep.space.categorical[prep.keep]
    y = np.r_[np.zeros(n, dtype=np.int8), np.ones(n, dtype=np.int8)]
    with threadpool_limits(limits=model_threads(2 * n), user_api="openmp"):
        oof, drops, fold_auc = _cross_validate(X, y, cat_mask, seed, progress, prep.words)
    progress(0.95, "Detection: the same classifier on real rows only, for the floor")
    floor = measure_floor(enc, prep.space, prep.keep, n, seed, MIN_ROWS)
    progress(1.0, "Detection: done")

    auc = float(auc_score(y, oof))
    measured = _measured(auc, auc_interval(y, oof, options.confidence), floor, options)
    importances = {c: float(d / N_FOLDS) for c, d in zip(used, drops, strict=True)}
    proba_syn = oof[n:]
    proba_full = np.full(enc.synthetic.n_rows, np.nan)
    proba_full[sample.synthetic_rows] = proba_syn
    order = np.lexsort((sample.synthetic_rows, -proba_syn))[:TOP_ROWS]
    top_cols = sorted(used, key=lambda c: -importances[c])[:VALUE_COLUMNS]
    rows, proba = (sample.real_rows, sample.synthetic_rows), (oof[:n], proba_syn)
    explained = explain(enc, importances, rows, proba, options.confidence)
    details = rows_table(sample.synthetic_rows[order], proba_syn[order], prep.space, enc, top_cols)
    message = (
        f"A gradient-boosted classifier separates real from synthetic rows with "
        f"{auc_words(auc, measured.auc_interval, options.confidence, _SCALE)}, "
        f"{N_FOLDS}-fold cross-validated on {prep.words}. {floor.note}"
    )
    return MetricResult(
        NAME,
        FAMILY,
        score=measured.score,
        raw=auc,
        details=details,
        findings=findings(measured, importances, details, NAME, explained),
        extra=replace(
            prep.base,
            auc=auc,
            fold_auc=fold_auc,
            importances=importances,
            synthetic_proba=proba_full,
            message=message,
            auc_interval=measured.auc_interval,
            floor_auc=floor.auc,
            floor_rows=floor.n_per_side,
            floor_note=floor.note,
            separates_all=measured.separates_all,
            explanation=explained,
        ),
        interval=measured.interval,
        floor=measured.floor,
    )


def _measured(
    auc: float, interval: tuple[float, float] | None, floor: Floor, options: Options
) -> Measured:
    return Measured(
        auc=auc,
        auc_interval=interval,
        score=detection_score(auc),
        interval=score_interval(interval),
        floor=detection_score(floor.auc) if floor.auc is not None else 1.0,
        floor_auc=floor.auc,
        separates_all=auc >= SEPARATES_ALL,
        confidence=options.confidence,
    )


def detection_json(result: MetricResult) -> dict[str, Any]:
    """The ``detection`` section of the JSON report: ``auc``, ``score``, ``rows_per_side`` and
    ``error`` as before, plus ``interval`` (the score's ``[low, high]``), ``auc_interval``,
    ``floor`` (the score an independent real sample reaches), ``floor_auc``, ``floor_rows``,
    ``separates_all`` and ``explanation`` (:func:`metrics.detection_explain.explanation_json`,
    [] when not measured); None where not measured."""
    found = info(result)

    def pair(interval: tuple[float, float] | None) -> list[float] | None:
        return None if interval is None else [float(interval[0]), float(interval[1])]

    return {
        "auc": result.raw,
        "score": result.score,
        "rows_per_side": found.n_per_side,
        "error": result.error,
        "interval": pair(result.interval),
        "auc_interval": pair(found.auc_interval),
        "floor": result.floor,
        "floor_auc": found.floor_auc,
        "floor_rows": found.floor_rows,
        "separates_all": found.separates_all,
        "explanation": explanation_json(found.explanation),
    }


def detection(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """Registered entry point; see :func:`detect`."""
    return detect(enc, options, progress)
