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

Findings
--------
From an AUC of :data:`AUC_LOW` (low severity), :data:`AUC_MEDIUM` (medium) and
:data:`AUC_HIGH` (high), one finding names the columns whose permutation drops the AUC most,
i.e. the columns that give the synthetic data away.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from metrics.encode import Encoded
from metrics.features import (
    FeatureSpace,
    auc_score,
    feature_columns,
    model_threads,
    permutation_drops,
)
from metrics.options import Options
from metrics.results import Finding, MetricResult, Progress, Severity, no_progress, typed_extra

NAME = "detection"
FAMILY = "detection"
MIN_ROWS = 20  # per side; below this a cross-validated AUC says nothing
N_FOLDS = 3
TOP_ROWS = 100  # synthetic rows listed in ``details``
IMPORTANCE_ROWS = 2000  # rows per fold used for permutation importances
VALUE_COLUMNS = 3  # most important columns whose values are shown next to each listed row
AUC_LOW, AUC_MEDIUM, AUC_HIGH = 0.6, 0.75, 0.9
FINDING_ROWS = 20  # rows quoted in the finding (those with probability >= 0.9)


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


def info(result: MetricResult | None) -> DetectionInfo:
    """The :class:`DetectionInfo` of a detection result; an empty one when there is none (the
    metric was skipped, or the suite caught it failing)."""
    return typed_extra(result, DetectionInfo)


def detection_score(auc: float) -> float:
    """``1 - max(0, (AUC - 0.5) * 2)``: 1 = indistinguishable, 0 = perfectly separable."""
    if not np.isfinite(auc):
        return float("nan")
    return float(1.0 - max(0.0, (auc - 0.5) * 2.0))


def _model(n_train: int, seed: int) -> HistGradientBoostingClassifier:
    # Small leaves on small data so a handful of impossible rows can still form their own
    # region; sklearn's default of 20 on large data keeps the trees from chasing noise.
    leaf = int(min(20, max(5, n_train // 100)))
    return HistGradientBoostingClassifier(
        max_iter=60,
        learning_rate=0.3,
        min_samples_leaf=leaf,
        early_stopping=True,
        random_state=seed,
    )


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
    return MetricResult(
        NAME,
        FAMILY,
        score=float("nan"),
        error=message,
        extra=DetectionInfo(n_per_side=n_per_side),
    )


def _cross_validate(
    X: np.ndarray, y: np.ndarray, cat_mask: np.ndarray, seed: int, progress: Progress, words: str
) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Out-of-fold probabilities, summed permutation AUC drops and per-fold AUCs."""
    oof = np.empty(len(y))
    drops = np.zeros(X.shape[1])
    fold_auc: list[float] = []
    rng = np.random.default_rng(seed)
    folds = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    for k, (train, test) in enumerate(folds.split(X, y)):
        progress(k / N_FOLDS, f"Detection: training fold {k + 1} of {N_FOLDS} on {words}")
        model = _model(len(train), seed)
        model.set_params(categorical_features=cat_mask if cat_mask.any() else None)
        model.fit(X[train], y[train])
        oof[test] = model.predict_proba(X[test])[:, 1]
        fold_auc.append(auc_score(y[test], oof[test]))

        def proba(m: np.ndarray, fit: HistGradientBoostingClassifier = model) -> np.ndarray:
            return fit.predict_proba(m)[:, 1]

        drops += permutation_drops(
            proba,
            X[test],
            y[test],
            auc_score,
            rng,
            IMPORTANCE_ROWS,
        )
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
    return _classified(enc, prep, options.seed, progress)


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
    words = _sample_words(n, n_real, n_syn, options.max_model_rows)
    return _Prepared(sample, space, np.vstack([Xr, Xs]), keep, base, words)


def _indistinguishable(enc: Encoded, prep: _Prepared) -> MetricResult:
    """Every usable column holds one and the same value on both sides: nothing to tell apart."""
    proba_full = np.full(enc.synthetic.n_rows, np.nan)
    proba_full[prep.sample.synthetic_rows] = 0.5
    message = (
        f"No column varies across the {prep.words}; real and synthetic "
        "rows cannot be told apart (AUC 0.5)."
    )
    return MetricResult(
        NAME,
        FAMILY,
        score=1.0,
        raw=0.5,
        details=_rows_table(np.array([], dtype=int), np.array([]), prep.space, enc, []),
        extra=replace(prep.base, auc=0.5, synthetic_proba=proba_full, message=message),
    )


def _classified(enc: Encoded, prep: _Prepared, seed: int, progress: Progress) -> MetricResult:
    """Cross-validate the classifier on the varying columns and score its out-of-fold AUC."""
    n, used, sample = prep.sample.n, prep.used, prep.sample
    X = prep.X[:, prep.keep]
    cat_mask = prep.space.categorical[prep.keep]
    y = np.r_[np.zeros(n, dtype=np.int8), np.ones(n, dtype=np.int8)]
    with threadpool_limits(limits=model_threads(2 * n), user_api="openmp"):
        oof, drops, fold_auc = _cross_validate(X, y, cat_mask, seed, progress, prep.words)
    progress(1.0, "Detection: done")

    auc = float(auc_score(y, oof))
    score = detection_score(auc)
    importances = {c: float(d / N_FOLDS) for c, d in zip(used, drops, strict=True)}
    proba_syn = oof[n:]
    proba_full = np.full(enc.synthetic.n_rows, np.nan)
    proba_full[sample.synthetic_rows] = proba_syn
    order = np.lexsort((sample.synthetic_rows, -proba_syn))[:TOP_ROWS]
    top_cols = sorted(used, key=lambda c: -importances[c])[:VALUE_COLUMNS]
    details = _rows_table(sample.synthetic_rows[order], proba_syn[order], prep.space, enc, top_cols)
    message = (
        f"A gradient-boosted classifier separates real from synthetic rows with ROC AUC "
        f"{auc:.3f} (0.5 = indistinguishable, 1 = every row told apart), "
        f"{N_FOLDS}-fold cross-validated on {prep.words}."
    )
    return MetricResult(
        NAME,
        FAMILY,
        score=score,
        raw=auc,
        details=details,
        findings=_findings(auc, score, importances, details),
        extra=replace(
            prep.base,
            auc=auc,
            fold_auc=fold_auc,
            importances=importances,
            synthetic_proba=proba_full,
            message=message,
        ),
    )


def _sample_words(n: int, n_real: int, n_syn: int, cap: int) -> str:
    if n == n_real == n_syn:
        return f"{n:,} rows per side"
    why = f"capped at {cap:,}" if n == cap else "the smaller side's size"
    return (
        f"{n:,} rows per side ({why}; the real data has {n_real:,} rows and the synthetic "
        f"data {n_syn:,})"
    )


def _rows_table(
    rows: np.ndarray, proba: np.ndarray, space: FeatureSpace, enc: Encoded, top_cols: list[str]
) -> pd.DataFrame:
    values = [
        "; ".join(f"{c}={space.describe(enc.synthetic, int(r), c)}" for c in top_cols) for r in rows
    ]
    return pd.DataFrame(
        {
            "row": rows.astype(np.int64),
            "probability": proba.astype(np.float64),
            "values": pd.Series(values, dtype=object),
        }
    )


def _findings(
    auc: float, score: float, importances: dict[str, float], details: pd.DataFrame
) -> list[Finding]:
    if auc < AUC_LOW:
        return []
    severity: Severity = "high" if auc >= AUC_HIGH else "medium" if auc >= AUC_MEDIUM else "low"
    ranked = sorted(importances, key=lambda c: -importances[c])
    top = importances[ranked[0]] if ranked else 0.0
    # A column is named when shuffling it costs a real share of what the model can do.
    named = [c for c in ranked[:3] if importances[c] >= max(0.01, 0.25 * top)]
    if named:
        parts = ", ".join(
            f"'{c}' (AUC drops by {importances[c]:.2f} when it is shuffled)" for c in named
        )
        cause = f"the columns that give the synthetic rows away most are {parts}."
    else:
        cause = (
            "no single column stands out, so the combination of columns gives the "
            "synthetic rows away."
        )
    sure = details[details["probability"] >= 0.9]["row"].head(FINDING_ROWS)
    message = (
        f"A classifier tells synthetic rows from real ones with ROC AUC {auc:.2f} "
        f"(0.5 would mean indistinguishable); {cause}"
    )
    return [
        Finding(
            kind="detectable",
            severity=severity,
            columns=tuple(named),
            message=message,
            metric=NAME,
            rows=tuple(int(r) for r in sure),
            score=score,
        )
    ]


def detection(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """Registered entry point; see :func:`detect`."""
    return detect(enc, options, progress)
