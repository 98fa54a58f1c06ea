"""Run the metric catalogue on a pair and gather one :class:`Assessment`.

Overall score
-------------
Each family score is the mean of the scores of its metrics that could be computed:

- ``fidelity``: column shapes and pair trends (sdmetrics' QualityReport averages the same two;
  in SynthLens mode pairs are weighted by how strongly the columns are related, see pairs.py);
- ``coverage``: missing values, coverage of real ranges and categories, validity of values;
- ``detection``: how hard a classifier finds it to tell synthetic rows from real ones;
- ``privacy``: exact copies and distance to the closest real record against the holdout;
- ``utility``: a model trained on synthetic data against one trained on real data.

``overall`` is the plain mean of the family scores that exist (utility needs a target column).
Row flags do not enter a score: they are row-level evidence for the review queue.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from metrics.catalogue import BY_NAME, FAMILIES, Entry, needed_results, run_order
from metrics.encode import Encoded, encode
from metrics.findings import assessment_findings
from metrics.options import Options
from metrics.results import Finding, MetricResult, Progress, no_progress
from metrics.scale_info import ScaleInfo
from metrics.schema import Schema, infer
from metrics.uncertainty import mean_bounds, mean_floor

VERSION = "0.1.0"
FAMILY_LABELS = {
    "overall": "Overall",
    "fidelity": "Fidelity",
    "coverage": "Coverage",
    "detection": "Detection",
    "privacy": "Privacy",
    "utility": "Utility",
}
FAMILY_MEANINGS = {
    "overall": "Mean of the family scores below that could be computed.",
    "fidelity": "Do single columns and pairs of columns look like the real data? "
    "1 = same distributions and same relations.",
    "coverage": "Does the synthetic data cover the real ranges and categories, with the same "
    "share of missing values and no values the real data never has?",
    "detection": "Can a classifier tell synthetic rows from real ones? 1 = no better than a coin "
    "(AUC 0.5), 0 = every row is told apart (AUC 1).",
    "privacy": "Are real records copied or nearly copied? 1 = synthetic rows are no closer to "
    "the real rows than unseen real rows are.",
    "utility": "Does a model trained on synthetic data do as well on real data as one trained "
    "on real data? 1 = keeps all the skill beyond chance of a model trained on real data; 0 = "
    "none of it.",
}


@dataclass(frozen=True)
class InputInfo:
    role: str
    name: str
    rows: int
    columns: int
    sha256: str


@dataclass
class Assessment:
    """Everything one run found, in the form pages and reports read."""

    results: dict[str, MetricResult]
    scores: dict[str, float]
    findings: list[Finding]
    inputs: dict[str, InputInfo]
    schema: Schema
    options: Options
    timings: dict[str, float] = field(default_factory=dict)
    version: str = VERSION
    # family (and "overall") -> interval of its score, and what an independent real sample
    # scores; a family whose metrics lack one has none.
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    floors: dict[str, float] = field(default_factory=dict)
    # How a large-data engine made the run (exact over all rows vs from its sample); None for
    # the in-memory pandas run, where every metric saw every row it reads.
    scale: ScaleInfo | None = None

    def result(self, name: str) -> MetricResult | None:
        return self.results.get(name)


def frame_sha256(df: pd.DataFrame) -> str:
    """A content hash of a frame, for inputs that did not come from a file."""
    h = hashlib.sha256()
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    h.update("\x1f".join(map(str, df.columns)).encode())
    return h.hexdigest()


def _counted(results: dict[str, MetricResult]) -> dict[str, list[MetricResult]]:
    """Family -> the results whose score counts in it: computed, not excluded, and of a metric
    the catalogue counts."""
    by_family: dict[str, list[MetricResult]] = {f: [] for f in FAMILIES}
    for name, res in results.items():
        info = BY_NAME.get(name)
        if (info is not None and not info.counts) or res.excluded:
            continue  # reported, not counted (the catalogue or the metric says why)
        family = info.family if info else res.family
        if family in by_family and res.score is not None and np.isfinite(res.score):
            by_family[family].append(res)
    return {f: v for f, v in by_family.items() if v}


def _family_scores(results: dict[str, MetricResult]) -> dict[str, float]:
    scores = {f: float(np.mean([r.score for r in v])) for f, v in _counted(results).items()}
    scores["overall"] = float(np.mean(list(scores.values()))) if scores else float("nan")
    return scores


def _family_bounds(
    results: dict[str, MetricResult],
) -> tuple[dict[str, tuple[float, float]], dict[str, float]]:
    """Intervals and floors of the family scores and of Overall, from their metrics' own
    (:func:`metrics.uncertainty.mean_bounds`: as wide as if the parts moved together)."""
    counted = _counted(results)
    intervals = {f: mean_bounds(r.interval for r in v) for f, v in counted.items()}
    floors = {f: mean_floor(r.floor for r in v) for f, v in counted.items()}
    if counted:
        intervals["overall"] = mean_bounds(intervals[f] for f in counted)
        floors["overall"] = mean_floor(floors[f] for f in counted)
    return (
        {f: i for f, i in intervals.items() if i is not None},
        {f: v for f, v in floors.items() if v is not None},
    )


def _call(
    info: Entry, enc: Encoded, options: Options, progress: Progress, done: dict[str, MetricResult]
) -> MetricResult:
    """Run one metric; a metric that needs others gets their results (those not skipped)."""
    if info.needs:
        return info.fn(enc, options, progress, needed_results(info, done))
    return info.fn(enc, options, progress)


def run(
    enc: Encoded,
    options: Options | None = None,
    progress: Progress = no_progress,
    inputs: dict[str, InputInfo] | None = None,
) -> Assessment:
    """Run every catalogued metric (except ``options.skip``) on an encoded pair, each after the
    metrics it needs.

    A metric that raises is recorded as a result with an ``error`` and a NaN score; the run goes
    on, so one broken metric never hides the others.
    """
    options = options or Options()
    entries = [e for e in run_order() if e.name not in options.skip]
    total = sum(e.weight for e in entries) or 1.0
    results: dict[str, MetricResult] = {}
    timings: dict[str, float] = {}
    spent = 0.0
    for info in entries:
        name = info.name
        base, share = spent / total, info.weight / total

        def sub(fraction: float, message: str, _b: float = base, _s: float = share) -> None:
            progress(min(1.0, _b + _s * fraction), message)

        sub(0.0, f"Computing {name.replace('_', ' ')}...")
        start = time.perf_counter()
        try:
            res = _call(info, enc, options, sub, results)
        except Exception as exc:  # noqa: BLE001 - one broken metric must not abort the run
            res = MetricResult(
                name=name,
                family=info.family,
                score=float("nan"),
                error=f"{name} could not be computed: {exc}",
            )
        timings[name] = time.perf_counter() - start
        results[name] = replace(res, family=info.family)  # the catalogue names the family
        spent += info.weight
    progress(1.0, "Done.")
    intervals, floors = _family_bounds(results)
    return Assessment(
        results=results,
        scores=_family_scores(results),
        findings=assessment_findings(results, options.target),
        inputs=inputs or {},
        schema=enc.schema,
        options=options,
        timings=timings,
        intervals=intervals,
        floors=floors,
    )


def with_result(a: Assessment, result: MetricResult, options: Options | None = None) -> Assessment:
    """A copy of ``a`` with one metric's result replaced, scores and findings recomputed.

    Lets the app re-run one metric (utility for another target) without re-running the rest.
    """
    results = {**a.results, result.name: result}
    intervals, floors = _family_bounds(results)
    return replace(
        a,
        results=results,
        intervals=intervals,
        floors=floors,
        scores=_family_scores(results),
        findings=assessment_findings(results, (options or a.options).target),
        options=options or a.options,
    )


def assess(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    schema: Schema | None = None,
    options: Options | None = None,
    progress: Progress = no_progress,
    inputs: dict[str, InputInfo] | None = None,
) -> Assessment:
    """Infer (unless given) the schema, encode the pair once, and run the suite."""
    progress(0.0, "Reading column kinds...")
    schema = schema or infer(real, synthetic)
    enc = encode(real, synthetic, schema, holdout)
    if inputs is None:
        frames: dict[str, Any] = {"real": real, "synthetic": synthetic, "holdout": holdout}
        inputs = {
            role: InputInfo(role, role, len(df), df.shape[1], frame_sha256(df))
            for role, df in frames.items()
            if df is not None
        }
    return run(enc, options, progress, inputs)
