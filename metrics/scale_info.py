"""What a run on a large-data engine measured over all rows, and what came from its sample.

The engines (``engines.assess``) fill :class:`ExactFigures` from mergeable states computed over
every row; :mod:`metrics.exact_overlay` puts them in place of the sample's figures, and the
:class:`ScaleInfo` on the assessment tells every report which numbers are exact and which come
from the seeded sample (and of how many rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from metrics.state_copies import CopyCounts

# Metrics whose scores are computed over every row by an engine (see engines.exact); the rest
# run on the seeded sample.
EXACT_METRICS = ("column_shapes", "pair_trends", "missing_values", "coverage", "validity")


@dataclass(frozen=True)
class ShapeFigure:
    """A column's KS or TV complement over all rows; ``bound`` > 0 when a KLL sketch stood in
    for the counts (the score is then within ``bound`` of the exact one, 99% per sketch)."""

    score: float
    statistic: float
    exact: bool = True
    bound: float = 0.0


@dataclass(frozen=True)
class MissingFigure:
    real: float
    synthetic: float
    score: float
    interval: tuple[float, float] | None
    floor: float | None


@dataclass(frozen=True)
class PairFigure:
    """A pair's similarity over all rows: correlations (``real``/``synthetic``) for two
    numbers, or sdmetrics' association for a contingency pair; ``weight`` when the mode's
    weight follows from these counts alone (sdmetrics-compatible mode), else None."""

    score: float
    real: float | None = None
    synthetic: float | None = None
    sdmetrics_association: float | None = None
    weight: float | None = None
    n_real: int = 0
    n_synthetic: int = 0
    error: str | None = None


@dataclass
class ExactFigures:
    """Everything an engine measured over all rows."""

    shapes: dict[str, ShapeFigure] = field(default_factory=dict)
    missing: dict[str, MissingFigure] = field(default_factory=dict)
    coverage: dict[str, float] = field(default_factory=dict)
    validity: dict[str, float] = field(default_factory=dict)
    pairs: dict[tuple[str, str], PairFigure] = field(default_factory=dict)
    copies: CopyCounts | None = None
    # What stayed from the sample inside an exact metric, in words (e.g. the pair weights).
    notes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScaleInfo:
    """How a large-data run was made: the engine, each side's rows and its sample's rows, the
    seed, which metrics are exact over all rows and which come from the sample."""

    engine: str
    rows: dict[str, int]
    sample_rows: dict[str, int]
    sample_limit: int
    seed: int
    exact: tuple[str, ...]
    sampled: tuple[str, ...]
    sketched: dict[str, float] = field(default_factory=dict)  # column -> KS error bound
    copies: CopyCounts | None = None
    notes: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def engine_label(self) -> str:
        return {"duckdb": "DuckDB", "spark": "Spark"}.get(self.engine, self.engine)

    @property
    def sampled_any(self) -> bool:
        return any(self.sample_rows[r] < self.rows[r] for r in self.rows)

    def sample_words(self) -> str:
        """One sentence on the sample, for every report."""
        if not self.sampled_any:
            return (
                f"Computed on the {self.engine_label} engine over all rows "
                f"({_sides(self.rows)}); nothing was sampled."
            )
        return (
            f"Computed on the {self.engine_label} engine. Exact over all rows ({_sides(self.rows)}): "
            f"{', '.join(m.replace('_', ' ') for m in self.exact)}. From a seeded sample "
            f"({_sides(self.sample_rows)}, seed {self.seed}): "
            f"{', '.join(m.replace('_', ' ') for m in self.sampled)}."
        )


def _sides(counts: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {role}" for role, n in counts.items())


__all__ = [
    "EXACT_METRICS",
    "ExactFigures",
    "MissingFigure",
    "PairFigure",
    "ScaleInfo",
    "ShapeFigure",
]
