"""The JSON report: the same Assessment the app shows, in a form pipelines read.

The format is documented in the README ("JSON report"). Numbers that could not be computed are
``null``; nothing here raises on a partial assessment.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from metrics import catalogue
from metrics.coverage import info as coverage_info
from metrics.detection import info as detection_info
from metrics.detection_explain import explanation_json
from metrics.flags import flags_json
from metrics.privacy import privacy_json
from metrics.privacy_attacks import info as attacks_info
from metrics.privacy_attacks_info import attacks_json, quasi_json
from metrics.results import Finding, MetricResult
from metrics.rules import rules_json
from metrics.subgroups import subgroups_json
from metrics.suite import FAMILY_LABELS, Assessment
from metrics.utility import info as utility_info
from metrics.utility import utility_json
from outputs.scale_words import computed_on, scale_dict
from outputs.score_words import floor_of, interval_of, method_summary, methods

FORMAT_VERSION = 1


def _num(value: Any) -> Any:
    """JSON-safe scalar: numpy types to Python, NaN and infinities to None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_clean(v) for v in obj.tolist()]
    return _num(obj)


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "severity": f.severity,
        "columns": list(f.columns),
        "rows": list(f.rows),
        "message": f.message,
        "metric": f.metric,
        "score": f.score,
        # How far the score sits below its noise floor beyond its uncertainty: findings are
        # listed farthest first within a severity.
        "beyond": f.beyond,
    }


def _rows(res: MetricResult | None, keep: list[str]) -> list[dict[str, Any]]:
    if res is None or res.details.empty:
        return []
    cols = [c for c in keep if c in res.details.columns]
    return res.details[cols].to_dict(orient="records")


# A details row's interval and floor columns, as the report writes them.
_BOUNDS = ["low", "high", "floor", "beyond"]


def _bounded(row: dict[str, Any]) -> dict[str, Any]:
    """A details row with its ``low``/``high`` as one ``interval`` ``[low, high]`` (null when
    either is missing), its ``floor`` and its ``beyond`` (the distance below the floor beyond
    the interval): present, as null, before the metric computes them."""
    row = dict(row)
    bounds = {k: row.pop(k, None) for k in _BOUNDS}
    interval = interval_of(bounds)
    return row | {
        "interval": list(interval) if interval else None,
        "floor": floor_of(bounds["floor"]),
        "beyond": floor_of(bounds["beyond"]),
    }


def _interval(value: Any) -> list[float] | None:
    interval = interval_of(value)
    return None if interval is None else [interval[0], interval[1]]


def _columns(a: Assessment) -> list[dict[str, Any]]:
    """Per column: its shape score, missing shares, coverage and validity (where computed)."""
    shape_keys = ["column", "kind", "metric", "score", "error", *_BOUNDS]
    rows = [_bounded(r) for r in _rows(a.result("column_shapes"), shape_keys)]
    extra: dict[str, dict[str, Any]] = {}
    for name, keep in (("missing_values", {"real": "missing_real",
                                           "synthetic": "missing_synthetic"}),
                       ("coverage", {"score": "coverage"}),
                       ("validity", {"score": "validity"})):  # fmt: skip
        for row in _rows(a.result(name), ["column", *keep]):
            extra.setdefault(row["column"], {}).update({keep[k]: row[k] for k in keep})
    return [row | extra.get(row["column"], {}) for row in rows]


def _summary(a: Assessment) -> list[dict[str, Any]]:
    """Summary statistics side by side, as the Columns page shows them."""
    table = coverage_info(a.result("coverage")).summary
    if table.empty:
        return []
    keep = ["column", "statistic", "real", "synthetic", "real_text", "synthetic_text"]
    return table[keep].to_dict(orient="records")


def _properties(a: Assessment) -> dict[str, Any]:
    """The two QualityReport properties; in compatible mode they equal sdmetrics' scores."""
    out = {}
    for name in ("column_shapes", "pair_trends"):
        res = a.result(name)
        out[name] = res.score if res is not None else None
    return out


def _pairs(a: Assessment) -> list[dict[str, Any]]:
    res = a.result("pair_trends")
    out = []
    keep = [
        "column_a",
        "column_b",
        "metric",
        "score",
        "real",
        "synthetic",
        "relation",
        "shape",
        "change",
        "error",
        *_BOUNDS,
    ]
    for row in _rows(res, keep):
        out.append({"columns": [row.pop("column_a"), row.pop("column_b")], **_bounded(row)})
    return out


def _detection(a: Assessment) -> dict[str, Any] | None:
    res = a.result("detection")
    if res is None:
        return None
    found = detection_info(res)
    return {
        "auc": res.raw,
        "score": res.score,
        "rows_per_side": found.n_per_side,
        "error": res.error,
        # ``interval`` and ``floor`` belong to the score (1 - 2 x |AUC - 0.5|, like every other
        # score); ``auc_interval`` and ``floor_auc`` are the same on the AUC's own scale.
        "interval": _interval(res.interval),
        "floor": floor_of(res.floor),
        "auc_interval": _interval(getattr(found, "auc_interval", None)),
        "floor_auc": floor_of(getattr(found, "floor_auc", None)),
        "explanation": explanation_json(getattr(found, "explanation", [])),
    }


def _utility(res: MetricResult) -> dict[str, Any]:
    """The metric's own section, with the no-skill baseline, whether the score is measurable
    and why not (from :class:`UtilityInfo` when its section lacks them), and the interval."""
    out = utility_json(res)
    found = utility_info(res)
    out.setdefault("baseline", getattr(found, "baseline", None))
    out.setdefault("measurable", getattr(found, "measurable", None))
    out.setdefault("reason", getattr(found, "reason", None) or res.excluded)
    out.setdefault("interval", _interval(res.interval))
    out.setdefault("floor", floor_of(res.floor))
    return out


def _privacy(a: Assessment) -> dict[str, Any] | None:
    res = a.result("privacy")
    if res is None:
        return None
    out = privacy_json(res)
    if res.error is None:
        out.setdefault("interval", _interval(res.interval))
        out.setdefault("floor", floor_of(res.floor))
    attacks = a.result("privacy_attacks")
    found = attacks_info(attacks)
    # Never a risk without its control: with no control every attack is None and
    # ``control``/``control_note`` say why.
    out["attacks"] = attacks_json(found) if attacks is not None else None
    out["quasi_identifiers"] = quasi_json(found)
    return out


def _section(a: Assessment, name: str, render: Any) -> Any:
    """A section that the metric's own module renders (privacy, utility, flags)."""
    res = a.result(name)
    return None if res is None else render(res)


# Identifying columns of a detail row, by result shape: what the default rendering keeps.
_KEYS = {"columns": ["column", "kind"], "pairs": ["column_a", "column_b", "metric"]}


def _metrics(a: Assessment) -> list[dict[str, Any]]:
    """Every catalogued metric that ran, rendered by its result shape: a new metric appears
    here (and in the HTML report's default section) with no edit to this file."""
    out = []
    for entry in catalogue.CATALOGUE:
        res = a.result(entry.name)
        if res is None:
            continue
        item: dict[str, Any] = {
            "name": entry.name, "family": entry.family, "counts": entry.counts,
            "shape": entry.result, "goal": entry.goal, "score": res.score, "error": res.error,
        }  # fmt: skip
        item |= {"interval": _interval(res.interval), "floor": floor_of(res.floor),
                 "excluded": res.excluded,
                 "computed_on": computed_on(a, entry.name)}  # fmt: skip
        keys = _KEYS.get(entry.result)
        if keys and res.details is not None and not res.details.empty:
            item["details"] = [_bounded(r) for r in _rows(res, [*keys, "score", "error", *_BOUNDS])]
        out.append(item)
    return out


def _families(values: dict[str, Any], convert: Any) -> dict[str, Any]:
    """Family -> value in the report's family order (families, then overall), missing ones
    left out: the same order whatever order the suite filled them in."""
    order = [*(f for f in FAMILY_LABELS if f != "overall"), "overall"]
    out = {f: convert(values.get(f)) for f in order}
    return {f: v for f, v in out.items() if v is not None}


def interval_method(a: Assessment) -> dict[str, Any]:
    """How every interval and floor in the report was made, named once: the level, the
    resamples, the seed, the rule for family scores, and each metric's method."""
    o = a.options
    return {
        "confidence": getattr(o, "confidence", None),
        "n_boot": getattr(o, "n_boot", None),
        "seed": o.seed,
        "summary": method_summary(o),
        "metrics": methods(),
    }


def to_dict(a: Assessment, review: dict[str, Any] | None = None) -> dict[str, Any]:
    """The report as a plain dict (see the README for the format)."""
    report: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "tool": {"name": "SynthLens", "version": a.version},
        "scores": dict(a.scores),
        "intervals": _families(a.intervals, _interval),
        "floors": _families(a.floors, floor_of),
        "properties": _properties(a),
        "inputs": {
            role: {"name": i.name, "rows": i.rows, "columns": i.columns, "sha256": i.sha256}
            for role, i in a.inputs.items()
        },
        "schema": {c.name: c.kind.value for c in a.schema.columns},
        "schema_differences": {
            "only_real": a.schema.only_real,
            "only_synthetic": a.schema.only_synthetic,
            "conflicts": a.schema.conflicts,
        },
        "settings": {
            "seed": a.options.seed,
            "sdmetrics_compatible": a.options.sdmetrics_compatible,
            "correlation": a.options.correlation,
            "max_model_rows": a.options.max_model_rows,
            "target": a.options.target,
            "keep_trivial_target": a.options.keep_trivial_target,
            "privacy_attacks": {
                "n_attacks": a.options.n_attacks,
                "secrets": list(a.options.secrets),
                "quasi_identifiers": list(a.options.quasi_identifiers),
                "sensitive": list(a.options.sensitive),
                "unseen_share": a.options.unseen_share,
            },
            "interval_method": interval_method(a),
        },
        "columns": _columns(a),
        "pairs": _pairs(a),
        "summary": _summary(a),
        "findings": [finding_json(f) for f in a.findings],
        "detection": _detection(a),
        "flags": _section(a, "row_flags", flags_json) or [],
        "rules": _section(a, "rules", rules_json) or [],
        "subgroups": _section(a, "subgroups", subgroups_json) or [],
        "privacy": _privacy(a),
        "utility": _section(a, "utility", _utility),
        "metrics": _metrics(a),
        "errors": {n: r.error for n, r in a.results.items() if r.error},
        "timings_seconds": a.timings,
        "scale": scale_dict(a),
    }
    if review is not None:
        report["review"] = review
    return _clean(report)


def to_json(a: Assessment, review: dict[str, Any] | None = None) -> str:
    return json.dumps(to_dict(a, review), indent=2, ensure_ascii=False)
