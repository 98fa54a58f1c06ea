"""Row flags: the synthetic rows that deserve a look, each with its reasons, a score and a sentence.

Reasons (``kinds``)
-------------------
- ``invalid``: a number or date outside the real range by more than :data:`RANGE_TOLERANCE` of
  that range; a category the real data never has; a value that cannot be read as the column's
  kind; a missing value in a column never missing in the real data; a rule the real column
  implies: not a whole number where every real value is whole, negative where no real value is.
- ``anomalous``: an isolation forest fitted on the real rows (seeded) scores the row above the
  level only :data:`ANOMALY_SHARE` of real rows reach. The real rows' levels come from
  cross-fitting (two forests on the two halves of the real rows, each scoring the other half), so
  that share holds for rows the forest never saw; each synthetic row is scored by one of them.
- ``copied``: an exact copy of a real row (from :mod:`metrics.privacy`), flagged when copies are
  rare among real rows themselves (holdout copy rate at most :data:`NATURAL_COPY_LIMIT`;
  otherwise equal rows are the norm in this data and say nothing about one row).
- ``near_copy``: distance to the closest training record below the
  :data:`~metrics.privacy.NEAR_COPY_PERCENTILE` th percentile of the holdout rows' distances to
  the same records, i.e. closer than 99 % of unseen real rows get.
- ``obviously_synthetic``: the detection classifier's out-of-fold probability of being synthetic
  is at least :data:`PROBA_LEVEL`.

Scores in [0, 1] say how sure or serious a reason is (1 = certain); a row's score is the
highest of its reasons. The metric's ``score`` is ``1 - share of flagged rows``. On a good
synthetic set about 1 % of rows are flagged anomalous and about 1 % near copies by construction.

The checks live in :mod:`metrics.flags_invalid`, :mod:`metrics.flags_anomalous` and
:mod:`metrics.flags_copies`; the reason names in :mod:`metrics.flags_kinds`. This module runs
them and assembles the result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from metrics import detection as detection_mod
from metrics import privacy as privacy_mod
from metrics.encode import Encoded
from metrics.flags_anomalous import ANOMALY_SHARE, flag_anomalous
from metrics.flags_copies import NATURAL_COPY_LIMIT, flag_copies
from metrics.flags_invalid import RANGE_TOLERANCE, flag_invalid
from metrics.flags_kinds import (
    ANOMALOUS,
    COPIED,
    FLAG_KINDS,
    INVALID,
    KINDS,
    NEAR_COPY,
    OBVIOUSLY_SYNTHETIC,
    Events,
)
from metrics.options import Options
from metrics.results import Finding, MetricResult, Progress, Severity, no_progress, typed_extra

NAME = "row_flags"
FAMILY = "rows"  # row evidence for the review, not a scored family
PROBA_LEVEL = 0.9
MAX_REASONS = 3
FINDING_ROWS = 50


@dataclass(frozen=True)
class FlagsInfo:
    """What :func:`flag_rows` found besides its score and table: the ``extra`` of its result.

    Attributes
    ----------
    n_flagged, flagged_share:
        Flagged synthetic rows, and their share of all synthetic rows (NaN when not run).
    count_by_kind, share_by_kind:
        Reason (:data:`KINDS`) -> rows flagged for it, and their share of the synthetic rows.
    range_tolerance, anomaly_share, proba_level:
        The tolerances this run used (:data:`RANGE_TOLERANCE`, :data:`ANOMALY_SHARE`,
        :data:`PROBA_LEVEL`).
    anomaly_threshold:
        The isolation-forest level rows were flagged above; None when anomalies were not checked.
    near_copy_threshold:
        The distance near copies were flagged below; NaN without it (no holdout, not checked).
    notes:
        What was not checked, or checked on a sample, in sentences.
    message:
        The counts by reason and the notes, in a paragraph ("" when not run).
    """

    n_flagged: int = 0
    flagged_share: float = math.nan
    count_by_kind: dict[str, int] = field(default_factory=dict)
    share_by_kind: dict[str, float] = field(default_factory=dict)
    range_tolerance: float = RANGE_TOLERANCE
    anomaly_share: float = ANOMALY_SHARE
    proba_level: float = PROBA_LEVEL
    anomaly_threshold: float | None = None
    near_copy_threshold: float = math.nan
    notes: list[str] = field(default_factory=list)
    message: str = ""


def info(result: MetricResult | None) -> FlagsInfo:
    """The :class:`FlagsInfo` of a row-flags result; an empty one when there is none (the
    metric was skipped, failed, or the suite caught it failing)."""
    return typed_extra(result, FlagsInfo)


def _obvious(proba: Any, n: int, ev: Events, notes: list[str]) -> None:
    p = np.asarray(proba, dtype=float)
    if p.shape != (n,):
        notes.append(f"Detection probabilities ignored: {p.size} values for {n} synthetic rows.")
        return
    with np.errstate(invalid="ignore"):
        rows = np.flatnonzero(p >= PROBA_LEVEL)
    scores = 0.5 + 0.5 * (p[rows] - PROBA_LEVEL) / (1 - PROBA_LEVEL)
    level = f"(flagged from {PROBA_LEVEL:.0%})"

    def text(r: int) -> str:
        return f"the detection classifier gives it a {p[r]:.0%} chance of being synthetic {level}"

    ev.add(OBVIOUSLY_SYNTHETIC, "", rows, scores, text)


def _table(ev: Events) -> pd.DataFrame:
    """One row per flagged synthetic row: its kinds, highest score and surest reasons first."""
    if not ev.parts:
        return pd.DataFrame({"row": np.array([], np.int64), "kinds": [], "score": [], "reason": []})
    rows = np.concatenate([p[0] for p in ev.parts])
    kind = np.concatenate([np.full(len(p[0]), p[1]) for p in ev.parts])
    score = np.concatenate([p[3] for p in ev.parts])
    texts = [t for p in ev.parts for t in p[4]]
    order = np.lexsort((-score, rows))
    rows, kind, score = rows[order], kind[order], score[order]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    ends = np.r_[starts[1:], len(rows)]
    bits = np.bitwise_or.reduceat(1 << kind, starts)
    reasons = []
    for s, e in zip(starts, ends, strict=True):
        parts = [texts[order[i]] for i in range(s, min(e, s + MAX_REASONS))]
        more = [f"and {e - s - MAX_REASONS} more"] if e - s > MAX_REASONS else []
        reasons.append("; ".join(parts + more))
    table = pd.DataFrame(
        {
            "row": rows[starts],
            "kinds": [[k for i, k in enumerate(KINDS) if b >> i & 1] for b in bits],
            "score": score[starts],  # sorted by score within a row: the first is the highest
            "reason": reasons,
        }
    )
    order = np.lexsort((table["row"].to_numpy(), -table["score"].to_numpy()))
    return table.iloc[order].reset_index(drop=True)


def flag_rows(
    enc: Encoded,
    options: Options | None = None,
    detection_proba: Any = None,
    privacy: MetricResult | None = None,
    progress: Progress = no_progress,
) -> MetricResult:
    """Flag the synthetic rows that deserve a look (see the module docstring).

    Parameters
    ----------
    enc:
        The encoded pair.
    options:
        ``seed`` fixes the isolation forests (and the privacy search when it runs here).
    detection_proba:
        Per synthetic row, the detection metric's out-of-fold probability of being synthetic
        (``DetectionInfo.synthetic_proba`` of the ``detection`` result; NaN where not scored).
        When None the ``obviously_synthetic`` reason is skipped.
    privacy:
        The ``privacy`` result, so the suite does not search nearest records twice; computed
        here when None.
    progress:
        Reports the privacy search when it runs here.

    Returns
    -------
    MetricResult
        ``details``: one row per flagged synthetic row, worst first: ``row`` (0-based position in
        the synthetic file), ``kinds``, ``score``, ``reason``, ``closest_real`` (-1 if unknown).
        ``score`` = 1 - flagged share, ``raw`` = flagged share. ``extra``: a :class:`FlagsInfo`
        (counts and shares by reason, the thresholds used, notes; read it with :func:`info`).
    """
    options = options or Options()
    n = enc.synthetic.n_rows
    if n == 0:
        error = "The synthetic data has no rows."
        return MetricResult(NAME, FAMILY, score=float("nan"), error=error, extra=FlagsInfo())
    ev, notes = Events(), list[str]()
    privacy, thresholds = _check(enc, options, detection_proba, privacy, progress, ev, notes)
    details = _table(ev)
    closest = np.asarray(privacy_mod.info(privacy).closest_real)
    rows = details["row"].to_numpy(dtype=np.int64)
    details["closest_real"] = closest[rows] if len(closest) == n else -1
    counts = {k: int(sum(k in ks for ks in details["kinds"])) for k in KINDS}
    share = len(details) / n
    progress(1.0, "Row flags: done")
    extra = _info(details, counts, n, thresholds, notes)
    findings = _findings(details, counts, n, ev)
    return MetricResult(NAME, FAMILY, 1.0 - share, share, details, findings, extra)


def _check(
    enc: Encoded,
    options: Options,
    detection_proba: Any,
    privacy: MetricResult | None,
    progress: Progress,
    ev: Events,
    notes: list[str],
) -> tuple[MetricResult, tuple[float | None, float | None]]:
    """Run every check into ``ev`` and ``notes``; the privacy result used and the anomaly and
    near-copy thresholds (None for a check that did not run)."""
    flag_invalid(enc, ev)
    progress(0.05, "Row flags: checking values")
    anomaly = flag_anomalous(enc, options.seed, ev, notes)
    progress(0.2, "Row flags: anomalies scored")
    if privacy is None:
        privacy = privacy_mod.compute_privacy(
            enc, options, lambda fraction, message: progress(0.2 + 0.75 * fraction, message)
        )
    near = flag_copies(privacy, ev, notes)
    if detection_proba is None:
        notes.append("Obviously synthetic rows not checked: no detection probabilities given.")
    else:
        _obvious(detection_proba, enc.synthetic.n_rows, ev, notes)
    return privacy, (anomaly, near)


def _info(
    details: pd.DataFrame,
    counts: dict[str, int],
    n: int,
    thresholds: tuple[float | None, float | None],
    notes: list[str],
) -> FlagsInfo:
    """The result's ``extra``: counts and shares by kind, the thresholds, the notes, a message."""
    share = len(details) / n
    message = (
        f"{len(details):,} of {n:,} synthetic rows ({share:.1%}) are flagged: "
        + ", ".join(f"{counts[k]:,} {k.replace('_', ' ')}" for k in KINDS)
        + ". "
        + " ".join(notes)
    )
    anomaly, near = thresholds
    return FlagsInfo(
        n_flagged=len(details),
        flagged_share=share,
        count_by_kind=counts,
        share_by_kind={k: c / n for k, c in counts.items()},
        anomaly_threshold=anomaly,
        near_copy_threshold=math.nan if near is None else near,
        notes=notes,
        message=message.strip(),
    )


_SEVERITY = {  # kind -> (share above which "high", share above which "medium")
    INVALID: (0.01, 0.0),
    COPIED: (0.0, 0.0),
    NEAR_COPY: (0.1, 0.02),
    ANOMALOUS: (0.1, 3 * ANOMALY_SHARE),
    OBVIOUSLY_SYNTHETIC: (0.2, 0.05),
}
_WORDS = {
    INVALID: "hold values the real data rules out (out of range, unseen categories, "
    "unreadable or missing values, broken whole-number or sign rules)",
    ANOMALOUS: f"are unusual combinations that only {ANOMALY_SHARE:.0%} of real rows match",
    COPIED: "are exact copies of real rows",
    NEAR_COPY: "are closer to a real record than 99% of unseen real rows are",
    OBVIOUSLY_SYNTHETIC: f"are told apart as synthetic with {PROBA_LEVEL:.0%} confidence",
}


def _findings(details: pd.DataFrame, counts: dict[str, int], n: int, ev: Events):
    found = []
    for kind in (k for k in KINDS if counts[k]):
        share = counts[kind] / n
        high, medium = _SEVERITY[kind]
        name = f"{kind}_rows"  # invalid_rows, copied_rows, near_copy_rows, ...
        severity: Severity = "high" if share > high else "medium" if share > medium else "low"
        has = [kind in ks for ks in details["kinds"]]
        rows = tuple(sorted(int(r) for r in details["row"][has].iloc[:FINDING_ROWS]))
        cols = tuple(dict.fromkeys(p[2] for p in ev.parts if p[2] and KINDS[p[1]] == kind))
        msg = f"{counts[kind]:,} synthetic rows ({share:.1%}) {_WORDS[kind]}."
        found.append(Finding(name, severity, cols, msg, NAME, rows, 1.0 - share))
    return found


def row_flags(
    enc: Encoded,
    options: Options,
    progress: Progress = no_progress,
    needs: Mapping[str, MetricResult] | None = None,
) -> MetricResult:
    """The catalogue's entry: ``needs`` holds the ``detection`` and ``privacy`` results the
    suite computed first (a skipped one is absent: without detection no row is flagged as
    obviously synthetic; without privacy it is computed here)."""
    needs = needs or {}
    proba = detection_mod.info(needs.get("detection")).synthetic_proba
    return flag_rows(enc, options, detection_proba=proba, privacy=needs.get("privacy"),
                     progress=progress)  # fmt: skip


def flags_json(result: MetricResult) -> list[dict[str, Any]]:
    """The ``flags`` section of the JSON report: ``[{row, kinds, score, reason}]``, worst first."""
    if result.details is None or result.details.empty:
        return []
    return [
        {"row": int(r.row), "kinds": list(r.kinds), "score": float(r.score), "reason": r.reason}
        for r in result.details.itertuples(index=False)
    ]


__all__ = [
    "ANOMALY_SHARE",
    "FLAG_KINDS",
    "FlagsInfo",
    "KINDS",
    "NATURAL_COPY_LIMIT",
    "PROBA_LEVEL",
    "RANGE_TOLERANCE",
    "flag_rows",
    "flags_json",
    "info",
    "row_flags",
]
