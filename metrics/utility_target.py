"""The target column of :mod:`metrics.utility` and what is said about it.

Which column to predict, whether that is classification or regression, the target as labels
shared by every side, the real train/test split when no holdout was uploaded, the checks that
turn a target nothing can be learned from into a plain-words error, and the finding on lost
classes. The other findings and sentences of a finished comparison are in
:mod:`metrics.utility_words`.
"""

from __future__ import annotations

import re

import numpy as np
from sklearn.model_selection import train_test_split

from metrics.encode import MISSING, Encoded
from metrics.options import Options
from metrics.results import Finding, Severity
from metrics.schema import Kind
from metrics.utility_models import Task

NAME = "utility"
MIN_TRAIN = 20  # rows with a target value, per training side
MIN_TEST = 10
HOLDOUT_SHARE = 0.25
FEW_LEVELS = 10  # a numeric target with at most this many whole values is a class label
MAX_TARGET_LEVELS = 50  # a categorical column with more levels is not offered as default target
MEDIUM_DROP, LOW_DROP = 0.8, 0.9  # utility verdict words: fit from 0.9, with care from 0.8
TARGET_WORDS = frozenset(
    {
        "target",
        "label",
        "labels",
        "class",
        "outcome",
        "y",
        "churn",
        "churned",
        "placed",
        "survived",
        "fraud",
        "default",
        "response",
        "diagnosis",
    }
)


def _tokens(name: str) -> set[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return {t for t in re.split(r"[^a-z0-9]+", spaced.lower()) if t}


def default_target(enc: Encoded) -> str | None:
    """A sensible target column to offer, or None.

    In order: a categorical or boolean column with 2 to :data:`MAX_TARGET_LEVELS` real levels
    named like a label (target, label, class, outcome, y, churn, placed, ...); a numerical column
    so named; the last categorical or boolean column with 2 to :data:`MAX_TARGET_LEVELS` levels.
    """
    discrete = [c for c in enc.discrete if 2 <= enc.n_real_levels.get(c, 0) <= MAX_TARGET_LEVELS]
    named = [c for c in discrete if _tokens(c) & TARGET_WORDS]
    if named:
        return named[0]
    numeric = [c for c in enc.schema.names(Kind.NUMERICAL) if _tokens(c) & TARGET_WORDS]
    if numeric:
        return numeric[0]
    return discrete[-1] if discrete else None


def task_of(enc: Encoded, target: str) -> Task:
    """``"classification"`` for categorical/boolean targets and numbers with few whole levels,
    else ``"regression"``."""
    if enc.schema.kind_of(target) in (Kind.CATEGORICAL, Kind.BOOLEAN):
        return "classification"
    values = enc.real.numeric[target]
    levels = np.unique(values[np.isfinite(values)])
    if len(levels) <= FEW_LEVELS and np.all(np.mod(levels, 1) == 0):
        return "classification"
    return "regression"


class UtilityProblem(Exception):
    """A user-caused reason why utility cannot be measured; its text becomes the error."""

    def __init__(self, message: str, findings: list[Finding] | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


def choose_target(enc: Encoded, options: Options) -> str:
    target = options.target or default_target(enc)
    if target is None:
        raise UtilityProblem(
            "No target column was chosen and none looks like a label; choose the "
            "column a model should predict to measure utility."
        )
    if target in enc.schema.only_real:
        msg = (
            f"The target column '{target}' is missing from the synthetic data, so no model "
            "can be trained on it."
        )
        raise UtilityProblem(
            msg, [Finding("target_missing", "high", (target,), msg, NAME, score=0.0)]
        )
    if target not in enc.schema.names():
        raise UtilityProblem(f"The target column '{target}' is not in the data.")
    if enc.schema.kind_of(target) not in (Kind.NUMERICAL, Kind.CATEGORICAL, Kind.BOOLEAN):
        raise UtilityProblem(
            f"The target column '{target}' is a {enc.schema.kind_of(target).value} "
            "column; choose a numerical, categorical or boolean one."
        )
    return target


def target_labels(enc: Encoded, target: str, task: Task) -> tuple[dict[str, np.ndarray], list[str]]:
    """Per side: the target as class indices (-1 missing) or floats (NaN missing); class names."""
    sides = {name: side for name, side in enc.sides()}
    if task == "regression":
        return {n: s.numeric[target] for n, s in sides.items()}, []
    if enc.schema.kind_of(target) in (Kind.CATEGORICAL, Kind.BOOLEAN):
        return (
            {n: s.codes[target].astype(np.int64) for n, s in sides.items()},
            list(enc.categories[target]),
        )
    values = {n: s.numeric[target] for n, s in sides.items()}
    levels = np.unique(np.concatenate([v[np.isfinite(v)] for v in values.values()]))
    out = {}
    for n, v in values.items():
        idx = np.full(len(v), MISSING, dtype=np.int64)
        ok = np.isfinite(v)
        idx[ok] = np.searchsorted(levels, v[ok])
        out[n] = idx
    return out, [f"{x:g}" for x in levels]


def has_value(y: np.ndarray) -> np.ndarray:
    return np.isfinite(y) if y.dtype.kind == "f" else y != MISSING


def cap_rows(rows: np.ndarray, cap: int, rng: np.random.Generator) -> np.ndarray:
    return rows if len(rows) <= cap else np.sort(rng.choice(rows, size=cap, replace=False))


def split_real(y: np.ndarray, task: Task, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and test rows of the real data (stratified when every class has two rows)."""
    rows = np.flatnonzero(has_value(y))
    strat = None
    if task == "classification":
        counts = np.bincount(y[rows])
        if counts[counts > 0].min() >= 2:
            strat = y[rows]
    train, test = train_test_split(rows, test_size=HOLDOUT_SHARE, random_state=seed, stratify=strat)
    return np.sort(train), np.sort(test)


def check_sizes(target: str, n_train: int, n_test: int, n_syn: int, n_syn_rows: int) -> None:
    if n_syn == 0 and n_syn_rows > 0:
        msg = (
            f"The target column '{target}' is empty in every synthetic row, so no model can "
            "be trained on the synthetic data."
        )
        raise UtilityProblem(
            msg, [Finding("target_missing", "high", (target,), msg, NAME, score=0.0)]
        )
    for what, n, need in (
        ("real training", n_train, MIN_TRAIN),
        ("real holdout", n_test, MIN_TEST),
        ("synthetic", n_syn, MIN_TRAIN),
    ):
        if n < need:
            raise UtilityProblem(
                f"Utility needs at least {need} {what} rows with a value of "
                f"'{target}'; there are {n}."
            )


def check_target(
    target: str, task: Task, y: dict[str, np.ndarray], classes: list[str]
) -> list[Finding]:
    """Errors for targets nothing can be learned from; findings for classes lost or invented."""
    if task == "regression":
        if np.nanstd(y["real"]) == 0:
            raise UtilityProblem(
                f"The target '{target}' is constant in the real data; there is nothing to predict."
            )
        return []
    real, syn = set(np.unique(y["real"])), set(np.unique(y["synthetic"]))
    if len(real) < 2:
        raise UtilityProblem(
            f"The target '{target}' has a single value in the real data "
            f"('{classes[next(iter(real))]}'); there is nothing to predict."
        )
    if len(syn) < 2:
        msg = (
            f"The target '{target}' has a single value in the synthetic data "
            f"('{classes[next(iter(syn))]}'), so a model trained on it cannot tell classes "
            "apart."
        )
        raise UtilityProblem(msg, [Finding("lost_class", "high", (target,), msg, NAME, score=0.0)])
    findings = []
    only_syn = sorted(syn - real)
    if only_syn:
        names = ", ".join(f"'{classes[c]}'" for c in only_syn)
        findings.append(
            Finding(
                "invented_class",
                "low",
                (target,),
                f"The synthetic data has values {names} of the target '{target}' that the real "
                "training rows never have.",
                NAME,
            )
        )
    return findings


def lost_class_findings(
    target: str,
    classes: list[str],
    y: dict[str, np.ndarray],
    recall: dict[str, dict[str, dict[str, float]]],
) -> list[Finding]:
    """One finding for the real classes that models trained on synthetic data never recognise."""
    syn = set(np.unique(y["synthetic"]).tolist())
    absent, unseen = [], []
    for c in np.unique(y["test"]).tolist():
        name = classes[c]
        tstr = [r["tstr"][name] for r in recall.values() if "tstr" in r]
        trtr = [r["trtr"][name] for r in recall.values() if "trtr" in r]
        if c not in syn:
            absent.append(name)
        elif tstr and max(tstr) == 0 and trtr and max(trtr) > 0:
            unseen.append(f"'{name}' (recall 0 against {max(trtr):.2f} when trained on real)")
    if not absent and not unseen:
        return []
    parts = []
    if absent:
        share = {n: float(np.mean(y["test"] == classes.index(n))) for n in absent}
        parts.append(
            "never appear in the synthetic data: "
            + ", ".join(f"'{n}' ({share[n]:.1%} of real holdout rows)" for n in absent)
        )
    if unseen:
        parts.append("are never recognised by models trained on it: " + ", ".join(unseen))
    severity: Severity = "high" if absent else "medium"
    return [
        Finding(
            "lost_class",
            severity,
            (target,),
            f"Classes of the target '{target}' " + "; others ".join(parts) + ".",
            NAME,
            score=0.0,
        )
    ]
