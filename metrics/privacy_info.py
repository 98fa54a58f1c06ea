"""What the privacy metric measured, typed (:class:`PrivacyInfo`), and its JSON section."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from metrics.near_copies import OneCell
from metrics.results import MetricResult

if TYPE_CHECKING:  # unique_copies imports privacy_intervals, which imports this module
    from metrics.unique_copies import UniqueCopies

NEAR_COPY_PERCENTILE = 1.0
Interval = tuple[float, float]


def _ints() -> np.ndarray:
    return np.array([], dtype=np.int64)


def _floats() -> np.ndarray:
    return np.array([], dtype=float)


def pct(x: float) -> str:
    """A rate as a percentage, with two significant digits below 1% (0.037%, not 0.0%)."""
    if not np.isfinite(x):
        return "n/a"
    return f"{100 * x:.2g}%" if 0 < 100 * x < 1 else f"{100 * x:.1f}%"


@dataclass(frozen=True)
class PrivacyInfo:
    """What :func:`metrics.privacy.compute_privacy` measured besides its score: the ``extra`` of
    its result.

    A failed run sets only ``message`` (and ``excluded_columns`` when no column is left); the
    rest keep their defaults (NaN, 0, None or empty). Per synthetic row (NaN / -1 where not
    searched): ``exact_copy_of`` (the real row it equals, or -1), ``dcr_synthetic`` (distance to
    the training rows), ``closest_real`` and ``closest_distance`` (over all real rows), ``nndr``.
    ``dcr_holdout``: holdout rows' distances to the training rows. ``n_training``,
    ``n_holdout`` and ``n_share_rows`` stay None when the real data is too small for a holdout.

    Copies and their natural rates: ``exact_copies`` and ``near_copies`` (one-cell near copies,
    :mod:`metrics.near_copies`; never exact copies too) count synthetic rows against every real
    row; ``holdout_copies`` and ``holdout_near_copies`` count the same for ``n_baseline`` rows
    that stand for fresh real data: every uploaded holdout row against every real row, or without
    a holdout every real row against the other real rows (``baseline`` says which, and
    ``baseline_note`` in a sentence).
    ``near_copy`` holds, per synthetic row, the real row it nearly copies and the cell that
    differs.

    Every ``*_interval`` is the ``(low, high)`` interval of the value it is named after
    (``Options.confidence``; None where the value is not measured), and ``floor``,
    ``copy_floor`` and ``dcr_floor`` what an independent real sample of the synthetic data's size
    scores; how both are made: :mod:`metrics.privacy_intervals`, in words: ``floor_note``.
    """

    message: str = ""
    excluded_columns: list[str] = field(default_factory=list)  # id and text columns left out
    columns: list[str] = field(default_factory=list)  # the analysed columns
    exact_copies: int = 0
    exact_copy_rate: float = math.nan
    holdout_copies: int = 0  # baseline rows that equal a real row (natural exact copies)
    holdout_copy_rate: float = 0.0  # their share of the n_baseline rows
    near_copies: int = 0  # synthetic rows that are one-cell near copies of a real row
    near_copy_rate: float = math.nan
    holdout_near_copies: int = 0  # baseline rows that are one-cell near copies of a real row
    holdout_near_copy_rate: float = 0.0
    n_baseline: int = 0  # rows behind the natural (holdout) copy rates
    baseline: str = ""  # "holdout" or "leave-one-out": which rows give the natural copy rates
    baseline_note: str = ""  # the same in a sentence
    near_copy_score: float = math.nan  # the copy part from near copies alone
    copy_score: float = math.nan
    dcr_share: float = math.nan  # raw: share closer to the training rows than to the holdout
    dcr_expected: float = math.nan
    dcr_score: float = math.nan
    score: float = math.nan
    nndr_median: float = math.nan
    holdout_nndr_median: float = math.nan
    near_copy_threshold: float = math.nan
    near_copy_percentile: float = NEAR_COPY_PERCENTILE
    n_searched: int = 0
    n_training: int | None = None
    n_holdout: int | None = None
    n_share_rows: int | None = None
    # The DCR share's effective number of rows: synthetic rows that share their nearest real
    # record count as one cluster (see metrics.privacy_rows.effective_rows).
    dcr_effective_rows: float = math.nan
    holdout_note: str = ""
    sample_note: str = ""
    exact_copy_of: np.ndarray = field(default_factory=_ints)
    near_copy: OneCell = field(default_factory=OneCell)
    dcr_synthetic: np.ndarray = field(default_factory=_floats)
    closest_real: np.ndarray = field(default_factory=_ints)
    closest_distance: np.ndarray = field(default_factory=_floats)
    nndr: np.ndarray = field(default_factory=_floats)
    dcr_holdout: np.ndarray = field(default_factory=_floats)
    exact_copy_rate_interval: Interval | None = None
    holdout_copy_rate_interval: Interval | None = None
    copy_excess_interval: Interval | None = None  # exact_copy_rate - holdout_copy_rate, >= 0
    near_copy_rate_interval: Interval | None = None
    holdout_near_copy_rate_interval: Interval | None = None
    near_copy_excess_interval: Interval | None = None  # near_copy_rate - its natural rate, >= 0
    near_copy_score_interval: Interval | None = None
    copy_score_interval: Interval | None = None
    dcr_share_interval: Interval | None = None
    dcr_score_interval: Interval | None = None
    score_interval: Interval | None = None
    nndr_median_interval: Interval | None = None
    holdout_nndr_median_interval: Interval | None = None
    floor: float = math.nan
    copy_floor: float = math.nan
    near_copy_floor: float = math.nan
    dcr_floor: float = math.nan
    floor_note: str = ""
    # Copies of unique training records (metrics.unique_copies), which part set the copy part
    # ("exact" or "unique") and which rule set the score ("copies", "unique copies",
    # "memorisation" or "attacks") with its sentence (metrics.privacy_score).
    unique_copies: UniqueCopies | None = None
    copy_rule: str = "exact"
    score_rule: str = ""
    score_rule_sentence: str = ""


def rate_words(interval: Interval | None, confidence: float) -> str:
    """``, 95% interval 0.27%-0.92%`` ("" without an interval), to follow a rate."""
    if interval is None:
        return ""
    return f", {confidence:.0%} interval {pct(interval[0])}-{pct(interval[1])}"


def floor_note(found: PrivacyInfo, floor: float, n_boot: int) -> str:
    """How the privacy floor was made, with its value."""
    n = len(found.exact_copy_of)
    share = (
        f" and its DCR share around the expected {pct(found.dcr_expected)}"
        if found.n_share_rows
        else ""
    )
    return (
        f"Floor: an independent real sample of {n:,} rows scores about {floor:.3f} against this "
        f"reference (its exact and near copy rates at the natural {pct(found.holdout_copy_rate)} "
        f"and {pct(found.holdout_near_copy_rate)}{share}; mean of {n_boot} seeded draws)."
    )


def near_copy_sentence(found: PrivacyInfo) -> str:
    """One-cell near copies in words a stakeholder understands, with their natural rate (for the
    privacy page and the reports, beside the exact-copy sentence)."""
    n, k = len(found.exact_copy_of), found.near_copies
    who = "holdout rows" if found.baseline == "holdout" else "real rows"
    natural = (
        f"Among {who}, {pct(found.holdout_near_copy_rate)} are one by nature "
        "(real records that differ in one number)."
    )
    if k == 0:
        return (
            f"None of the {n:,} synthetic rows is a real record with one number nudged (equal on "
            f"every other column, at most 1% of that column's range apart). {natural}"
        )
    return (
        f"{k:,} of {n:,} synthetic rows ({pct(k / max(n, 1))}) are real records with one number "
        "nudged by at most 1% of its range: whoever receives the synthetic data sees the rest "
        f"of these real rows unchanged. {natural}"
    )


MAX_EXAMPLES = 5


def near_copy_examples(found: PrivacyInfo, limit: int = MAX_EXAMPLES) -> list[str]:
    """Up to ``limit`` near copies in words: "synthetic row 17: equal to real row 1,234 on every
    column but income: 52,100 vs 52,080 (0.04% of income's range)"."""
    rows = np.flatnonzero(found.near_copy.found)[:limit]
    return [f"synthetic row {r:,}: {found.near_copy.words(int(r))}" for r in rows]


_JSON_KEYS = (
    "exact_copies exact_copy_rate holdout_copy_rate dcr_share dcr_expected dcr_score copy_score "
    "nndr_median holdout_nndr_median near_copy_threshold n_searched holdout_note sample_note "
    "message excluded_columns floor copy_floor dcr_floor floor_note dcr_effective_rows "
    "near_copies near_copy_rate holdout_near_copies holdout_near_copy_rate near_copy_score "
    "near_copy_floor n_baseline baseline baseline_note copy_rule score_rule score_rule_sentence"
).split()
# Each value that has an interval gains ``<key>_interval`` = [low, high] in the JSON.
_JSON_INTERVALS = (
    "exact_copy_rate holdout_copy_rate copy_excess copy_score dcr_share dcr_score nndr_median "
    "holdout_nndr_median near_copy_rate holdout_near_copy_rate near_copy_excess near_copy_score"
).split()


def _plain(v: Any) -> Any:
    v = v.item() if isinstance(v, np.generic) else v
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    return None if isinstance(v, float) and not math.isfinite(v) else v


def privacy_json(result: MetricResult) -> dict[str, Any]:
    """The ``privacy`` section of the JSON report: ``exact_copies``, ``exact_copy_rate``,
    ``dcr_share``, ``score`` and the other scalars (NaN as None), plus ``error``; ``interval``
    (the score's ``[low, high]``), ``floor`` and each ``<value>_interval``; the near copies'
    counts and rates, and ``near_copy_examples`` (up to five in words). A failed run gives its
    ``message`` (and the ``excluded_columns`` it names) only."""
    found = result.extra
    keys: list[str] = []
    if isinstance(found, PrivacyInfo):
        keys = _JSON_KEYS if result.error is None else ["message"]
        if result.error is None:
            keys = [*keys, *(f"{k}_interval" for k in _JSON_INTERVALS)]
        if result.error is not None and found.excluded_columns:
            keys.append("excluded_columns")
    out: dict[str, Any] = {k: getattr(found, k) for k in keys}
    out.update(score=result.score, error=result.error)
    if isinstance(found, PrivacyInfo) and result.error is None:
        out.update(interval=result.interval, near_copy_examples=near_copy_examples(found))
        from metrics.unique_copies import unique_copies_json

        uc = found.unique_copies
        out["unique_copies"] = None if uc is None else unique_copies_json(uc)
    return {k: _plain(v) for k, v in out.items()}
