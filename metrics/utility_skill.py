"""Skill beyond guessing: the primary metric of :mod:`metrics.utility`, its no-skill value and
its bootstrap over the real test rows.

Primary metric
--------------
- classification: ROC AUC (one-vs-rest, macro over the classes present in the real test rows);
  for a two-class target whose rarer class is under :data:`RARE_SHARE` of the real test rows,
  the average precision of that rarer class instead: with few positives, ROC AUC stays high
  while most of what a model flags is wrong, and average precision shows it;
- regression: R2.

No-skill value ``B``: 0.5 for ROC AUC (ranking rows at random), the share of the positive class
for average precision (what a random ranking scores), 0 for R2 (predicting the mean). Macro F1
is reported beside the primary metric with its own no-skill value, the macro F1 of always
predicting the class that gives the best one (:func:`constant_f1`).

Bootstrap
---------
The real test rows are resampled with replacement; each resample is a vector of counts that
re-weights the rows' fixed predictions (no model is refitted), and every model and training set
is scored on the same resample, so TSTR and TRTR move together as they should in the ratio.
Weighted metrics with unit weights are the point estimates, so both come from one code path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from metrics.encode import parallel_map
from metrics.uncertainty import percentile_interval

RARE_SHARE = 0.10  # a two-class target rarer than this (real test rows) is scored by AP
BOOT_CHUNK = 25  # resamples per block: bounds the (block x test rows) weight matrices
# Sorted passes the bootstrap may make: a full ``n_boot`` up to this many (curves x test rows)
# per prediction, as for a four-class target on 50,000 test rows; beyond it (many classes)
# fewer resamples, never under MIN_BOOT, so the cost stays bounded and is stated.
BOOT_CELLS = 200_000
MIN_BOOT = 50
LABELS = {"roc_auc": "ROC AUC", "average_precision": "average precision", "r2": "R2"}


@dataclass(frozen=True)
class Primary:
    """The metric the utility score is built on; ``positive`` is the class index that average
    precision scores (None for the other metrics)."""

    name: str
    positive: int | None = None

    def words(self, classes: list[str]) -> str:
        """``"ROC AUC"``, ``"average precision of 'yes'"`` or ``"R2"``."""
        if self.positive is not None:
            return f"{LABELS[self.name]} of '{classes[self.positive]}'"
        return LABELS[self.name]


def choose_primary(task: str, y_test: np.ndarray, n_classes: int) -> Primary:
    """R2 for regression; average precision of the rare class of a two-class target whose rarer
    class is under :data:`RARE_SHARE` of the real test rows; ROC AUC otherwise."""
    if task == "regression":
        return Primary("r2")
    counts = np.bincount(y_test, minlength=n_classes)
    present = np.flatnonzero(counts)
    if len(present) == 2:
        shares = counts[present] / counts.sum()
        if shares.min() < RARE_SHARE:
            return Primary("average_precision", int(present[np.argmin(shares)]))
    return Primary("roc_auc")


def baseline_words(primary: Primary, baseline: float, classes: list[str]) -> str:
    """What the no-skill value is, in words."""
    if primary.name == "roc_auc":
        return f"{baseline:.2f}, ranking rows at random"
    if primary.name == "average_precision":
        return (
            f"{baseline:.3f}, the share of '{classes[int(primary.positive or 0)]}' "
            "among the real test rows"
        )
    return "0, predicting the mean for every row"


def constant_f1(y: np.ndarray) -> float:
    """Macro F1 of the best constant predictor: always predicting class ``c`` gives F1
    ``2 p / (1 + p)`` for ``c`` (``p`` its share) and 0 for the other present classes."""
    counts = np.bincount(y)
    shares = counts[counts > 0] / len(y)
    return float(np.max(2 * shares / (1 + shares)) / len(shares))


class _Ranked:
    """One score vector sorted once, scored under any number of row weightings.

    Rows with equal scores form one group: ties count half in ROC AUC (Mann-Whitney) and enter
    average precision at one threshold (scikit-learn's definitions). A weighting needs only
    cumulative sums of the positive and of the negative rows' weights in score order, read at
    each positive row's group bounds: a few passes over the rows, no sort.
    """

    def __init__(self, positive: np.ndarray, score: np.ndarray) -> None:
        order = np.argsort(score, kind="stable")
        s = score[order]
        is_pos = positive[order].astype(bool)
        new_group = np.r_[True, s[1:] != s[:-1]]
        first = np.flatnonzero(new_group)
        group_of = (np.cumsum(new_group) - 1)[is_pos]
        lo, hi = first[group_of], np.r_[first[1:], len(s)][group_of]
        # Negatives (positives) among the first k sorted rows, for k = 0..n.
        neg_before = np.r_[0, np.cumsum(~is_pos)]
        pos_before = np.r_[0, np.cumsum(is_pos)]
        self.pos_rows, self.neg_rows = order[is_pos], order[~is_pos]
        self.n_rows = len(s)
        self.neg_lo, self.neg_hi, self.pos_lo = neg_before[lo], neg_before[hi], pos_before[lo]

    def _sums(self, W: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The positives' counts, and cumulative counts of positives and of negatives in score
        order (each with a leading 0). Counts are whole numbers, so the sums are exact."""
        acc = np.int32 if W.shape[1] * 255 < 2**31 else np.int64
        w_pos = np.take(W, self.pos_rows, axis=1)
        cum_pos = np.zeros((len(W), len(self.pos_rows) + 1), dtype=acc)
        cum_neg = np.zeros((len(W), len(self.neg_rows) + 1), dtype=acc)
        np.cumsum(w_pos, axis=1, dtype=acc, out=cum_pos[:, 1:])
        np.cumsum(np.take(W, self.neg_rows, axis=1), axis=1, dtype=acc, out=cum_neg[:, 1:])
        return w_pos, cum_pos, cum_neg

    def auc(self, W: np.ndarray) -> np.ndarray:
        w_pos, cum_pos, cum_neg = self._sums(W)
        # A positive beats the negatives below its group and ties with half of those in it:
        # twice the Mann-Whitney count, in whole numbers.
        beaten = cum_neg[:, self.neg_lo]
        beaten += cum_neg[:, self.neg_hi]
        beaten *= w_pos
        num = 0.5 * beaten.sum(axis=1, dtype=np.int64).astype(np.float64)
        pairs = cum_pos[:, -1].astype(np.float64) * cum_neg[:, -1]
        return np.divide(num, pairs, out=np.full(len(W), np.nan), where=pairs > 0)

    def average_precision(self, W: np.ndarray) -> np.ndarray:
        w_pos, cum_pos, cum_neg = self._sums(W)
        # Rows scored at or above a positive's group: every row minus those below the group.
        hits = cum_pos[:, -1:] - cum_pos[:, self.pos_lo]
        flagged = hits + (cum_neg[:, -1:] - cum_neg[:, self.neg_lo])
        precision = np.divide(hits, flagged, out=np.zeros(hits.shape), where=flagged > 0)
        n_pos = cum_pos[:, -1].astype(np.float64)
        num = (w_pos * precision).sum(axis=1)
        return np.divide(num, n_pos, out=np.full(len(W), np.nan), where=n_pos > 0)


class Scorer:
    """The primary metric of one model's predictions on the real test rows, under row counts
    (a bootstrap resample: each row's whole-number count, ``uint8`` or another integer type).

    ``out`` is :meth:`~metrics.utility_models.Fitted.predict` output: class probabilities
    ``(n, K)`` or predicted values ``(n,)``; ``y`` the real test labels or values.
    """

    def __init__(self, primary: Primary, y: np.ndarray, out: np.ndarray) -> None:
        self.primary = primary
        if primary.name == "r2":
            centred = y - y.mean()  # the same SST, without cancellation on large values
            self.y1, self.y2, self.sq_err = centred, centred**2, (y - out) ** 2
            return
        if primary.name == "average_precision":
            positive = int(primary.positive or 0)
            self.ranked = [_Ranked(y == positive, out[:, positive])]
            return
        present = np.unique(y)
        # Two classes: one curve says it all (the other class's is its mirror).
        classes = present[1:] if len(present) == 2 else present
        self.ranked = [_Ranked(y == c, out[:, c]) for c in classes]

    @property
    def curves(self) -> int:
        """Sorted passes per weighting (one per class scored; 1 for R2)."""
        return 1 if self.primary.name == "r2" else len(self.ranked)

    def __call__(self, W: np.ndarray) -> np.ndarray:
        """The metric under each row count vector (a row of ``W``); NaN where undefined."""
        if self.primary.name == "r2":
            W = W.astype(np.float64, copy=False)
            total = W.sum(axis=1)
            sst = W @ self.y2 - (W @ self.y1) ** 2 / total
            sse = W @ self.sq_err
            return 1.0 - np.divide(sse, sst, out=np.full(len(W), np.nan), where=sst > 0)
        if self.primary.name == "average_precision":
            return self.ranked[0].average_precision(W)
        return nan_mean(np.stack([r.auc(W) for r in self.ranked]))

    def point(self) -> float:
        """The metric on the real test rows as they are (every weight 1)."""
        n = len(self.y1) if self.primary.name == "r2" else self.ranked[0].n_rows
        return float(self(np.ones((1, n), dtype=np.uint8))[0])


def nan_mean(stack: np.ndarray) -> np.ndarray:
    """Column means over the finite entries of a 2-D array, NaN (silently) where none is."""
    finite = np.isfinite(stack)
    n = finite.sum(axis=0)
    total = np.where(finite, stack, 0.0).sum(axis=0)
    return np.divide(total, n, out=np.full(stack.shape[1], np.nan), where=n > 0)


def baseline_of(primary: Primary, y: np.ndarray, W: np.ndarray) -> np.ndarray:
    """The no-skill value under each row weighting (it moves only for average precision)."""
    if primary.name == "average_precision":
        W = W.astype(np.float64, copy=False)
        return (W @ (y == primary.positive).astype(np.float64)) / W.sum(axis=1)
    return np.full(len(W), 0.5 if primary.name == "roc_auc" else 0.0)


def resamples(n_boot: int, curves: int, n_rows: int) -> int:
    """Resamples to draw: ``n_boot``, fewer when ``curves x n_rows`` exceeds
    :data:`BOOT_CELLS` (in proportion), never under :data:`MIN_BOOT` (or ``n_boot``)."""
    scaled = n_boot * BOOT_CELLS // max(curves * n_rows, 1)
    return int(min(n_boot, max(scaled, MIN_BOOT)))


def resample_weights(gen: np.random.Generator, n: int, n_boot: int) -> Iterator[np.ndarray]:
    """Bootstrap resamples of ``n`` rows as count vectors, :data:`BOOT_CHUNK` at a time."""
    for start in range(0, n_boot, BOOT_CHUNK):
        b = min(BOOT_CHUNK, n_boot - start)
        picks = gen.integers(0, n, size=(b, n)) + (np.arange(b) * n)[:, None]
        counts = np.bincount(picks.ravel(), minlength=b * n).reshape(b, n)
        # A row drawn more than 255 times in one resample needs n in the thousands and
        # odds below 1e-400; the check keeps the counts exact anyway.
        yield counts.astype(np.uint8 if counts.max() <= 255 else np.int32)


def _apply(scorer: Scorer, W: np.ndarray) -> np.ndarray:
    return scorer(W)


def bootstrap(
    scorers: dict[str, Scorer],
    primary: Primary,
    y: np.ndarray,
    gen: np.random.Generator,
    n_boot: int,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """``n_boot`` resamples of the test rows: each scorer's metric and the no-skill value.

    The resamples are drawn in this thread, in order; the scorers (pure functions of a
    resample) run on :func:`~metrics.encode.parallel_map`'s threads, so results do not depend
    on the number of threads."""
    parts: dict[str, list[np.ndarray]] = {k: [] for k in scorers}
    base: list[np.ndarray] = []
    for W in resample_weights(gen, len(y), n_boot):
        scored = parallel_map(partial(_apply, W=W), scorers.values())
        for key, values in zip(scorers, scored, strict=True):
            parts[key].append(values)
        base.append(baseline_of(primary, y, W))
    return {k: np.concatenate(v) for k, v in parts.items()}, np.concatenate(base)


def relative(tstr: np.ndarray, trtr: np.ndarray, base: np.ndarray) -> np.ndarray:
    """``clip((TSTR - B) / (TRTR - B), 0, 1)``; NaN where TRTR does not beat B (undefined)."""
    skill = trtr - base
    ratio = np.divide(tstr - base, skill, out=np.full(skill.shape, np.nan), where=skill > 0)
    return np.clip(ratio, 0.0, 1.0)


def beats_baseline(
    trtr: np.ndarray, base: np.ndarray, confidence: float
) -> tuple[bool, tuple[float, float] | None]:
    """Whether TRTR beats the no-skill value by more than its uncertainty (the lower bound of
    the bootstrap interval of ``TRTR - B`` is above 0), and the interval of TRTR itself."""
    gap = percentile_interval(trtr - base, confidence)
    return (gap is not None and gap[0] > 0), percentile_interval(trtr, confidence)


@dataclass(frozen=True)
class Measured:
    """The utility score and everything it rests on, from :func:`measure`.

    ``per_model`` maps model -> ``tstr``/``trtr`` point values, their intervals, ``utility``
    (the model's own ratio) and ``measurable`` (its TRTR beats ``baseline`` beyond the
    uncertainty). ``counted`` lists the measurable models, whose mean ratio is ``score``;
    ``tstr``/``trtr`` are the primary metric averaged over the counted models (over every
    scored model when none counts), with their intervals; ``n_boot`` the resamples drawn.
    """

    score: float
    interval: tuple[float, float] | None
    baseline: float
    counted: list[str]
    per_model: dict[str, dict]
    tstr: float
    trtr: float
    tstr_interval: tuple[float, float] | None
    trtr_interval: tuple[float, float] | None
    n_boot: int

    @property
    def measurable(self) -> bool:
        return bool(self.counted)


# long: one pass that pairs point values with their bootstrap samples, model by model
def measure(
    primary: Primary,
    y: np.ndarray,
    outs: dict[str, dict[str, np.ndarray]],
    gen: np.random.Generator,
    n_boot: int,
    confidence: float,
) -> Measured:
    """Score every model's TSTR against its TRTR relative to no skill, with intervals.

    Parameters
    ----------
    primary:
        The metric (:func:`choose_primary`).
    y:
        The real test labels (class indices) or values.
    outs:
        Model -> ``"trtr"``/``"tstr"`` -> its predictions on the real test rows (only models
        with both).
    gen:
        The seeded generator of the bootstrap.
    n_boot, confidence:
        Resamples and level of the intervals.
    """
    scorers = {
        f"{m}|{s}": Scorer(primary, y, out) for m, per in outs.items() for s, out in per.items()
    }
    n_boot = resamples(n_boot, max(s.curves for s in scorers.values()), len(y))
    samples, base = bootstrap(scorers, primary, y, gen, n_boot)
    point = {k: s.point() for k, s in scorers.items()}
    b = float(baseline_of(primary, y, np.ones((1, len(y)), dtype=np.uint8))[0])
    per_model: dict[str, dict] = {}
    ratios: dict[str, np.ndarray] = {}
    for m in outs:
        tstr, trtr = point[f"{m}|tstr"], point[f"{m}|trtr"]
        ok, trtr_iv = beats_baseline(samples[f"{m}|trtr"], base, confidence)
        ok = ok and trtr > b
        per_model[m] = {
            "tstr": tstr,
            "trtr": trtr,
            "tstr_interval": percentile_interval(samples[f"{m}|tstr"], confidence),
            "trtr_interval": trtr_iv,
            "utility": float(relative(np.array([tstr]), np.array([trtr]), np.array([b]))[0]),
            "measurable": ok,
        }
        if ok:
            ratios[m] = relative(samples[f"{m}|tstr"], samples[f"{m}|trtr"], base)
    counted = list(ratios)
    used = counted or list(outs)
    if counted:
        score = float(np.mean([per_model[m]["utility"] for m in counted]))
        interval = percentile_interval(nan_mean(np.stack(list(ratios.values()))), confidence)
    else:
        score, interval = float("nan"), None
    side = {s: nan_mean(np.stack([samples[f"{m}|{s}"] for m in used])) for s in ("tstr", "trtr")}
    return Measured(
        score=score,
        interval=interval,
        baseline=b,
        counted=counted,
        per_model=per_model,
        tstr=float(np.mean([point[f"{m}|tstr"] for m in used])),
        trtr=float(np.mean([point[f"{m}|trtr"] for m in used])),
        tstr_interval=percentile_interval(side["tstr"], confidence),
        trtr_interval=percentile_interval(side["trtr"], confidence),
        n_boot=n_boot,
    )


def model_extra(m: Measured, model: str) -> dict[str, Any]:
    """A model's own utility ratio, whether it counts, and its TSTR and TRTR intervals."""
    per = m.per_model.get(model)
    if per is None:
        return {"score": float("nan"), "measurable": False}
    return {
        "score": per["utility"],
        "measurable": per["measurable"],
        "tstr_interval": per["tstr_interval"],
        "trtr_interval": per["trtr_interval"],
    }


def f1_beside(
    task: str, models: dict[str, dict[str, Any]], m: Measured, y_test: np.ndarray
) -> dict[str, float]:
    """Macro F1 relative to the best constant predictor, reported beside the primary metric."""
    if task != "classification":
        return {}
    used = m.counted or list(m.per_model)
    base = constant_f1(y_test)
    tstr = float(np.mean([models[k]["tstr"]["f1_macro"] for k in used]))
    trtr = float(np.mean([models[k]["trtr"]["f1_macro"] for k in used]))
    util = relative(np.array([tstr]), np.array([trtr]), np.array([base]))[0]
    return {"baseline": base, "tstr": tstr, "trtr": trtr, "utility": float(util)}
