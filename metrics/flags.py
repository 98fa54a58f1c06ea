"""Row flags: the synthetic rows that deserve a look, each with its reasons, a score and a sentence.

Reasons (``kinds``)
-------------------
- ``invalid``: a number or date outside the real range by more than :data:`RANGE_TOLERANCE` of
  that range; a category the real data never has; a value that cannot be read as the column's
  kind; a missing value in a column never missing in the real data; a rule the real column
  implies: not a whole number where every real value is whole, negative where no real value is.
- ``anomalous``: an isolation forest fitted on a seeded draw of real rows scores the row above
  the level only :data:`ANOMALY_SHARE` of real rows reach. The level comes from other real rows
  the forest never saw, so that share holds for unseen rows, as the synthetic rows are.
  Repeated in :data:`~metrics.flags_anomalous.ANOMALY_RUNS` seeded runs (see below).
- ``broken_rule``: the row breaks a rule declared by the user or discovered in the real data
  (read from the ``rules`` result, :mod:`metrics.flags_rules`); its sentence gives the rule and
  the row's values. The rules metric raises the findings (one per rule), not this one.
- ``implausible_combination``: each value in range, but a column far from what real rows with
  the same value (bin) of a strongly related column have, beyond the level only
  :data:`~metrics.flags_combos.IMPLAUSIBLE_SHARE` of unseen real rows reach (cross-fitted on the
  real rows; :mod:`metrics.flags_combos`).
- ``copied``: an exact copy of a real row (from :mod:`metrics.privacy`), flagged when copies are
  rare among real rows themselves (holdout copy rate at most :data:`NATURAL_COPY_LIMIT`;
  otherwise equal rows are the norm in this data and say nothing about one row).
- ``near_copy`` (:mod:`metrics.flags_copies`): equal to a real row on every compared column but
  one number, at most 1 % of its range apart (:mod:`metrics.near_copies`; flagged one by one
  while such rows are rare among real rows themselves); or, for other rows, a distance to the
  closest training record below the :data:`~metrics.privacy.NEAR_COPY_PERCENTILE` th percentile
  of the holdout rows' distances to the same records, i.e. closer than 99 % of unseen real rows.
- ``obviously_synthetic``: the detection classifier's out-of-fold probability of being synthetic
  is at least :data:`PROBA_LEVEL`, confirmed by seeded refits (:mod:`metrics.flags_obvious`).
  When the classifier separates nearly every row, or is that sure about more than
  :data:`~metrics.flags_obvious.ONE_BY_ONE_SHARE` of the rows, no row is flagged for it: one note
  and one finding say so instead (``FlagsInfo.obvious_once``).

Stability
---------
The two seed-dependent reasons, ``anomalous`` and ``obviously_synthetic``, run several times
with seeds derived from ``Options.seed``, and flag a row only when at least
:data:`STABLE_SHARE` of the runs flag it (its sentence says "flagged in 4 of 5 seeded runs").
The other checks use no seed. ``details["stability"]`` is the share of runs flagging the row for
its most stable reason (1 for a check without a seed) and ``details["runs"]`` the runs behind it
(0 for a check without a seed).

Every flag names the ``columns`` that explain it: the out-of-range cell, the pair (y, x) of an
implausible combination, the rule's columns, the differing cell of a near copy, and for an
anomalous row its most extreme cells relative to the real data.

Scores in [0, 1] say how sure or serious a reason is (1 = certain); a row's score is the
highest of its reasons. The metric's ``score`` is ``1 - share of flagged rows``. On a good
synthetic set about 1 % of rows are near copies by construction, and fewer than 1 % anomalous
(a row must clear the 1 % level in most runs).

The checks live in :mod:`metrics.flags_invalid`, :mod:`metrics.flags_rules`,
:mod:`metrics.flags_combos`, :mod:`metrics.flags_anomalous`,
:mod:`metrics.flags_copies` and :mod:`metrics.flags_obvious`; the reason names in
:mod:`metrics.flags_kinds`, the table in :mod:`metrics.flags_table`, the findings in
:mod:`metrics.flags_findings`. This module runs them and assembles the result.
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
from metrics.flags_anomalous import ANOMALY_SHARE, Anomalies, flag_anomalous
from metrics.flags_combos import IMPLAUSIBLE_SHARE, Combos, flag_implausible
from metrics.flags_copies import NATURAL_COPY_LIMIT, flag_copies
from metrics.flags_findings import flag_findings, once_finding
from metrics.flags_invalid import RANGE_TOLERANCE, flag_invalid
from metrics.flags_kinds import (
    ANOMALOUS,
    FLAG_KINDS,
    KINDS,
    OBVIOUSLY_SYNTHETIC,
    STABLE_SHARE,
    Events,
)
from metrics.flags_obvious import PROBA_LEVEL, Obvious, flag_obvious, separates_all
from metrics.flags_rules import flag_broken_rules
from metrics.flags_table import flag_table
from metrics.options import Options
from metrics.results import MetricResult, Progress, no_progress, typed_extra

NAME = "row_flags"
FAMILY = "rows"  # row evidence for the review, not a scored family


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
    stable_share:
        The share of its seeded runs that must flag a row for a seed-dependent reason
        (:data:`STABLE_SHARE`).
    runs_by_kind:
        Seed-dependent reason -> the seeded runs made for it (absent when it did not run).
    unstable_by_kind:
        Seed-dependent reason -> rows some runs flagged, but fewer than ``stable_share`` of
        them: left out as unstable.
    separates_all:
        The detection classifier tells nearly every synthetic row apart (AUC of at least
        :data:`~metrics.flags_obvious.SEPARATES_ALL`).
    obvious_once:
        When no row is flagged one by one as obviously synthetic because the classifier
        separates nearly everything or is sure about too many rows, the sentence that says it
        once (also a note and a finding); "" otherwise.
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
    stable_share: float = STABLE_SHARE
    runs_by_kind: dict[str, int] = field(default_factory=dict)
    unstable_by_kind: dict[str, int] = field(default_factory=dict)
    separates_all: bool = False
    obvious_once: str = ""
    implausible_share: float = IMPLAUSIBLE_SHARE
    implausible_level: float | None = None
    implausible_pairs: tuple[tuple[str, str], ...] = ()
    rules_broken: int = 0


def info(result: MetricResult | None) -> FlagsInfo:
    """The :class:`FlagsInfo` of a row-flags result; an empty one when there is none (the
    metric was skipped, failed, or the suite caught it failing)."""
    return typed_extra(result, FlagsInfo)


# long: its docstring documents seven parameters and the result; the code is 20 lines
def flag_rows(
    enc: Encoded,
    options: Options | None = None,
    detection_proba: Any = None,
    privacy: MetricResult | None = None,
    progress: Progress = no_progress,
    detection: MetricResult | None = None,
    rules: MetricResult | None = None,
) -> MetricResult:
    """Flag the synthetic rows that deserve a look (see the module docstring).

    Parameters
    ----------
    enc:
        The encoded pair.
    options:
        ``seed`` fixes the isolation forests, the classifier refits (and the privacy search
        when it runs here).
    detection_proba:
        Per synthetic row, the detection metric's out-of-fold probability of being synthetic
        (``DetectionInfo.synthetic_proba`` of the ``detection`` result; NaN where not scored).
        When None it is read from ``detection``; with neither, the ``obviously_synthetic``
        reason is skipped.
    privacy:
        The ``privacy`` result, so the suite does not search nearest records twice; computed
        here when None.
    progress:
        Reports the privacy search when it runs here.
    detection:
        The ``detection`` result: its probabilities, and whether it separates nearly every row
        (then no row is flagged as obviously synthetic, and one finding says so).
    rules:
        The ``rules`` result: each checked rule's violating rows become ``broken_rule`` flags.
        Without it no row is flagged for a rule.

    Returns
    -------
    MetricResult
        ``details``: one row per flagged synthetic row, worst first: ``row`` (0-based position in
        the synthetic file), ``kinds``, ``score``, ``reason``, ``stability`` (share of the seeded
        runs flagging it, 1 for a check without a seed), ``runs`` (those runs, 0 without a seed),
        ``closest_real`` (-1 if unknown), ``columns`` (the
        columns that explain the flags, a tuple). ``score`` = 1 - flagged share, ``raw`` = flagged share.
        ``extra``: a :class:`FlagsInfo` (counts and shares by reason, the thresholds used, the
        runs and the rows left out as unstable, notes; read it with :func:`info`).
    """
    options = options or Options()
    n = enc.synthetic.n_rows
    if n == 0:
        error = "The synthetic data has no rows."
        return MetricResult(NAME, FAMILY, score=float("nan"), error=error, extra=FlagsInfo())
    ev, notes = Events(), list[str]()
    rules_broken = flag_broken_rules(rules, n, ev, notes)
    found = _check(enc, options, detection_proba, detection, privacy, progress, ev, notes)
    details = flag_table(ev)
    closest = np.asarray(privacy_mod.info(found.privacy).closest_real)
    rows = details["row"].to_numpy(dtype=np.int64)
    details["closest_real"] = closest[rows] if len(closest) == n else -1
    counts = {k: int(sum(k in ks for ks in details["kinds"])) for k in KINDS}
    share = len(details) / n
    progress(1.0, "Row flags: done")
    extra = _info(details, counts, n, found, notes, rules_broken)
    findings = flag_findings(details, counts, n, ev, extra)
    if extra.obvious_once:
        findings.append(once_finding(extra.obvious_once, detection_mod.info(detection).importances))
    return MetricResult(NAME, FAMILY, 1.0 - share, share, details, findings, extra)


@dataclass(frozen=True)
class _Found:
    """What the checks used and did besides their flags."""

    privacy: MetricResult
    combos: Combos | None
    anomaly: Anomalies | None
    near: float | None
    obvious: Obvious | None


def _check(
    enc: Encoded,
    options: Options,
    detection_proba: Any,
    detection: MetricResult | None,
    privacy: MetricResult | None,
    progress: Progress,
    ev: Events,
    notes: list[str],
) -> _Found:
    """Run every check into ``ev`` and ``notes``."""
    flag_invalid(enc, ev)
    progress(0.05, "Row flags: checking values")
    combos = flag_implausible(enc, options.seed, ev, notes)
    progress(0.1, "Row flags: combinations checked")
    anomaly = flag_anomalous(enc, options.seed, ev, notes)
    progress(0.2, "Row flags: anomalies scored")
    if privacy is None:
        privacy = privacy_mod.compute_privacy(
            enc, options, lambda fraction, message: progress(0.2 + 0.7 * fraction, message)
        )
    near = flag_copies(privacy, ev, notes)
    obvious = None
    n = enc.synthetic.n_rows
    if detection_proba is None and detection is not None:
        detection_proba = detection_mod.info(detection).synthetic_proba
    proba = None if detection_proba is None else np.asarray(detection_proba, dtype=float)
    if proba is None:
        notes.append("Obviously synthetic rows not checked: no detection probabilities given.")
    elif proba.shape != (n,):
        notes.append(
            f"Detection probabilities ignored: {proba.size} values for {n} synthetic rows."
        )
    else:
        progress(0.9, "Row flags: re-checking obviously synthetic rows")
        separates = detection is not None and separates_all(detection_mod.info(detection))
        obvious = flag_obvious(enc, options.seed, proba, separates, ev, notes)
    return _Found(privacy, combos, anomaly, near, obvious)


def _info(
    details: pd.DataFrame,
    counts: dict[str, int],
    n: int,
    found: _Found,
    notes: list[str],
    rules_broken: int,
) -> FlagsInfo:
    """The result's ``extra``: counts and shares by kind, the thresholds, the runs, the notes,
    a message."""
    share = len(details) / n
    runs, unstable = {}, {}
    for kind, done in ((ANOMALOUS, found.anomaly), (OBVIOUSLY_SYNTHETIC, found.obvious)):
        if done is not None and done.runs:
            runs[kind], unstable[kind] = done.runs, done.unstable
    for kind, left in unstable.items():
        if left:
            notes.append(
                f"{left:,} more {_rows_were(left)} flagged as {_SEEDED_WORDS[kind]} in some of "
                f"the {runs[kind]} seeded runs, but in fewer than {STABLE_SHARE:.0%} of them: "
                "left out as unstable."
            )
    message = (
        f"{len(details):,} of {n:,} synthetic rows ({share:.1%}) are flagged: "
        + ", ".join(f"{counts[k]:,} {k.replace('_', ' ')}" for k in KINDS)
        + ". "
        + (
            f"Rows breaking a rule break {rules_broken:,} different "
            f"rule{'' if rules_broken == 1 else 's'}. "
            if rules_broken
            else ""
        )  # fmt: skip
        + " ".join(notes)
    )
    return FlagsInfo(
        n_flagged=len(details),
        flagged_share=share,
        count_by_kind=counts,
        share_by_kind={k: c / n for k, c in counts.items()},
        anomaly_threshold=None if found.anomaly is None else found.anomaly.threshold,
        near_copy_threshold=math.nan if found.near is None else found.near,
        notes=notes,
        message=message.strip(),
        runs_by_kind=runs,
        unstable_by_kind=unstable,
        separates_all=found.obvious is not None and found.obvious.separates_all,
        obvious_once="" if found.obvious is None else found.obvious.once,
        implausible_level=None if found.combos is None else found.combos.level,
        implausible_pairs=() if found.combos is None else found.combos.pairs,
        rules_broken=rules_broken,
    )


_SEEDED_WORDS = {ANOMALOUS: "unusual rows", OBVIOUSLY_SYNTHETIC: "obviously synthetic"}


def _rows_were(n: int) -> str:
    return "row was" if n == 1 else "rows were"


def row_flags(
    enc: Encoded,
    options: Options,
    progress: Progress = no_progress,
    needs: Mapping[str, MetricResult] | None = None,
) -> MetricResult:
    """The catalogue's entry: ``needs`` holds the ``detection``, ``privacy`` and ``rules``
    results the suite computed first (a skipped one is absent: without detection no row is
    flagged as obviously synthetic; without privacy it is computed here; without rules no row
    is flagged for a rule)."""
    needs = needs or {}
    return flag_rows(enc, options, privacy=needs.get("privacy"), progress=progress,
                     detection=needs.get("detection"), rules=needs.get("rules"))  # fmt: skip


def flags_json(result: MetricResult) -> list[dict[str, Any]]:
    """The ``flags`` section of the JSON report: ``[{row, kinds, score, reason, stability,
    runs, columns}]``, worst first (``stability``: share of the seeded runs flagging the row, 1
    for a check without a seed; ``runs``: those runs, 0 without a seed; ``columns``: the columns
    that explain the flags)."""
    if result.details is None or result.details.empty:
        return []
    return [
        {"row": int(r.row), "kinds": list(r.kinds), "score": float(r.score), "reason": r.reason,
         "stability": float(getattr(r, "stability", 1.0)), "runs": int(getattr(r, "runs", 0)),
         "columns": [str(c) for c in getattr(r, "columns", ())]}
        for r in result.details.itertuples(index=False)
    ]  # fmt: skip


__all__ = [
    "ANOMALY_SHARE",
    "IMPLAUSIBLE_SHARE",
    "FLAG_KINDS",
    "FlagsInfo",
    "KINDS",
    "NATURAL_COPY_LIMIT",
    "PROBA_LEVEL",
    "RANGE_TOLERANCE",
    "STABLE_SHARE",
    "flag_rows",
    "flags_json",
    "info",
    "row_flags",
]
