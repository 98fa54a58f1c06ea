"""The ``rules`` metric: declared constraints and rules discovered from the real data, checked
row by row on the synthetic rows.

Declared constraints come from ``Options.constraints`` (SDV 2's ``sdv.cag`` classes, see
:mod:`metrics.rules_declared`); discovered rules from :func:`metrics.rules_discover.discover`,
less the ones the user dropped (``Options.dropped_rules``). A missing cell breaks no rule.

Score: the share of synthetic rows that break no rule, with a Wilson interval; floor: the same
share in the holdout (an independent real sample), else in the real rows themselves (which
obey discovered rules by construction, so without a holdout the floor is optimistic). A rule
becomes a ``broken_rule`` finding when its synthetic violation rate is above the real rate
(the holdout's when there is one) by more than its uncertainty; severity from the share of
rows breaking it beyond that rate: high from 5%, medium from 1%, else low.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from metrics.encode import Encoded
from metrics.marginal_words import fmt_share
from metrics.options import Options
from metrics.results import Finding, MetricResult, Progress, Severity, typed_extra
from metrics.rules_core import Rule, broken
from metrics.rules_declared import declared_rules
from metrics.rules_discover import discover, real_breaks
from metrics.rules_words import row_words
from metrics.uncertainty import beyond_floor, wilson

EXAMPLES = 5
FINDING_ROWS = 1_000  # rows a finding lists (its RuleCheck holds them all)
HIGH_SHARE, MEDIUM_SHARE = 0.05, 0.01
_DETAILS = ["rule", "rule_id", "source", "columns", "violations", "share", "real_violations",
            "score", "low", "high", "floor", "beyond"]  # fmt: skip


@dataclass(frozen=True)
class RuleCheck:
    """One rule checked on the synthetic rows (the interface row flags read)."""

    rule_id: str
    text: str
    source: str
    columns: tuple[str, ...]
    violations: int
    rows: np.ndarray
    row_words: tuple[str, ...]
    examples: tuple[str, ...]
    real_violations: int


@dataclass(frozen=True)
class RulesInfo:
    """What the ``rules`` metric reports besides its score: the ``extra`` of its result.

    ``checks`` has every rule checked (declared, and discovered ones not dropped);
    ``discovered`` every discovered rule, dropped ones included (for the Schema page);
    ``searched`` says what discovery searched; ``notes`` what else a reader should know.
    """

    checks: list[RuleCheck] = field(default_factory=list)
    discovered: list[RuleCheck] = field(default_factory=list)
    searched: str = ""
    notes: list[str] = field(default_factory=list)


def info(result: MetricResult | None) -> RulesInfo:
    """The :class:`RulesInfo` of a rules result (an empty one when there is none)."""
    return typed_extra(result, RulesInfo)


def _check(enc: Encoded, rule: Rule) -> tuple[RuleCheck, np.ndarray]:
    mask = broken(enc, rule, enc.synthetic)
    rows = np.flatnonzero(mask).astype(np.int64)
    words = tuple(f"row {r}: {w}" for r, w in zip(rows, row_words(enc, rule, enc.synthetic, rows),
                                                   strict=True))  # fmt: skip
    check = RuleCheck(rule.rule_id, rule.text, rule.source, rule.columns, len(rows), rows,
                      words, words[:EXAMPLES], real_breaks(enc, rule)[0])  # fmt: skip
    return check, mask


def _reference(enc: Encoded, rule: Rule, check: RuleCheck) -> tuple[int, int]:
    """Violations and rows of the independent real sample a rule is compared with: the holdout
    when there is one, else the real rows."""
    if enc.holdout is not None and enc.holdout.n_rows:
        return int(broken(enc, rule, enc.holdout).sum()), enc.holdout.n_rows
    return check.real_violations, enc.real.n_rows


def _severity(excess: float) -> Severity:
    return "high" if excess >= HIGH_SHARE else "medium" if excess >= MEDIUM_SHARE else "low"


def _finding(check: RuleCheck, n: int, ref: tuple[int, int], interval) -> Finding | None:
    share = check.violations / n
    ref_share = ref[0] / ref[1] if ref[1] else 0.0
    if not check.violations or interval is None or interval[0] <= ref_share:
        return None
    real = (
        "Every real row obeys it"
        if check.real_violations == 0
        else f"The real data breaks it in {check.real_violations:,} rows"
    )
    shown = "; ".join(check.examples[:3])
    message = (
        f"Rule broken ({check.source}): {check.text}. {real}, but {check.violations:,} synthetic "
        f"row{'s' if check.violations != 1 else ''} ({fmt_share(share)}) break it, e.g. {shown}."
    )
    return Finding(
        kind="broken_rule", severity=_severity(share - ref_share), columns=check.columns,
        message=message, metric="rules", rows=tuple(int(r) for r in check.rows[:FINDING_ROWS]),
        score=1 - share, beyond=float(interval[0] - ref_share), tag=check.rule_id,
    )  # fmt: skip


# long: the metric's one pass: gather the rules, check each, then the score, details and notes.
def rules(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """The ``rules`` metric; ``extra`` is a :class:`RulesInfo` (read it with :func:`info`)."""
    progress(0.0, "Looking for rules the real data obeys...")
    columns = {c.name: c.kind for c in enc.schema.columns}
    declared, notes = declared_rules(options.constraints, columns)
    found = discover(enc, options.seed)
    declared_ids = {r.rule_id.split(":", 1)[1] for r in declared}
    discovered_checks: list[RuleCheck] = []
    checks: list[RuleCheck] = []
    n = enc.synthetic.n_rows
    any_broken = np.zeros(n, dtype=bool)
    rows, findings = [], []
    todo = [*declared, *found.rules]
    for i, rule in enumerate(todo):
        progress(i / max(len(todo), 1), f"Checking rule: {rule.text}")
        check, mask = _check(enc, rule)
        if rule.source == "discovered":
            discovered_checks.append(check)
            # A declared Inequality a <= b says what the discovered order says: check it once.
            same = (
                f"Inequality:{rule.columns[0]}<={rule.columns[1]}" if rule.kind == "order" else ""
            )
            if rule.rule_id in options.dropped_rules or same in declared_ids:
                continue
        checks.append(check)
        any_broken |= mask
        ref = _reference(enc, rule, check)
        interval = wilson(check.violations, n, options.confidence)
        finding = _finding(check, n, ref, interval)
        if finding is not None:
            findings.append(finding)
        low_high = (1 - interval[1], 1 - interval[0]) if interval else (np.nan, np.nan)
        rule_floor = 1 - ref[0] / ref[1] if ref[1] else np.nan
        rows.append({
            "rule": rule.text, "rule_id": rule.rule_id, "source": rule.source,
            "columns": ", ".join(rule.columns), "violations": check.violations,
            "share": check.violations / n if n else np.nan,
            "real_violations": check.real_violations, "score": 1 - check.violations / n if n
            else np.nan, "low": low_high[0], "high": low_high[1], "floor": rule_floor,
            "beyond": beyond_floor(low_high, rule_floor),
        })  # fmt: skip
    dropped = len(found.rules) - sum(c.source == "discovered" for c in checks)
    if dropped:
        notes.append(f"{dropped} discovered rule{'s' if dropped != 1 else ''} not checked "
                     "(dropped on the Schema page, or the same as a declared constraint).")  # fmt: skip
    notes.append("A missing cell breaks no rule: a row is checked only where the rule's cells "
                 "are present.")  # fmt: skip
    score, interval, floor = _score(enc, checks, todo, any_broken, options)
    progress(1.0, "Rules checked.")
    return MetricResult(
        name="rules", family="coverage", score=score, raw=float(any_broken.sum()),
        details=pd.DataFrame(rows, columns=_DETAILS), findings=findings,
        extra=RulesInfo(checks, discovered_checks, found.searched, notes),
        interval=interval, floor=floor,
    )  # fmt: skip


def _score(enc: Encoded, checks: list[RuleCheck], rules_: list[Rule], any_broken: np.ndarray,
           options: Options) -> tuple[float, tuple[float, float] | None, float | None]:  # fmt: skip
    """Share of synthetic rows breaking no checked rule, its interval and its floor."""
    n = len(any_broken)
    if not checks or n == 0:
        return float("nan"), None, None
    k = int(any_broken.sum())
    interval = wilson(k, n, options.confidence)
    checked = {c.rule_id for c in checks}
    ref_side = enc.holdout if enc.holdout is not None and enc.holdout.n_rows else enc.real
    ref_broken = np.zeros(ref_side.n_rows, dtype=bool)
    for rule in rules_:
        if rule.rule_id in checked:
            ref_broken |= broken(enc, rule, ref_side)
    floor = 1 - float(ref_broken.mean()) if ref_side.n_rows else None
    return 1 - k / n, (1 - interval[1], 1 - interval[0]) if interval else None, floor


def rules_json(result: MetricResult | None) -> list[dict[str, Any]]:
    """The ``rules`` section of the JSON report: one entry per rule checked."""
    found = info(result)
    return [
        {"id": c.rule_id, "rule": c.text, "source": c.source, "columns": list(c.columns),
         "violations": c.violations, "real_violations": c.real_violations,
         "examples": list(c.examples)}
        for c in found.checks
    ]  # fmt: skip


__all__ = ["RuleCheck", "RulesInfo", "info", "rules", "rules_json"]
