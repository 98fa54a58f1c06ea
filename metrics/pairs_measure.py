"""Measuring each pair of columns for :mod:`metrics.pairs`: correlations of two continuous
columns, contingency tables (with their associations) of every other pair.

One :class:`Pair` per pair holds its similarity score with its interval and noise floor
(:mod:`metrics.pair_bounds`), the strength of the relation on each side (correlations, or
bias-corrected Cramer's V on the main levels), the rows behind them, the noise sampling alone
makes, whether either side holds a relation at all, and in ``Options.sdmetrics_compatible`` mode
sdmetrics' 0/1 weight.

In SynthLens mode a pair with no relation on either side (both within noise of 0, see
:func:`metrics.pair_bounds.correlation_is_noise`) scores 1 with no interval: there is no trend to
keep and none was invented. Its similarity would only echo the two columns' own shapes (already
scored by column shapes) and sampling noise: about 0.75 for a 10-bin column against a
three-level one on 161 rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from metrics.encode import NUM_BINS, Encoded, Side, parallel_map
from metrics.options import Options
from metrics.pair_bounds import (
    association_is_noise,
    contingency_bounds,
    correlation_bounds,
    correlation_is_noise,
)
from metrics.pair_stats import (
    association_noise,
    collapse_rare,
    contingency_similarity,
    cramers_v,
    cramers_v_corrected,
    pair_tables,
    pearson_matrix,
    sdmetrics_bins,
    spearman_matrix,
    table_chi2,
)
from metrics.results import Progress

SDMETRICS_CORRELATION_THRESHOLD = 0.5
SDMETRICS_ASSOCIATION_THRESHOLD = 0.3
NEGLIGIBLE = 0.05  # strength below which a side holds no trend to keep, whatever the size


@dataclass
class Pair:
    """The measurements of one pair of columns (a details row of ``pair_trends``)."""

    a: str
    b: str
    metric: str
    score: float = np.nan
    low: float = np.nan
    high: float = np.nan
    floor: float = np.nan
    real: float = np.nan
    synthetic: float = np.nan
    weight: float = 0.0
    sdmetrics_association: float = np.nan
    n_real: int = 0
    n_synthetic: int = 0
    noise: float = np.nan
    # No relation on either side (both within noise of 0): scored 1 in SynthLens mode.
    unrelated: bool = False
    error: str | None = None
    # SynthLens mode: the shape similarity (metrics.pair_shapes), whether the shape is lost,
    # the strength of a relation of two numbers on their binned table (a rise then fall has no
    # correlation), and what changed in words.
    shape: float = np.nan
    shape_lost: bool = False
    shape_strength: float = 0.0
    change: str = ""


def _is_constant(values: np.ndarray) -> bool:
    """One distinct non-missing value (pandas' ``nunique() == 1``, as sdmetrics tests it)."""
    return bool(np.fmin.reduce(values, initial=np.inf) == np.fmax.reduce(values, initial=-np.inf))


# long: one loop fills each pair's fields in the order sdmetrics checks them (constant, errors)
def correlations(
    enc: Encoded, options: Options, cols: list[str], bounds: bool = True,
    strength: Callable[[str, str], float] | None = None,
) -> dict[tuple[str, str], Pair]:  # fmt: skip
    """CorrelationSimilarity of every pair of continuous columns among ``cols`` (with their
    intervals and floors unless ``bounds`` is False). ``strength`` gives, in SynthLens mode, the
    strength of a relation of two numbers on their binned tables (0 when there is none): a pair
    with one is not unrelated even when neither correlation differs from 0."""
    chosen = set(cols)
    cont = [c for c in enc.continuous if c in chosen]
    if len(cont) < 2:
        return {}
    # sdmetrics' QualityReport always uses Pearson.
    spearman = options.correlation == "spearman" and not options.sdmetrics_compatible
    fn = spearman_matrix if spearman else pearson_matrix
    sides = (enc.real, enc.synthetic)
    (r_real, n_real, err_real), (r_syn, n_syn, err_syn) = parallel_map(
        lambda side: fn([side.numeric[c] for c in cont]), sides
    )
    constant = {
        (side, c)
        for side, s in (("real", enc.real), ("synthetic", enc.synthetic))
        for c in cont
        if _is_constant(s.numeric[c])
    }
    out = {}
    for i, j in itertools.combinations(range(len(cont)), 2):
        a, b = cont[i], cont[j]
        pair = Pair(
            a, b, "CorrelationSimilarity", n_real=int(n_real[i, j]), n_synthetic=int(n_syn[i, j])
        )
        flat = [
            f"{c} is constant in the {side} data"
            for side in ("real", "synthetic")
            for c in (a, b)
            if (side, c) in constant
        ]
        if flat:
            # sdmetrics refuses (ConstantInputError) before looking at the rows.
            pair.error = "; ".join(flat) + ": correlation is undefined"
        elif (i, j) in err_real or (i, j) in err_syn:
            pair.error = err_real.get((i, j)) or err_syn.get((i, j))
        else:
            pair.real, pair.synthetic = float(r_real[i, j]), float(r_syn[i, j])
            # Four standard errors of a difference of two correlations near 0.
            pair.noise = 4 * float(np.sqrt(1 / max(pair.n_real, 1) + 1 / max(pair.n_synthetic, 1)))
            if np.isfinite(pair.real) and np.isfinite(pair.synthetic):
                pair.score = 1.0 - abs(pair.real - pair.synthetic) / 2
            elif not np.isfinite(pair.real):
                pair.error = "correlation is undefined in the real data (constant on shared rows)"
            else:
                pair.error = (
                    "correlation is undefined in the synthetic data (constant on shared rows)"
                )
        if options.sdmetrics_compatible:
            pair.weight = float(
                np.isfinite(pair.real) and abs(pair.real) > SDMETRICS_CORRELATION_THRESHOLD
            )
        elif strength is not None and np.isfinite(pair.score):
            pair.shape_strength = strength(a, b)
        _correlation_bounds(pair, spearman, options, bounds)
        out[(a, b)] = pair
    return out


def _correlation_bounds(pair: Pair, spearman: bool, options: Options, bounds: bool) -> None:
    """The pair's interval and floor, or in SynthLens mode its score 1 when it is unrelated."""
    if not np.isfinite(pair.score):
        return
    pair.unrelated = pair.shape_strength == 0 and all(
        correlation_is_noise(r, n, spearman, options.confidence, NEGLIGIBLE)
        for r, n in ((pair.real, pair.n_real), (pair.synthetic, pair.n_synthetic))
    )
    if pair.unrelated and not options.sdmetrics_compatible:
        pair.score = 1.0
        return
    if not bounds:
        return
    pair.low, pair.high, pair.floor = correlation_bounds(
        pair.real, pair.synthetic, pair.n_real, pair.n_synthetic, spearman, options,
        (pair.a, pair.b),
    )  # fmt: skip


def _side_codes(enc: Encoded, side: Side, compat: bool, continuous: list[str]):
    """Non-negative codes of every column for joint tables, their sizes and binning errors."""
    codes, sizes, errors = {}, {}, {}
    for c in enc.discrete:
        sizes[c] = len(enc.categories[c]) + 1
        dtype = np.uint8 if sizes[c] <= 1 << 8 else np.uint16 if sizes[c] <= 1 << 16 else np.int64
        codes[c] = np.add(side.codes[c], 1, dtype=dtype, casting="unsafe")  # missing -> 0
    for c in continuous:
        sizes[c] = NUM_BINS + 2
        if not compat:
            codes[c] = side.binned[c].view(np.uint8)  # 1..NUM_BINS + 1, never negative
        elif side is enc.real and np.isfinite(enc.bins[c][1:-1]).all():
            # sdmetrics' own bins of the real data are Encoded.bins with finite ends: the
            # codes only differ where the value is the maximum (code 11 there, as missing).
            values = side.numeric[c]
            codes[c] = side.binned[c].astype(np.uint8)
            codes[c][values == np.fmax.reduce(values, initial=-np.inf)] = NUM_BINS + 1
            if np.isinf(values).any():
                errors[c] = "ValueError: the column has infinite values; it cannot be binned"
        else:
            binned, err = sdmetrics_bins(side.numeric[c])
            codes[c] = binned.view(np.uint8)
            if err:
                errors[c] = err
    return codes, sizes, errors


def _associations(
    pair: Pair, t_real: np.ndarray, t_syn: np.ndarray, options: Options,
    keep: tuple[bool, bool] = (False, False),
) -> None:  # fmt: skip
    """Both sides' corrected Cramer's V on the main levels, their noise, whether either holds
    a relation, and in compatible mode sdmetrics' association and weight."""
    main_real, main_syn = collapse_rare(t_real, t_syn, keep=keep)
    chi2_real, chi2_syn = table_chi2(main_real), table_chi2(main_syn)
    pair.real, pair.synthetic = cramers_v_corrected(chi2_real), cramers_v_corrected(chi2_syn)
    pair.noise = float(np.hypot(association_noise(chi2_real), association_noise(chi2_syn)))
    if options.sdmetrics_compatible:
        pair.sdmetrics_association = cramers_v(table_chi2(t_real))
        pair.weight = float(
            np.isfinite(pair.sdmetrics_association)
            and pair.sdmetrics_association > SDMETRICS_ASSOCIATION_THRESHOLD
        )
    pair.unrelated = all(
        association_is_noise(chi2, v, options.confidence, NEGLIGIBLE)
        for chi2, v in ((chi2_real, pair.real), (chi2_syn, pair.synthetic))
    )


def contingencies(
    enc: Encoded, options: Options, progress: Progress, cols: list[str], bounds: bool = True,
    tables: tuple[list[tuple[str, str]], dict, dict] | None = None,
) -> dict[tuple[str, str], Pair]:  # fmt: skip
    """ContingencySimilarity of every other pair among ``cols``, with both sides' associations
    (and the scores' intervals and floors unless ``bounds`` is False).

    ``tables`` (SynthLens mode: :func:`metrics.pair_quantiles.build`) gives the pairs and both
    sides' tables; without it they are counted here on ``Encoded.bins``, or on sdmetrics' own
    bins in compatible mode.
    """
    cont = set(enc.continuous)
    compat = options.sdmetrics_compatible
    errors: dict[str, str] = {}
    binned: set[str]
    if tables is None:
        wanted = [
            (a, b) for a, b in itertools.combinations(cols, 2) if not (a in cont and b in cont)
        ]
        if not wanted:
            return {}
        in_pairs = {c for p in wanted for c in p}
        mixed = [c for c in enc.continuous if c in in_pairs]
        real_tables, syn_tables = _count_tables(enc, compat, progress, wanted, mixed, errors)
        binned = set()
    else:
        wanted, real_tables, syn_tables = tables
        mixed = []
        binned = cont
    out, todo = {}, []
    for a, b in wanted:
        t_real, t_syn = real_tables[(a, b)], syn_tables[(a, b)]
        pair = Pair(
            a, b, "ContingencySimilarity", n_real=int(t_real.sum()), n_synthetic=int(t_syn.sum())
        )
        bad = [errors[c] for c in (a, b) if c in errors]
        if bad:
            pair.error = bad[0]
            out[(a, b)] = pair
            continue
        pair.score = contingency_similarity(t_real, t_syn)
        out[(a, b)] = pair
        if not np.isfinite(pair.score):
            pair.error = "no rows in the real data"
            continue
        # Real-quantile bins each hold a tenth of the rows: on small data that is fewer than
        # collapse_rare's 20 rows, but they are the column's main levels, not rare ones.
        keep = (a in binned, b in binned)
        _associations(pair, t_real, t_syn, options, keep)
        if pair.unrelated and not compat:
            pair.score = 1.0
        elif bounds:
            todo.append((pair, t_real, t_syn))
    if todo:
        progress(0.9, "Pair trends: intervals and noise floors")
        _contingency_bounds(enc, options, todo, mixed)
    return out


def _count_tables(
    enc: Encoded, compat: bool, progress: Progress, wanted: list[tuple[str, str]],
    mixed: list[str], errors: dict[str, str],
) -> tuple[dict, dict]:  # fmt: skip
    """Both sides' tables of the pairs on ``Encoded.bins`` (sdmetrics' own bins when
    ``compat``); binning errors go into ``errors``."""
    both = []

    def one_side(side: Side) -> tuple[dict, dict]:
        codes, sizes, errs = _side_codes(enc, side, compat, mixed)
        return pair_tables(codes, sizes, wanted), errs

    # Sides one after the other (their codes need not coexist); groups run on two threads.
    for k, (side_tables, errs) in enumerate(map(one_side, (enc.real, enc.synthetic))):
        errors.update(errs)
        both.append(side_tables)
        progress(0.4 + 0.25 * (k + 1), "Pair trends: contingency tables")
    return both[0], both[1]


def _contingency_bounds(
    enc: Encoded, options: Options, todo: list[tuple[Pair, np.ndarray, np.ndarray]],
    mixed: list[str],
) -> None:  # fmt: skip
    """Each pair's interval and floor (:func:`metrics.pair_bounds.contingency_bounds`).

    sdmetrics bins a continuous column on each side's own range, so even an independent real
    sample loses to bins that do not line up (about 0.12 on a normal column of 20,000 rows),
    and no re-weighting of counts can draw new ranges. In compatible mode a mixed pair's
    interval and floor are therefore measured on the real data's bins shared by both sides, as
    in SynthLens mode, and moved by the difference the own-range bins make to its score: the
    judgement (beyond the floor or not) is the one SynthLens makes, the score stays sdmetrics'.
    """
    jobs = [(pair, t_real, t_syn, 0.0) for pair, t_real, t_syn in todo]
    if options.sdmetrics_compatible:
        cont = set(enc.continuous)
        moved = [(pair.a, pair.b) for pair, _, _ in todo if {pair.a, pair.b} & cont]
        shared = []
        for side in (enc.real, enc.synthetic):
            codes, sizes, _ = _side_codes(enc, side, False, mixed)
            shared.append(pair_tables(codes, sizes, moved))
        for i, job in enumerate(jobs):
            pair, key = job[0], (job[0].a, job[0].b)
            if key in shared[0]:
                own = contingency_similarity(shared[0][key], shared[1][key])
                jobs[i] = (pair, shared[0][key], shared[1][key], pair.score - own)

    def measure(job: tuple[Pair, np.ndarray, np.ndarray, float]) -> tuple[float, float, float]:
        pair, t_real, t_syn, shift = job
        return contingency_bounds(t_real, t_syn, pair.score - shift, options, (pair.a, pair.b))

    for (pair, _, _, shift), found in zip(jobs, parallel_map(measure, jobs), strict=True):
        low, high, floor = (float(np.clip(v + shift, 0.0, 1.0)) for v in found)
        pair.low, pair.high, pair.floor = min(low, pair.score), max(high, pair.score), floor
