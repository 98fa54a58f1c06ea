"""The settings of one assessment run. Which metrics exist, and in what order they run, is the
catalogue's business (``metrics/catalogue.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field


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
