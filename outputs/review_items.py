"""An assessment as a review run: its identity, and its findings and flagged rows as items.

Pure (no Streamlit), so the pages, the tests and any batch job build the same items.
A finding's key is ``Finding.key()``; a flagged row's key hashes its values and reasons
(``review.row_key``), so a decision follows the record, not its position, into a new file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from metrics.flags_kinds import (
    ANOMALOUS,
    BROKEN_RULE,
    COPIED,
    FLAG_KINDS,
    IMPLAUSIBLE,
    INVALID,
    NEAR_COPY,
    OBVIOUSLY_SYNTHETIC,
)
from metrics.results import Finding
from metrics.suite import Assessment
from metrics.utility import info as utility_info
from review import ItemIn, row_key
from review.records import jsonable

# Flag reasons from most to least serious: the first one present names the row item's kind.
ROW_REASONS = FLAG_KINDS
ROW_SEVERITY = {
    COPIED: "high",
    INVALID: "high",
    NEAR_COPY: "medium",
    OBVIOUSLY_SYNTHETIC: "medium",
    ANOMALOUS: "low",
    IMPLAUSIBLE: "medium",
    BROKEN_RULE: "medium",
}
ROW_SUFFIX = "_row"
# Reasons whose synthetic values are (nearly) a real record: hidden too when redacting.
REAL_LIKE = (COPIED, NEAR_COPY)
MAX_EVIDENCE_ROWS = 50
# Plain words for finding kinds; flagged rows are "Flagged row: <reason>" (see ``kind_title``),
# so a finding about how many rows have a reason never reads like one row's label.
KIND_TITLES = {
    "marginal": "Column distribution differs",
    "utility_not_measurable": "Utility not measurable for this target",
    "pair": "Relation between columns differs",
    "missing_values": "Share of missing values differs",
    "missing_category": "Real category missing",
    "scarce_category": "Real category too rare",
    "range_not_covered": "Real range not covered",
    "invalid_values": "Values the real data rules out",
    "detectable": "Synthetic rows can be told apart",
    "exact_copies": "Exact copies of real rows",
    "dcr_closer_to_training": "Rows too close to the training data",
    "copied_rows": "Share of exact copies",
    "invalid_rows": "Share of invalid rows",
    "near_copy_rows": "Share of near copies",
    "anomalous_rows": "Share of unusual rows",
    "obviously_synthetic_rows": "Share of obviously synthetic rows",
    "target_missing": "Target column unusable",
    "lost_class": "Target class lost",
    "invented_class": "Target class invented",
    "utility_drop": "Models trained on it do worse",
    "easy_target": "Target too easy to predict",
    "subgroup": "Shape or relation breaks inside a group",
    "implausible_combination_rows": "Share of implausible combinations",
    "broken_rule_rows": "Share of rows breaking a rule",
    "broken_rule": "Rows break a rule of the real data",
    "unique_copies": "Copies of records found once",
    "near_copies": "Real records with one number nudged",
    "singling_out_risk": "Singling-out risk",
    "linkability_risk": "Linkability risk",
    "inference_risk": "Attribute-inference risk",
    "membership_inference": "Membership can be inferred",
}
# The words for each flag reason, as the Outliers page says them.
REASON_WORDS = {
    COPIED: "exact copy",
    INVALID: "invalid value",
    NEAR_COPY: "near copy",
    OBVIOUSLY_SYNTHETIC: "obviously synthetic",
    ANOMALOUS: "unusual row",
    IMPLAUSIBLE: "implausible combination",
    BROKEN_RULE: "broken rule",
}
ROW_TITLE = "Flagged row: "
# How both pages count flagged rows per reason.
COUNT_RULE = (
    "Counts per reason include every reason a row has: a row with two reasons counts under both."
)


@dataclass(frozen=True)
class RunIdentity:
    """What ``Store.get_or_create_run`` needs, taken from an assessment."""

    inputs: dict[str, str]
    names: dict[str, str]
    tool_version: str
    settings: dict[str, Any]
    scores: dict[str, Any]

    def cache_key(self) -> str:
        """A string that changes whenever the run would: inputs, settings or version."""
        return repr((sorted(self.inputs.items()), self.tool_version, self.settings))


def identity(a: Assessment) -> RunIdentity:
    """The run identity of an assessment: input hashes, tool version and settings.

    The schema (each column's kind) is part of the settings: correcting a kind changes the
    findings, so it starts a new run whose matching decisions are carried over.
    """
    o = a.options
    settings = {
        "seed": o.seed,
        "sdmetrics_compatible": o.sdmetrics_compatible,
        "correlation": o.correlation,
        "max_model_rows": o.max_model_rows,
        # The target the models predicted (the default one when none was chosen), so the
        # version a page names is the target it shows.
        "target": _target(a),
        "keep_trivial_target": o.keep_trivial_target,
        "skip": sorted(o.skip),
        # Declared constraints and dropped discovered rules change which rows break a rule.
        "constraints": list(getattr(o, "constraints", ())),
        "dropped_rules": sorted(getattr(o, "dropped_rules", ())),
        # What the privacy attacks were asked to do changes their risks and findings.
        "n_attacks": getattr(o, "n_attacks", None),
        "secrets": list(getattr(o, "secrets", ())),
        "quasi_identifiers": list(getattr(o, "quasi_identifiers", ())),
        "sensitive": list(getattr(o, "sensitive", ())),
        "unseen_share": getattr(o, "unseen_share", 0.0),
        "schema": {c.name: c.kind.value for c in a.schema.columns},
    }
    return RunIdentity(
        inputs={role: i.sha256 for role, i in a.inputs.items()},
        names={role: i.name for role, i in a.inputs.items()},
        tool_version=a.version,
        settings=jsonable(settings),
        scores=jsonable(dict(a.scores)),
    )


def _target(a: Assessment) -> str | None:
    utility = a.result("utility")
    chosen = utility_info(utility).target
    return chosen or a.options.target


def kind_title(kind: str) -> str:
    """A review item kind in plain words, e.g. "Flagged row: exact copy" for ``copied_row``."""
    if is_row_kind(kind):
        reason = kind.removesuffix(ROW_SUFFIX)
        return ROW_TITLE + REASON_WORDS.get(reason, reason.replace("_", " "))
    return KIND_TITLES.get(kind) or kind.replace("_", " ").capitalize()


def is_row_kind(kind: str) -> bool:
    return kind.endswith(ROW_SUFFIX)


def row_reasons(kind: str, evidence: dict[str, Any] | None) -> list[str]:
    """Every flag reason of a row item (its kind names only the most serious one)."""
    reasons = [str(r) for r in (evidence or {}).get("reasons") or []]
    return reasons or [kind.removesuffix(ROW_SUFFIX)]


def matches_kind(kind: str, evidence: dict[str, Any] | None, wanted: str) -> bool:
    """Whether an item passes the Kind filter ``wanted``: a finding by its kind, a flagged row
    by any of its reasons (``wanted`` is then ``<reason>_row``), as the counts say."""
    if is_row_kind(wanted):
        return is_row_kind(kind) and wanted.removesuffix(ROW_SUFFIX) in row_reasons(kind, evidence)
    return kind == wanted


def kind_counts(items: Iterable[Any]) -> Counter[str]:
    """Items per Kind filter value: findings by kind, flagged rows under every reason."""
    counts: Counter[str] = Counter()
    for i in items:
        if is_row_kind(i.kind):
            counts.update(r + ROW_SUFFIX for r in dict.fromkeys(row_reasons(i.kind, i.evidence)))
        else:
            counts[i.kind] += 1
    return counts


def row_kind(reasons: list[str]) -> str:
    """The item kind of a flagged row: its most serious reason, e.g. ``copied_row``."""
    first = next((r for r in ROW_REASONS if r in reasons), reasons[0] if reasons else "flagged")
    return first + ROW_SUFFIX


def finding_items(findings: list[Finding]) -> list[ItemIn]:
    """One item per finding; evidence names what to draw (a column, a pair, or rows)."""
    items: list[ItemIn] = []
    seen: Counter[str] = Counter()
    for f in findings:
        key = f.key()
        seen[key] += 1
        if seen[key] > 1:  # two findings of one metric on the same columns stay distinct
            key = f"{key}#{seen[key]}"
        chart = {0: "rows" if f.rows else None, 1: "distribution", 2: "joint"}.get(
            len(f.columns), "distribution"
        )
        evidence = {
            "source": "finding",
            "metric": f.metric,
            "score": f.score,
            "chart": chart,
            "rows": list(f.rows[:MAX_EVIDENCE_ROWS]),
            "n_rows": len(f.rows),
        }
        items.append(
            ItemIn(
                key=key,
                kind=f.kind,
                severity=f.severity,
                message=f.message,
                columns=tuple(f.columns),
                evidence=jsonable(evidence),
            )  # fmt: skip
        )
    return items


def row_items(a: Assessment, synthetic: pd.DataFrame) -> list[ItemIn]:
    """One item per flagged synthetic row, with its values, reasons and closest real record."""
    res = a.result("row_flags")
    if res is None or res.details is None or res.details.empty or "row" not in res.details:
        return []
    details = res.details
    columns = [str(c) for c in synthetic.columns]
    seen: Counter[str] = Counter()
    items = []
    for rec in details.itertuples(index=False):
        row = int(rec.row)
        if not 0 <= row < len(synthetic):
            continue
        values = jsonable(synthetic.iloc[row].tolist())
        reasons = [str(k) for k in rec.kinds]
        base = row_key(values, reasons)  # identical rows with the same reasons: 0, 1, ...
        occurrence = seen[base]
        seen[base] += 1
        kind = row_kind(reasons)
        closest = int(getattr(rec, "closest_real", -1))
        message = f"Synthetic row {row}: {rec.reason}"
        evidence = {
            "source": "row",
            "values": dict(zip(columns, values, strict=True)),
            "reasons": reasons,
            "reason": str(rec.reason),
            "score": float(rec.score),
            "closest_real": closest if closest >= 0 else None,
            # Share of seeded runs that flagged it (1 for checks without a seed), and how many.
            "stability": float(getattr(rec, "stability", 1.0)),
            "runs": int(getattr(rec, "runs", 0)),
            "columns": [str(c) for c in getattr(rec, "columns", ())],
        }
        items.append(
            ItemIn(
                key=row_key(values, reasons, occurrence),
                kind=kind,
                severity=ROW_SEVERITY.get(kind.removesuffix(ROW_SUFFIX), "medium"),
                message=message,
                row=row,
                evidence=evidence,
            )  # fmt: skip
        )
    return items


def items_for(a: Assessment, synthetic: pd.DataFrame) -> list[ItemIn]:
    """Every review item of an assessment: findings first, then flagged rows, worst first."""
    return finding_items(a.findings) + row_items(a, synthetic)
