"""Row flags: one finding per reason, and the one that replaces flagging many rows one by one
as obviously synthetic (see :mod:`metrics.flags`)."""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

import pandas as pd

from metrics.flags_anomalous import ANOMALY_SHARE
from metrics.flags_combos import IMPLAUSIBLE_SHARE
from metrics.flags_kinds import (
    ANOMALOUS,
    BROKEN_RULE,
    COPIED,
    IMPLAUSIBLE,
    INVALID,
    KINDS,
    NEAR_COPY,
    OBVIOUSLY_SYNTHETIC,
    STABLE_SHARE,
    Events,
)
from metrics.flags_obvious import PROBA_LEVEL
from metrics.results import Finding, Severity

if TYPE_CHECKING:
    from metrics.flags import FlagsInfo

NAME = "row_flags"
FINDING_ROWS = 50


_SEVERITY = {  # kind -> (share above which "high", share above which "medium")
    INVALID: (0.01, 0.0),
    COPIED: (0.0, 0.0),
    NEAR_COPY: (0.1, 0.02),
    ANOMALOUS: (0.1, 3 * ANOMALY_SHARE),
    IMPLAUSIBLE: (0.05, 3 * IMPLAUSIBLE_SHARE),
    OBVIOUSLY_SYNTHETIC: (0.2, 0.05),
}
_WORDS = {
    INVALID: "hold values the real data rules out (out of range, unseen categories, "
    "unreadable or missing values, broken whole-number or sign rules)",
    ANOMALOUS: f"are unusual combinations that only {ANOMALY_SHARE:.0%} of real rows match",
    IMPLAUSIBLE: "combine values that are each in range but that real rows do not combine "
    f"(a column far from what real rows with the same value of a related column have; only "
    f"{IMPLAUSIBLE_SHARE:.1%} of unseen real rows go as far)",
    COPIED: "are exact copies of real rows",
    NEAR_COPY: "are near copies of a real row (equal to it on every column but one number, at "
    "most 1% of its range apart, or closer to it than 99% of unseen real rows are)",
    OBVIOUSLY_SYNTHETIC: f"are told apart as synthetic with {PROBA_LEVEL:.0%} confidence",
}


def flag_findings(
    details: pd.DataFrame, counts: dict[str, int], n: int, ev: Events, found: FlagsInfo
) -> list[Finding]:
    out = []
    # Broken rules have their own findings, one per rule with its count and examples (the rules
    # metric); a second one here would count the same rows twice.
    for kind in (k for k in KINDS if counts[k] and k != BROKEN_RULE):
        share = counts[kind] / n
        high, medium = _SEVERITY[kind]
        name = f"{kind}_rows"  # invalid_rows, copied_rows, near_copy_rows, ...
        severity: Severity = "high" if share > high else "medium" if share > medium else "low"
        has = [kind in ks for ks in details["kinds"]]
        rows = tuple(sorted(int(r) for r in details["row"][has].iloc[:FINDING_ROWS]))
        cols = _columns(ev, kind)
        runs = found.runs_by_kind.get(kind, 0)
        stable = (f" (each flagged in at least {math.ceil(STABLE_SHARE * runs - 1e-9)} of "
                  f"{runs} seeded runs)") if runs else ""  # fmt: skip
        msg = f"{counts[kind]:,} synthetic rows ({share:.1%}) {_WORDS[kind]}{stable}."
        out.append(Finding(name, severity, cols, msg, NAME, rows, 1.0 - share))
    return out


def _columns(ev: Events, kind: str) -> tuple[str, ...]:
    """The columns a reason's flags name, the most often named first. Anomalous rows name their
    most extreme cells one by one, not as the reason's columns: the finding stays about rows."""
    if kind == ANOMALOUS:
        return ()
    named = Counter(c for p in ev.parts if KINDS[p[1]] == kind for cols in p[7] for c in cols)
    return tuple(c for c, _ in named.most_common())


def once_finding(once: str, importances: dict[str, float]) -> Finding:
    """The one finding that replaces flagging many rows one by one as obviously synthetic."""
    top = tuple(sorted(importances, key=lambda c: -importances[c])[:3])
    named = f" Most telling: {', '.join(top)}." if top else ""
    # Low: the detection finding carries the severity of the same root cause.
    return Finding(f"{OBVIOUSLY_SYNTHETIC}_rows", "low", top, once + named, NAME)
