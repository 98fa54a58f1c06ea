"""The ``coverage`` metric's checks: how much of the real categories and ranges the synthetic
data reaches, per column, with each column score's interval and noise floor
(:mod:`metrics.coverage_noise`), and the findings when too much is left out (see
:mod:`metrics.coverage`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from metrics.coverage_edges import distinct_texts, edge_tolerance, score_pair, share_text
from metrics.coverage_noise import (
    NOISE_COLUMNS,
    category_noise,
    noise_row,
    range_noise,
    range_scores,
)
from metrics.encode import Encoded
from metrics.marginal import category_counts, fmt_value
from metrics.options import Options
from metrics.results import Finding, Severity
from metrics.schema import Kind
from metrics.uncertainty import rng, severity_beyond, wilson

MAX_NAMED = 3  # categories named in a message


def share_severity(value: float, limits: tuple[float, float, float]) -> Severity | None:
    """Severity of a share against (low, medium, high) limits; None below the lowest."""
    low, medium, high = limits
    if not np.isfinite(value) or value < low:
        return None
    return "high" if value >= high else "medium" if value >= medium else "low"


def finite_range(values: np.ndarray) -> tuple[float, float]:
    """Smallest and largest value, NaN ignored (inf, -inf when there is none)."""
    return float(np.fmin.reduce(values, initial=np.inf)), float(
        np.fmax.reduce(values, initial=-np.inf)
    )


_COVERAGE_COLUMNS = [
    "column",
    "kind",
    "score",
    *NOISE_COLUMNS,
    "real_categories",
    "covered_categories",
    "uncovered_share",
    "real_min",
    "real_max",
    "synthetic_min",
    "synthetic_max",
    "error",
]


def score_words(label: str, row: dict[str, Any]) -> str:
    """``Category coverage 0.67; an independent real sample scores about 1.00.``"""
    score, floor = score_pair(row["score"], row["floor"])
    return f"{label} {score}; an independent real sample scores about {floor}."


def _finding(kind: str, col: str, row: dict[str, Any], message: str) -> Finding | None:
    """A finding when the column's whole interval sits below its floor (``beyond > 0``)."""
    severity = severity_beyond(row["beyond"])
    if severity is None:
        return None
    return Finding(
        kind=kind,
        severity=severity,
        columns=(col,),
        metric="coverage",
        score=row["score"],
        message=message,
        beyond=row["beyond"],
    )


def _category_coverage(enc: Encoded, col: str, options: Options) -> tuple[dict, Finding | None]:
    levels, n_real = enc.categories[col], enc.n_real_levels[col]
    cs_all = category_counts(enc.synthetic.codes[col], len(levels))
    cr = category_counts(enc.real.codes[col], len(levels))[:n_real]
    cs = cs_all[:n_real]
    row: dict[str, Any] = {"real_categories": n_real, "covered_categories": int((cs > 0).sum())}
    if n_real == 0:
        row.update(score=np.nan, error="no categories in the real data", **noise_row(None, None))
        return row, None
    share = cr / cr.sum()
    missed = cs == 0
    row.update(score=row["covered_categories"] / n_real, uncovered_share=float(share[missed].sum()))
    gen = rng(options.seed, "coverage", col)
    # Real codes come first: the real counts padded with zeros line up with ``cs_all``.
    real_all = np.pad(cr, (0, len(cs_all) - n_real))
    interval, floor = category_noise(
        gen, real_all, cs_all, row["score"], options.n_boot, options.confidence
    )
    row.update(noise_row(interval, floor))
    if not missed.any():
        return row, _scarce_categories(col, levels, cr, cs, options.confidence)
    order = np.flatnonzero(missed)[np.argsort(-cr[missed], kind="stable")]
    named = ", ".join(f"'{levels[i]}'" for i in order[:MAX_NAMED])
    count = int(missed.sum())
    what = (
        f"{count:,} of {n_real:,} real categories never appear"
        if count > 1
        else f"the real category {named} never appears"
    )
    example = f", e.g. {named}" if count > 1 else ""
    message = (
        f"{col}: {what} in the synthetic data ({share_text(row['uncovered_share'])} of real "
        f"rows){example}. {score_words('Category coverage', row)}"
    )
    found = _finding("missing_category", col, row, message)
    return row, found or _scarce_categories(col, levels, cr, cs, options.confidence)


SCARCE_RATIO = 0.25  # a category generated at under a quarter of its real share is scarce
SCARCE_MIN_EXPECTED = 10  # synthetic rows the real share predicts, so chance cannot explain it


def _scarce_categories(
    col: str,
    levels: list[str],
    real_counts: np.ndarray,
    syn_counts: np.ndarray,
    confidence: float,
) -> Finding | None:
    """A finding for real categories the synthetic data generates far too rarely (but not
    never: that is ``missing_category``), e.g. 0.5 % of synthetic rows against 5.6 % of real.

    ``beyond`` is the share lost beyond its uncertainty: the sum, over the scarce categories,
    of the real share's lower Wilson bound minus the synthetic share's upper one; a finding
    only when it is positive, with a severity from it."""
    n_real, n_syn = int(real_counts.sum()), int(syn_counts.sum())
    if n_syn == 0 or n_real == 0:
        return None
    share = real_counts / n_real
    expected = share * n_syn
    scarce = (
        (syn_counts > 0)
        & (expected >= SCARCE_MIN_EXPECTED)
        & (syn_counts < SCARCE_RATIO * expected)
    )
    if not scarce.any():
        return None
    order = np.flatnonzero(scarce)[np.argsort(-share[scarce], kind="stable")]
    beyond = 0.0
    for i in order:
        real_low = wilson(real_counts[i], n_real, confidence)[0]  # type: ignore[index]
        syn_high = wilson(syn_counts[i], n_syn, confidence)[1]  # type: ignore[index]
        beyond += max(0.0, real_low - syn_high)
    severity = severity_beyond(beyond)
    if severity is None:
        return None
    lost = float((share[scarce] - syn_counts[scarce] / n_syn).sum())
    parts = [f"'{levels[i]}' {share_text(syn_counts[i] / n_syn)} of synthetic rows against "
             f"{share_text(share[i])} of real rows" for i in order[:MAX_NAMED]]  # fmt: skip
    return Finding(
        kind="scarce_category",
        severity=severity,
        columns=(col,),
        metric="coverage",
        score=float(1 - lost),
        message=f"{col}: categories generated far too rarely: {'; '.join(parts)}.",
        beyond=beyond,
    )


def _range_coverage(
    enc: Encoded, col: str, kind: Kind, options: Options
) -> tuple[dict, Finding | None]:
    real, syn = enc.real.numeric[col], enc.synthetic.numeric[col]
    lo_r, hi_r = finite_range(real)
    lo_s, hi_s = finite_range(syn)
    row: dict[str, Any] = {
        "real_min": lo_r,
        "real_max": hi_r,
        "synthetic_min": lo_s,
        "synthetic_max": hi_s,
        **noise_row(None, None),
    }
    if not np.isfinite(lo_r) or not np.isfinite(lo_s):
        row.update(score=np.nan, error="no values on one side")
        return row, None
    tol = edge_tolerance(lo_r, hi_r)
    n_real = int((~np.isnan(real)).sum())
    # Real values beyond the synthetic range by floating-point noise are covered.
    outside = int(((real < lo_s - tol) | (real > hi_s + tol)).sum())
    row["uncovered_share"] = outside / n_real
    if lo_r == hi_r:
        row.update(score=np.nan, error="the real column is constant: it has no range to cover")
        return row, None
    row["score"] = float(range_scores(lo_r, hi_r, lo_s, hi_s, tol))
    gen = rng(options.seed, "coverage", col)
    row.update(noise_row(*range_noise(gen, real, syn, row["score"], options.n_boot,
                                      options.confidence)))  # fmt: skip
    (r_lo, s_lo), (r_hi, s_hi) = (distinct_texts(lo_r, lo_s, kind, fmt_value),
                                  distinct_texts(hi_r, hi_s, kind, fmt_value))  # fmt: skip
    message = (
        f"{col}: {share_text(row['uncovered_share'])} of real values lie outside the "
        f"synthetic range (real {r_lo} to {r_hi}, synthetic {s_lo} to {s_hi}). "
        f"{score_words('Range coverage', row)}"
    )
    return row, _finding("range_not_covered", col, row, message)


def coverage_table(
    enc: Encoded, options: Options | None = None
) -> tuple[pd.DataFrame, list[Finding]]:
    """Coverage of the real categories and ranges, per analysed column, and its findings.

    Details: column, kind, score, its interval (``low``, ``high``), noise floor (``floor``),
    ``beyond`` (``floor - high``: a finding when positive), the categories counts or both
    sides' ranges, ``uncovered_share`` (real rows whose category is never generated, or whose
    value lies outside the synthetic range) and error.
    """
    options = options or Options()
    rows, findings = [], []
    for col in enc.analysed:
        kind = enc.schema.kind_of(col)
        try:
            if kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
                row, finding = _category_coverage(enc, col, options)
            else:
                row, finding = _range_coverage(enc, col, kind, options)
        except Exception as exc:  # noqa: BLE001 - one bad column must not abort the others
            row, finding = {"score": np.nan, "error": f"{type(exc).__name__}: {exc}"}, None
        rows.append({"column": col, "kind": str(kind), "error": None, **row})
        if finding:
            findings.append(finding)
    return pd.DataFrame(rows, columns=_COVERAGE_COLUMNS), findings
