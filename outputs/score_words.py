"""A score in words a stakeholder reads: its value with the precision that matters, its interval,
its noise floor, and the verdict they add up to.

The app's score cards and Columns page and the HTML report all say a score the same way:
``Fidelity 0.93 (95% interval 0.90-0.95); an independent real sample scores about 0.97``, and a
score whose interval reaches its floor reads as "as good as an independent real sample" rather
than as a bare number. Pure (no Streamlit); the words are plain text, escaped at their sink.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from metrics import catalogue
from metrics.flags_kinds import FLAG_FAMILY
from metrics.results import Finding, MetricResult
from metrics.suite import FAMILY_LABELS, Assessment
from metrics.uncertainty import beyond_floor, interval_words, severity_beyond
from outputs.words import plural

# What a family's floor is, in words: for utility the reference is a model trained on real rows
# (TRTR), for every other family an independent real sample of the synthetic data's size.
REFERENCE = {"utility": "training on real rows"}
REAL_SAMPLE = "an independent real sample"
AS_GOOD = "as good as"
# Score levels of the verdict words (a score at or above GOOD is "good", at or above FAIR "fair").
GOOD, FAIR = 0.85, 0.7
VERDICT_COLOR = {"good": "green", "fair": "orange", "poor": "red", "not computed": "gray"}
MOST_DIGITS = 4


def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def interval_of(value: Any) -> tuple[float, float] | None:
    """``(low, high)`` from a tuple, a list or a details row's ``low``/``high``; None when
    either end is missing or not a number."""
    if isinstance(value, tuple | list) and len(value) == 2:
        low, high = value
    elif hasattr(value, "get"):
        low, high = value.get("low"), value.get("high")
    else:
        return None
    if not (_finite(low) and _finite(high)):
        return None
    return float(low), float(high)


def floor_of(value: Any) -> float | None:
    """A floor as a float, None when missing or not finite."""
    return float(value) if _finite(value) else None


def digits_for(values: Iterable[Any], interval: tuple[float, float] | None = None) -> int:
    """Decimals that show the difference (2 at least, at most 4): a score below 1 never prints
    as 1.00, one above 0 never as 0.00, and an interval's two ends never print the same."""
    # An interval's ends may print as 1.00 (0.9996 is 1.00 to two decimals and says so
    # honestly); only the values themselves must not round to a perfect or a null score.
    numbers = [float(v) for v in values if _finite(v)]
    for digits in range(2, MOST_DIGITS):
        shown = [round(v, digits) for v in numbers]
        if any((v < 1 <= s) or (v > 0 >= s) for v, s in zip(numbers, shown, strict=True)):
            continue
        if interval is not None and interval[0] != interval[1]:
            if round(interval[0], digits) == round(interval[1], digits):
                continue
        return digits
    return MOST_DIGITS


def score_text(value: Any, digits: int | None = None) -> str:
    """A score with the precision that matters: ``0.93``, ``0.997`` (never ``1.00`` for a score
    that is not 1), ``n/a`` when missing."""
    if not _finite(value):
        return "n/a"
    x = float(value)
    return f"{x:.{digits if digits is not None else digits_for([x])}f}"


def reaches_floor(interval: tuple[float, float] | None, floor: float | None) -> bool:
    """Whether the favourable end of the interval reaches the floor: the score cannot be told
    apart from what an independent real sample scores."""
    beyond = beyond_floor(interval, floor)
    return beyond is not None and beyond <= 0


def score_words(
    value: Any,
    interval: tuple[float, float] | None,
    floor: float | None,
    confidence: float = 0.95,
    reference: str = REAL_SAMPLE,
    short: bool = False,
) -> str:
    """A score with its interval and floor in words.

    ``0.93 (95% interval 0.90-0.95); an independent real sample scores about 0.97``; when the
    interval reaches the floor: ``0.93: as good as an independent real sample (95% interval
    0.90-0.95; a real sample scores about 0.94)``. ``short`` drops the level and says "a real sample"
    (for a per-column line: ``0.91 (0.88-0.94); a real sample scores about 0.95``).
    """
    if not _finite(value):
        return "not computed"
    v = float(value)
    digits = digits_for([v, floor], interval)
    if short:
        ref = reference.replace(REAL_SAMPLE, "a real sample")
        text = score_text(v, digits)
        if interval is not None:
            text += f" ({interval[0]:.{digits}f}-{interval[1]:.{digits}f})"
        if floor is not None:
            text += f"; {ref} scores about {floor:.{digits}f}"
        return text
    if reaches_floor(interval, floor):
        assert interval is not None and floor is not None
        low, high = (f"{x:.{digits}f}" for x in interval)
        ref = reference.replace(REAL_SAMPLE, "a real sample")
        return (
            f"{score_text(v, digits)}: {AS_GOOD} {reference} ({confidence:.0%} interval "
            f"{low}-{high}; {ref} scores about {floor:.{digits}f})"
        )
    text = interval_words(v, interval, None, digits, confidence)
    if floor is not None:
        text += f"; {reference} scores about {floor:.{digits}f}"
    return text


# A score below its floor beyond its interval, in words by the severity of that distance (the
# same severity its finding gets): a 0.89 that an independent real sample beats by 0.1 is not
# "good", whatever the level.
BELOW = {"low": "slightly below a real sample", "medium": "below a real sample",
         "high": "far below a real sample"}  # fmt: skip
BELOW_COLOR = {"low": "blue", "medium": "orange", "high": "red"}


def verdict(
    value: Any, interval: tuple[float, float] | None = None, floor: float | None = None
) -> str:
    """The score in a word or three.

    With an interval and a floor: ``"as good as an independent real sample"`` when the
    interval reaches the floor, else ``"slightly below"``, ``"below"`` or ``"far below a real
    sample"`` by the severity of the distance. Without them: ``"good"``, ``"fair"`` or
    ``"poor"`` by the score's level. ``"not computed"`` for a missing score.
    """
    if not _finite(value):
        return "not computed"
    if reaches_floor(interval, floor):
        return f"{AS_GOOD} {REAL_SAMPLE}"
    severity = severity_beyond(beyond_floor(interval, floor))
    if severity is not None:
        return BELOW[severity]
    x = float(value)
    return "good" if x >= GOOD else "fair" if x >= FAIR else "poor"


def verdict_color(word: str) -> str:
    """The colour of a verdict word: green for good and for as good as a real sample."""
    if word.startswith(AS_GOOD):
        return "green"
    below = {w: BELOW_COLOR[k] for k, w in BELOW.items()}
    return below.get(word) or VERDICT_COLOR.get(word, "gray")


def finding_family(a: Assessment, f: Finding) -> str | None:
    """The scored family a finding speaks to; a row-flag finding by its reason."""
    family = getattr(a.results.get(f.metric), "family", None)
    if family == "rows":
        return FLAG_FAMILY.get(f.kind.removesuffix("_rows"))
    return family


def high_findings(a: Assessment, family: str) -> int:
    """High-severity findings of a family (every family's for ``overall``)."""
    return sum(
        f.severity == "high" and (family == "overall" or finding_family(a, f) == family)
        for f in a.findings
    )


def excluded_result(a: Assessment, family: str) -> MetricResult | None:
    """A metric of the family whose computed score is kept out of it (and of Overall), when the
    family has no counted score: the one whose reason the family's words give."""
    if family in a.scores and _finite(a.scores[family]):
        return None
    return next(
        (r for r in a.results.values() if r.family == family and r.excluded and not r.error),
        None,
    )


def excluded_words(label: str, res: MetricResult) -> str:
    """Why a computed score does not count, as one sentence starting with the family's label:
    ``Utility not measurable for this target: ...`` or ``Utility 1.00 is not counted in
    Overall: ...``."""
    reason = str(res.excluded or "").rstrip(".")
    if reason.startswith("not measurable") or not _finite(res.score):
        return f"{label} {reason}."
    return f"{label} {score_text(res.score)} is not counted in Overall: {reason}."


def missing_words(a: Assessment, family: str) -> str:
    """Why a family has no score."""
    errors = [r.error for r in a.results.values() if r.family == family and r.error]
    if errors:
        return str(errors[0])
    if family == "utility":
        return "needs a target column (Utility page)"
    return "not computed"


def family_words(a: Assessment, family: str) -> str:
    """A family's score in one sentence: ``Fidelity 0.93 (95% interval 0.90-0.95); an
    independent real sample scores about 0.97``, or why it does not count or is missing."""
    label = FAMILY_LABELS.get(family, family.capitalize())
    value = a.scores.get(family, math.nan)
    if not _finite(value):
        res = excluded_result(a, family)
        if res is not None:
            return excluded_words(label, res)
        return f"{label}: {missing_words(a, family)}."
    words = score_words(
        value,
        interval_of(a.intervals.get(family)),
        floor_of(a.floors.get(family)),
        a.options.confidence,
        REFERENCE.get(family, REAL_SAMPLE),
    )
    return f"{label} {words}."


def family_verdict(a: Assessment, family: str) -> tuple[str, int]:
    """``(verdict word, high-severity findings)`` of a family: the word follows the score, its
    interval and floor; a caller never calls the family good while it holds a high finding."""
    word = verdict(
        a.scores.get(family, math.nan),
        interval_of(a.intervals.get(family)),
        floor_of(a.floors.get(family)),
    )
    return word, high_findings(a, family)


def verdict_text(word: str, highs: int) -> str:
    """The verdict in words, never "good" beside a high-severity finding."""
    if not highs:
        return word
    found = plural(highs, "high-severity finding")
    if word.startswith(AS_GOOD) or word == "good":
        return f"{found} despite the score"
    return f"{word}, and {found}"


def method_summary(options: Any) -> str:
    """How every interval and floor was made, in one paragraph (level, resamples, seed, and
    how a family's interval and floor come from its metrics')."""
    conf = getattr(options, "confidence", 0.95)
    n_boot = getattr(options, "n_boot", 200)
    seed = getattr(options, "seed", 0)
    return (
        f"Every interval is a {conf:.0%} interval; bootstrap intervals use {n_boot:,} seeded "
        f"resamples (seed {seed}), so the same inputs and seed give the same intervals. A "
        "floor is what an independent real sample of the synthetic data's size scores against "
        "the real data (for utility: a model trained on real rows). A family's interval is the "
        "mean of its metrics' lower and upper ends, and its floor the mean of their floors; "
        "Overall's are made the same way from the families'."
    )


def methods() -> dict[str, str]:
    """Metric -> how its interval and floor are made (the catalogue's words), for the metrics
    that state one, in catalogue order."""
    return {e.name: e.method for e in catalogue.CATALOGUE if e.method}


def worst_first(d: pd.DataFrame, leading: tuple[str, ...] = ()) -> pd.DataFrame:
    """Details rows worst first, the order the findings use: rows that could not be scored,
    then the farthest below their floor beyond their interval (``beyond``, when the metric
    computed it), then the lowest score. ``leading``: boolean columns sorted True first before
    all that (a pair that counts before one that does not)."""
    if d.empty:
        return d
    n = len(d)
    score = (pd.to_numeric(d["score"], errors="coerce").to_numpy(dtype=float) if "score" in d
             else np.zeros(n))  # fmt: skip
    beyond = np.full(n, -np.inf)
    if "beyond" in d:
        beyond = np.nan_to_num(
            pd.to_numeric(d["beyond"], errors="coerce").to_numpy(dtype=float), nan=-np.inf
        )
    keys = pd.DataFrame({"_unscored": np.isnan(score), "_beyond": beyond, "_score": score})
    for i, col in enumerate(leading):
        keys[f"_lead{i}"] = d[col].to_numpy(dtype=bool)
    order = [f"_lead{i}" for i in range(len(leading))] + ["_unscored", "_beyond", "_score"]
    ascending = [False] * len(leading) + [False, False, True]
    ranked = keys.sort_values(order, ascending=ascending, kind="stable", na_position="last")
    return d.iloc[ranked.index.to_numpy()]
