"""Row flags, reason ``obviously_synthetic``: rows a real-vs-synthetic classifier is sure about.

The detection metric's out-of-fold probabilities come from one seed, and they are noisy: between
two seeds the probability of the same row moved by 0.15 (standard deviation, 20,000 rows of
``bench/synth_table.py``), on the demo 10% of the *real* rows got at least :data:`PROBA_LEVEL`,
and two seeds agreed on 7% of the rows they flagged there (66% on the bench table). Flagging those
rows one by one hands a reviewer rows that another seed would not flag. So:

- When the classifier separates nearly every row (``DetectionInfo.separates_all``, an AUC of at
  least :data:`SEPARATES_ALL`), or when more than :data:`ONE_BY_ONE_SHARE` of the rows it scored
  reach the level, the difference is one of the columns, not of single rows: no row is flagged
  for this reason, and one note and one finding say so once.
- Otherwise (a few rows stand out, as planted impossible rows do) each candidate is re-checked by
  :data:`REFITS` seeded refits of the same kind of classifier on the same rows (cross-fitted in
  :data:`FOLDS` folds, so each candidate is scored by a model that never saw it; each model capped
  at :data:`REFIT_ROWS` rows per side, so the cost is fixed however large the data; from ten
  times that many rows one model per refit, whose own training rows get no vote from it). A refit
  flags a candidate it gives at least :data:`PROBA_LEVEL`, or ranks among its surest
  :data:`ONE_BY_ONE_SHARE` of the unseen synthetic rows (a small model is less sure than the
  detection run's). The detection run counts as run 0; a row is kept when at least
  :data:`~metrics.flags_kinds.STABLE_SHARE` of the runs flag it.

Refits for every row the detection run is sure about, however many, were measured and rejected:
with the bench table's spread-out difference (26% of the rows at the level), two refits of capped
models lowered the agreement between seeds (0.66 to 0.57) while adding seconds. A seeded
bootstrap of the level was rejected too: the level is fixed, and a bootstrap cannot see the
noise of the model itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from metrics.encode import Encoded
from metrics.features import FeatureSpace, feature_columns, model_threads
from metrics.flags_kinds import OBVIOUSLY_SYNTHETIC, Events, kept, runs_text
from metrics.uncertainty import rng

PROBA_LEVEL = 0.9
SEPARATES_ALL = 0.99  # the AUC from which detection tells nearly every row apart
ONE_BY_ONE_SHARE = 0.05  # above this share of scored rows at the level, say it once
REFITS = 2  # seeded refits besides the detection run
FOLDS = 3
REFIT_ROWS = 5_000  # rows per side per refit model
REFIT_ITERATIONS = 20
REFIT_LEAVES = 15  # half sklearn's default: cheap, and a few odd rows still get their own leaf
MIN_FOLD_ROWS = 10  # per side and fold; fewer and a refit says nothing


@dataclass(frozen=True)
class Obvious:
    """What the check did: the runs a row could get, how many rows some runs flagged but too few,
    and, when rows were not flagged one by one, whether the classifier separates nearly
    everything and the sentence that says it once ("" when rows were flagged one by one)."""

    runs: int = 0
    unstable: int = 0
    separates_all: bool = False
    once: str = ""


def separates_all(detection_info: object) -> bool:
    """Whether the detection result says its classifier tells nearly every row apart.

    Reads ``DetectionInfo.separates_all`` when the detection module provides it, else compares
    the AUC it carries with :data:`SEPARATES_ALL`.
    """
    flag = getattr(detection_info, "separates_all", None)
    if flag is not None:
        return bool(flag)
    auc = getattr(detection_info, "auc", None)
    return auc is not None and bool(np.isfinite(auc)) and auc >= SEPARATES_ALL


def _model(n_train: int, seed: int, cat: np.ndarray) -> HistGradientBoostingClassifier:
    # The detection classifier's settings (small leaves on small data, so a handful of
    # impossible rows can form their own region), with fewer, smaller trees and a fixed number
    # of rounds: a refit confirms rows the detection run was sure about, at a fixed small cost.
    return HistGradientBoostingClassifier(
        max_iter=REFIT_ITERATIONS,
        max_leaf_nodes=REFIT_LEAVES,
        learning_rate=0.3,
        min_samples_leaf=int(min(20, max(5, n_train // 100))),
        early_stopping=False,
        random_state=seed,
        categorical_features=cat if cat.any() else None,
    )


def _refit(
    enc: Encoded, space: FeatureSpace, scope: np.ndarray, rows: np.ndarray, seed: int, k: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """One seeded cross-fitted refit of ``rows`` (a subset of ``scope``): each row's probability
    of being synthetic from a model that did not train on it, and whether that model flags it;
    None when there are too few rows for a refit to say anything."""
    gen = rng(seed, "obviously_synthetic", k)
    syn_fold = np.empty(enc.synthetic.n_rows, dtype=np.int64)
    tested: tuple[int, ...]
    if min(enc.real.n_rows, len(scope) // 10) >= REFIT_ROWS:
        # Large data: one capped model, trained on a seeded draw of the rows (fold 1), scores
        # the rest (fold 0); the few candidates it trained on get no vote from this refit.
        tested, real_fold = (0,), np.ones(enc.real.n_rows, dtype=np.int64)
        syn_fold[scope] = 0
        syn_fold[gen.choice(scope, REFIT_ROWS, replace=False)] = 1
    else:
        tested, real_fold = tuple(range(FOLDS)), gen.permutation(enc.real.n_rows) % FOLDS
        syn_fold[scope] = gen.permutation(len(scope)) % FOLDS
    proba, flags = np.full(len(rows), np.nan), np.zeros(len(rows), dtype=bool)
    for f in tested:
        real = np.flatnonzero(real_fold != f)
        syn = scope[syn_fold[scope] != f]
        m = min(len(real), len(syn), REFIT_ROWS)
        if m < MIN_FOLD_ROWS:
            return None
        test = syn_fold[rows] == f
        if not test.any():
            continue
        real, syn = gen.choice(real, m, replace=False), gen.choice(syn, m, replace=False)
        X = np.vstack(
            [space.matrix(enc.real, np.sort(real)), space.matrix(enc.synthetic, np.sort(syn))]
        )
        y = np.r_[np.zeros(m, np.int8), np.ones(m, np.int8)]
        model = _model(2 * m, int(gen.integers(2**31 - 1)), space.categorical)
        held = scope[syn_fold[scope] == f]
        ref = np.sort(gen.choice(held, min(len(held), REFIT_ROWS), replace=False))
        with threadpool_limits(limits=model_threads(2 * m), user_api="openmp"):
            model.fit(X, y)
            p = model.predict_proba(space.matrix(enc.synthetic, rows[test]))[:, 1]
            p_ref = model.predict_proba(space.matrix(enc.synthetic, ref))[:, 1]
        # A capped model is less sure than the detection run's: it flags a row it gives the
        # level, or one it ranks among its surest ONE_BY_ONE_SHARE of unseen synthetic rows.
        level = min(PROBA_LEVEL, float(np.quantile(p_ref, 1.0 - ONE_BY_ONE_SHARE)))
        proba[test], flags[test] = p, p >= level
    return proba, flags


def flag_obvious(
    enc: Encoded, seed: int, proba: np.ndarray, separates: bool, ev: Events, notes: list[str]
) -> Obvious:
    """Flag the rows most seeded runs give at least :data:`PROBA_LEVEL`; what the check did.

    ``proba`` holds the detection run's probability per synthetic row (NaN where it did not
    score the row); ``separates`` whether that classifier separates nearly every row.
    """
    scored = np.isfinite(proba)
    with np.errstate(invalid="ignore"):
        base = scored & (proba >= PROBA_LEVEL)
    n_scored, n_base = int(scored.sum()), int(base.sum())
    once = _once(separates, n_base, n_scored)
    if once:
        notes.append(once)
        return Obvious(separates_all=separates, once=once)
    rows = np.flatnonzero(base)
    hits, runs = np.ones(len(rows), np.int64), np.ones(len(rows), np.int64)
    total, made = proba[rows].copy(), 1
    space = FeatureSpace.build(enc, feature_columns(enc))
    for k in range(1, REFITS + 1 if len(rows) and space.columns else 1):
        refit = _refit(enc, space, np.flatnonzero(scored), rows, seed, k)
        if refit is None:  # too few rows for a refit to say anything: the detection run alone
            break
        p, flags = refit
        made += 1
        ok = np.isfinite(p)
        hits += ok & flags
        runs += ok
        total += np.where(ok, p, 0.0)
    keep = kept(hits, runs)
    mean = total[keep] / runs[keep]
    flagged, hits, runs = rows[keep], hits[keep], runs[keep]
    at = {int(r): i for i, r in enumerate(flagged)}

    def text(r: int) -> str:
        i = at[int(r)]
        return (
            f"a classifier trained to tell real from synthetic rows gives it a {mean[i]:.0%} "
            f"chance of being synthetic (flagged from {PROBA_LEVEL:.0%}; "
            f"{runs_text(int(hits[i]), int(runs[i]))})"
        )

    scores = 0.5 + 0.5 * np.clip((mean - PROBA_LEVEL) / (1 - PROBA_LEVEL), 0.0, 1.0)
    ev.add(OBVIOUSLY_SYNTHETIC, "", flagged, scores, text, hits, runs)
    return Obvious(runs=made, unstable=int(np.count_nonzero(~keep)))


def _once(separates: bool, n_base: int, n_scored: int) -> str:
    """The sentence that replaces flagging rows one by one, or "" to flag them."""
    if separates:
        return (
            "A classifier tells almost every synthetic row from the real ones; rows are not "
            "flagged one by one for it, see the columns that give the synthetic data away."
        )
    if n_scored and n_base > ONE_BY_ONE_SHARE * n_scored:
        return (
            f"A classifier gives {n_base:,} of the {n_scored:,} synthetic rows it scored "
            f"({n_base / n_scored:.0%}) at least a {PROBA_LEVEL:.0%} chance of being synthetic. "
            f"With more than {ONE_BY_ONE_SHARE:.0%} of the rows that sure, the difference lies "
            "in the columns rather than in single rows, so rows are not flagged one by one for "
            "it: see the columns that give the synthetic data away."
        )
    return ""
