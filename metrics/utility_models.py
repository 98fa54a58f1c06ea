"""The models and the scoring behind :mod:`metrics.utility`.

Two model families, each built the same way for every training set so that only the training
rows differ:

- ``linear``: median imputation with missing-value indicators and standard scaling for numbers,
  one-hot encoding for categories, then LogisticRegression or Ridge;
- ``boosting``: HistGradientBoosting with native categorical features and missing values.

Classification labels are class indices ``0..K-1`` shared by every side, so probabilities of a
model that never saw a class (a class the synthetic data lost) are aligned to all ``K`` columns
with zeros for the classes it does not know.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.stats import spearmanr
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from metrics.features import permutation_drops
from metrics.results import Progress
from metrics.utility_skill import Primary, Scorer

Task = Literal["classification", "regression"]
MODELS = ("linear", "boosting")
SETTINGS = ("trtr", "tstr", "augmented")
SMALL_ROWS = 10_000  # below this, regularised boosting without early stopping
LINEAR_ROWS = 20_000  # rows the linear model trains on at most
IMPORTANCE_ROWS = 2000  # holdout rows the permutation importances shuffle at most


@dataclass
class Fitted:
    """A fitted model (or why it could not be fitted) and the size of its training set."""

    estimator: Any | None
    n_train: int
    n_classes: int
    error: str | None = None

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities aligned to all classes ``(n, K)``, or predicted values ``(n,)``."""
        if self.estimator is None:
            raise ValueError(self.error or "model was not fitted")
        if self.n_classes == 0:
            return np.asarray(self.estimator.predict(X), dtype=np.float64)
        proba = self.estimator.predict_proba(X)
        full = np.zeros((len(X), self.n_classes))
        full[:, self.estimator.classes_.astype(np.int64)] = proba
        return full


def _linear(task: Task, cat_mask: np.ndarray, seed: int) -> Pipeline:
    num_idx = np.flatnonzero(~cat_mask)
    cat_idx = np.flatnonzero(cat_mask)
    parts = []
    if len(num_idx):
        parts.append(
            (
                "num",
                make_pipeline(
                    SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
                    StandardScaler(),
                ),
                num_idx,
            )
        )
    if len(cat_idx):
        parts.append(
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value=-1.0, keep_empty_features=True),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                cat_idx,
            )
        )
    head = (
        LogisticRegression(max_iter=300, tol=1e-3, random_state=seed)
        if task == "classification"
        else Ridge(alpha=1.0)
    )
    return Pipeline([("prep", ColumnTransformer(parts)), ("model", head)])


def _boosting(task: Task, cat_mask: np.ndarray, seed: int, small: bool) -> Any:
    cats = cat_mask if cat_mask.any() else None
    cls = (
        HistGradientBoostingClassifier
        if task == "classification"
        else HistGradientBoostingRegressor
    )
    if small:
        # Early stopping would hold out a tenth of a few hundred rows, too few to judge by;
        # shallow trees with a small step keep the variance of a small training set down.
        return cls(
            max_iter=100,
            learning_rate=0.05,
            max_depth=3,
            early_stopping=False,
            categorical_features=cats,
            random_state=seed,
        )
    return cls(
        max_iter=100,
        learning_rate=0.1,
        early_stopping=True,
        categorical_features=cats,
        random_state=seed,
    )


def fit_model(
    model: str,
    task: Task,
    X: np.ndarray,
    y: np.ndarray,
    cat_mask: np.ndarray,
    seed: int,
    n_classes: int,
    small: bool = False,
) -> Fitted:
    """Fit one model; a failure becomes ``Fitted.error`` instead of an exception.

    ``small`` (every training set under :data:`SMALL_ROWS` rows) picks the regularised
    boosting settings; it is decided once per run so every training set gets the same model.
    The linear model trains on at most :data:`LINEAR_ROWS` rows (a seeded sample): its few
    coefficients are settled long before, and each L-BFGS step costs a pass over every row.
    """
    if model == "linear":
        est = _linear(task, cat_mask, seed)
        if len(y) > LINEAR_ROWS:
            rows = np.random.default_rng(seed).choice(len(y), size=LINEAR_ROWS, replace=False)
            X, y = X[np.sort(rows)], y[np.sort(rows)]
    else:
        est = _boosting(task, cat_mask, seed, small)
    k = n_classes if task == "classification" else 0
    try:
        with warnings.catch_warnings():
            # Not converging fully is expected on noisy synthetic data; the scores show it.
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y)
    except (ValueError, np.linalg.LinAlgError) as exc:
        return Fitted(None, len(y), k, error=f"the {model} model could not be trained: {exc}")
    return Fitted(est, len(y), k)


def class_metrics(
    y: np.ndarray, proba: np.ndarray, primary: Primary | None = None
) -> dict[str, Any]:
    """Accuracy, macro F1, ROC AUC (one-vs-rest macro), per-class recall, and the average
    precision of ``primary.positive`` when that is the primary metric.

    Averages run over the classes present in ``y`` (the real test rows), so a class that the
    model never predicts counts with F1 0 and recall 0. ``recall`` maps class index to recall.
    ROC AUC and average precision come from :class:`~metrics.utility_skill.Scorer`, the code
    the bootstrap runs, so the point estimate is the bootstrap's value at unit weights.
    """
    pred = proba.argmax(axis=1)
    present = np.unique(y)
    f1, recall = _f1_recall(y, pred, present)
    auc = Scorer(Primary("roc_auc"), y, proba).point() if len(present) >= 2 else float("nan")
    out = {
        "accuracy": float(np.mean(pred == y)),
        "f1_macro": f1,
        "roc_auc": auc,
        "recall": recall,
    }
    if primary is not None and primary.name == "average_precision":
        out["average_precision"] = Scorer(primary, y, proba).point()
    return out


def _f1_recall(y: np.ndarray, pred: np.ndarray, present: np.ndarray) -> tuple[float, dict]:
    """Macro F1 over ``present`` classes (sklearn's ``f1_score(labels=present)``) and recalls."""
    f1s, recall = [], {}
    for c in present:
        truth, guess = y == c, pred == c
        tp = int(np.count_nonzero(truth & guess))
        fp = int(np.count_nonzero(~truth & guess))
        fn = int(np.count_nonzero(truth & ~guess))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
        recall[int(c)] = tp / (tp + fn)
    return float(np.mean(f1s)), recall


def regression_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    """R2 (``1 - SSE/SST``, may be negative; NaN for a constant target) and mean absolute
    error."""
    r2 = Scorer(Primary("r2"), y, pred).point() if len(y) else float("nan")
    return {"r2": r2, "mae": float(np.mean(np.abs(y - pred)))}


def metrics_of(
    task: Task, y: np.ndarray, out: np.ndarray, primary: Primary | None = None
) -> dict[str, Any]:
    """The task's metrics from :meth:`Fitted.predict` output."""
    if task == "classification":
        return class_metrics(y, out, primary)
    return regression_metrics(y, out)


def primary_value(primary: str, metrics: dict[str, Any]) -> float:
    """The value of the metric named ``primary`` (NaN when it was not measured)."""
    return float(metrics.get(primary, float("nan")))


def importance_score(task: Task):  # noqa: ANN201 - a scorer for permutation_drops
    """``score(y, Fitted.predict output)`` that permutation importances measure drops of:
    macro F1 or R2, the scores whose near-perfect values :func:`easy_target_findings`
    (:mod:`metrics.utility_words`) reads as a trivially predictable target."""
    if task == "classification":
        return lambda y, out: _f1_recall(y, out.argmax(axis=1), np.unique(y))[0]
    return lambda y, out: regression_metrics(y, out)["r2"]


def fit_all(
    task: Task,
    X: dict[str, np.ndarray],
    y: dict[str, np.ndarray],
    cat_mask: np.ndarray,
    seed: int,
    n_classes: int,
    progress: Progress,
) -> dict[str, dict[str, Fitted]]:
    """Every model on every training set: TRTR (real), TSTR (synthetic), augmented (both)."""
    runs: dict[str, dict[str, Fitted]] = {m: {} for m in MODELS}
    small = max(len(y["real"]), len(y["synthetic"])) < SMALL_ROWS
    train_sets = {"trtr": ("real",), "tstr": ("synthetic",), "augmented": ("real", "synthetic")}
    total = len(MODELS) * len(SETTINGS)
    for i, (model, setting) in enumerate((m, s) for m in MODELS for s in SETTINGS):
        parts = train_sets[setting]
        progress(i / total, f"Utility: training the {model} model ({setting.upper()})")
        runs[model][setting] = fit_model(
            model,
            task,
            np.vstack([X[p] for p in parts]),
            np.concatenate([y[p] for p in parts]),
            cat_mask,
            seed,
            n_classes,
            small,
        )
    return runs


def importances(
    task: Task,
    fits: dict[str, Fitted],
    X: np.ndarray,
    y: np.ndarray,
    used: list[str],
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Permutation importances on the holdout for TRTR and TSTR, and their Spearman agreement."""
    out: dict[str, Any] = {}
    for setting in ("trtr", "tstr"):
        fit = fits[setting]
        if fit.error is None:
            drops = permutation_drops(
                fit.predict, X, y, importance_score(task), rng, IMPORTANCE_ROWS
            )
            out[setting] = dict(zip(used, drops.tolist(), strict=True))
    out["spearman"] = float("nan")
    if "trtr" in out and "tstr" in out and len(used) >= 2:
        a, b = np.array(list(out["trtr"].values())), np.array(list(out["tstr"].values()))
        if np.ptp(a) > 0 and np.ptp(b) > 0:
            out["spearman"] = float(spearmanr(a, b).statistic)
    return out
