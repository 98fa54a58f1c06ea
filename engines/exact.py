"""The exact metrics over every row: states from any engine, merged, scored.

:func:`exact_figures` asks an engine (``engines.base.Engine``) for the states of each side and
turns them into :class:`metrics.scale_info.ExactFigures`; it never looks at rows itself, so the
same code serves pandas, DuckDB and Spark. Scores equal the in-memory metrics' on the same rows
(tests/scale): KS and TV complements, missing shares with their intervals, coverage, validity,
the pairs' correlation and contingency similarities, and the exact copies.

SynthLens mode cuts numbers in pair tables at the real data's deciles, found (as in memory) on
every k-th real row up to ``EDGE_ROWS`` rows: the engine fetches those same rows, so the edges
and the tables counted over every row are the in-memory run's.
"""

from __future__ import annotations

import numpy as np

from engines.base import Engine, Key, Source
from engines.pandas_pairs import NUMBER_KINDS, number_values, pair_keys
from metrics.encode import Encoded
from metrics.options import Options
from metrics.pair_shapes import EDGE_ROWS, quantile_edges
from metrics.pairs import pair_columns
from metrics.results import Progress, no_progress
from metrics.scale_info import ExactFigures, MissingFigure, PairFigure, ShapeFigure
from metrics.schema import Kind, Schema
from metrics.state_columns import NumericState, ks_complement_from, tv_complement_from
from metrics.state_coverage import (
    coverage_scores,
    missing_interval,
    missing_scores,
    validity_bounds,
    validity_scores,
)
from metrics.state_pairs import (
    Binning,
    PairStates,
    contingency_similarity_from,
    correlation_similarity_from,
    merge,
    quantile_binning,
    sdmetrics_binning,
)

SDMETRICS_CORRELATION = 0.5  # sdmetrics counts a pair of numbers when |r_real| is above it
SDMETRICS_ASSOCIATION = 0.3  # and any other pair when the real Cramer's V is above it


def _shapes(engine: Engine, real: Source, syn: Source, schema: Schema) -> dict[str, ShapeFigure]:
    states = [engine.column_states(s, schema) for s in (real, syn)]
    out = {}
    for col, r in states[0].items():
        s = states[1][col]
        if isinstance(r, NumericState) and isinstance(s, NumericState):
            ks = ks_complement_from(r, s)
            out[col] = ShapeFigure(ks.score, ks.statistic, ks.exact, ks.bound)
        else:
            try:
                score = tv_complement_from(r, s)  # type: ignore[arg-type]
            except ValueError:
                score = float("nan")
            out[col] = ShapeFigure(score, 1.0 - score)
    return out


def _binnings(
    engine: Engine, real: Source, schema: Schema, options: Options, first: list[PairStates]
) -> list[dict[str, Binning]]:
    """Each side's bins for the numbers in contingency tables (see the module docstring)."""
    numbers = [c.name for c in schema.columns if c.kind in NUMBER_KINDS]
    if options.sdmetrics_compatible:
        return [
            {c: sdmetrics_binning(side.ranges[c], k == 0) for c in numbers if c in side.ranges}
            for k, side in enumerate(first)
        ]
    if not numbers:
        return [{}, {}]
    # The in-memory run cuts at the deciles of every k-th real value (pair_shapes.thin); the
    # engine fetches exactly those rows, so the edges, and the tables, are today's.
    rows = engine.rows(real)
    step = max(1, -(-rows // EDGE_ROWS))
    kept = engine.sample(real, np.arange(0, rows, step, dtype=np.int64))
    values = number_values(kept, schema, set(numbers))
    edges = {c: quantile_binning(quantile_edges(values[c])) for c in numbers}
    return [edges, edges]


def _pairs(
    engine: Engine, sides: list[Source], schema: Schema, options: Options, enc: Encoded
) -> dict[Key, PairFigure]:
    compat = options.sdmetrics_compatible
    numbers, others = pair_keys(schema, pair_columns(enc, options.seed))
    spearman = options.correlation == "spearman" and not compat
    first = [engine.number_states(s, schema, numbers, spearman) for s in sides]
    bins = _binnings(engine, sides[0], schema, options, first)
    states = [merge(f, engine.table_states(s, schema, others, b))
              for f, s, b in zip(first, sides, bins, strict=True)]  # fmt: skip
    kinds = {c.name: c.kind for c in schema.columns}
    out: dict[Key, PairFigure] = {}
    for key in numbers:
        c = correlation_similarity_from(states[0], states[1], key, spearman)
        weight = float(abs(c.real) > SDMETRICS_CORRELATION) if compat and c.error is None else None
        out[key] = PairFigure(c.score, c.real, c.synthetic, None, weight, c.n_real,
                              c.n_synthetic, c.error)  # fmt: skip
    for a, b in others:
        axis: tuple[Kind | None, Kind | None] = tuple(  # type: ignore[assignment]
            None if kinds[c] in NUMBER_KINDS else kinds[c] for c in (a, b)
        )
        errors = tuple((bins[0].get(c) or bins[1].get(c) or Binning(())).error for c in (a, b))
        t = contingency_similarity_from(states[0], states[1], (a, b), axis, errors)
        weight = None
        if compat and t.error is None:
            weight = float(t.sdmetrics_association > SDMETRICS_ASSOCIATION)
        out[(a, b)] = PairFigure(t.score, None, None, t.sdmetrics_association, weight,
                                 t.n_real, t.n_synthetic, t.error)  # fmt: skip
    return out


def exact_figures(
    engine: Engine,
    sources: dict[str, Source],
    schema: Schema,
    enc: Encoded,
    options: Options | None = None,
    progress: Progress = no_progress,
) -> ExactFigures:
    """Every exact figure of the pair in ``sources`` (``real``, ``synthetic``, optional
    ``holdout``) on ``engine``; ``enc`` is the encoded sample (which columns are paired on wide
    tables)."""
    options = options or Options()
    real, syn = sources["real"], sources["synthetic"]
    out = ExactFigures()
    progress(0.0, f"Column shapes over all rows ({engine.name})...")
    out.shapes = _shapes(engine, real, syn, schema)
    progress(0.25, f"Missing values, coverage and validity over all rows ({engine.name})...")
    sides = [engine.side_state(s, schema) for s in (real, syn)]
    shares = missing_scores(sides[0], sides[1], schema)
    for spec in schema.columns:
        r, s = sides[0], sides[1]
        real_share = r.columns[spec.name].missing / r.n_rows if r.n_rows else float("nan")
        syn_share = s.columns[spec.name].missing / s.n_rows if s.n_rows else float("nan")
        interval, floor = (None, None)
        if r.n_rows and s.n_rows:
            interval, floor = missing_interval(r, s, spec.name, options)
        out.missing[spec.name] = MissingFigure(real_share, syn_share, shares[spec.name],
                                               interval, floor)  # fmt: skip
    out.coverage = coverage_scores(sides[0], sides[1], schema)
    outside = engine.outside_state(syn, schema, validity_bounds(sides[0], schema))
    out.validity = validity_scores(sides[0], sides[1], outside, schema)
    progress(0.45, f"Pair trends over all rows ({engine.name})...")
    out.pairs = _pairs(engine, [real, syn], schema, options, enc)
    progress(0.85, f"Exact copies over all rows ({engine.name})...")
    out.copies = engine.copy_counts(real, syn, schema, sources.get("holdout"))
    if not options.sdmetrics_compatible:
        out.notes["pair_trends"] = (
            "Each pair's similarity is counted over all rows; which pairs hold a relation (their "
            "weights), the shapes, the calendar-part pairs, the intervals and the floors come "
            "from the sample."
        )
    progress(1.0, "Exact figures done.")
    return out


__all__ = ["exact_figures"]
