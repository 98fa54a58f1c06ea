"""The list of metrics the suite runs, in order; each module registers its own.

A new metric needs no edit in pages: the suite, the JSON report and the default chart are
driven from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from metrics.encode import Encoded
from metrics.results import MetricResult, Progress
from metrics.schema import Kind


@dataclass(frozen=True)
class Options:
    """Settings of one assessment run (stored with the run, so keep them plain values)."""

    seed: int = 0
    # Reproduce sdmetrics' QualityReport definitions exactly instead of SynthLens' fixes.
    sdmetrics_compatible: bool = False
    correlation: str = "pearson"  # or "spearman"
    # Cap on rows per side for model-based metrics (detection, utility); stated in results.
    max_model_rows: int = 50_000
    target: str | None = None
    # Metric names to skip (e.g. {"detection"} for a quick look).
    skip: frozenset[str] = field(default_factory=frozenset)


MetricFn = Callable[[Encoded, Options, Progress], MetricResult]


@dataclass(frozen=True)
class MetricInfo:
    name: str
    family: str  # "fidelity", "detection", "privacy", "utility", "validity"
    goal: str  # one sentence: what the score says, for tooltips and the report
    kinds: tuple[Kind, ...]  # column kinds it looks at; empty for whole-table metrics
    result: str  # "columns", "pairs", "rows" or "table": the shape of ``details``
    fn: MetricFn
    weight: float = 1.0  # relative cost, for progress reporting


REGISTRY: dict[str, MetricInfo] = {}


def register(
    name: str, family: str, goal: str, kinds: tuple[Kind, ...], result: str, weight: float = 1.0
) -> Callable[[MetricFn], MetricFn]:
    """Decorator that adds a metric function to the registry under ``name``."""

    def wrap(fn: MetricFn) -> MetricFn:
        REGISTRY[name] = MetricInfo(name, family, goal, kinds, result, fn, weight)
        return fn

    return wrap
