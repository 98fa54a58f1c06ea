"""The QualityReport equivalent: "Column Shapes", "Column Pair Trends" and their mean.

With ``Options(sdmetrics_compatible=True)`` the three numbers equal what
``sdmetrics.reports.single_table.QualityReport`` (0.32) gives on the same data with its
subsampling disabled (``report.num_rows_subsample = None``; by default it scores
ContingencySimilarity on a random 50,000-row sample of each side above 50,000 rows, so its
scores change from run to run). In SynthLens mode they use SynthLens' definitions (real-data
bins, weighting by association strength; see :mod:`metrics.pairs`).

This module also merges the fidelity findings so that one broken column is one finding.
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from metrics.encode import Encoded
from metrics.findings import merge_findings, rank_findings
from metrics.marginal import column_shapes_score, column_shapes_table
from metrics.options import Options
from metrics.pairs import pair_trends_score, pair_trends_table
from metrics.results import Finding
from metrics.schema import Kind, Schema

_SDTYPE = {
    Kind.NUMERICAL: "numerical",
    Kind.DATETIME: "datetime",
    Kind.CATEGORICAL: "categorical",
    Kind.BOOLEAN: "boolean",
    Kind.ID: "id",
    Kind.TEXT: "id",  # sdmetrics skips both; "text" is not an sdtype its validator knows
}


def quality_report(enc: Encoded, options: Options | None = None) -> dict[str, float]:
    """Property scores and overall score, as sdmetrics' QualityReport names them.

    Returns
    -------
    dict
        ``{"Column Shapes": float, "Column Pair Trends": float, "overall": float}``; a
        property is NaN when it has nothing to score, and ``overall`` is the mean of the
        properties that exist (NaN when none does), as sdmetrics' ``np.nanmean``.
    """
    # Only the scores are read here: no bootstrap for intervals nobody sees.
    options = replace(options or Options(), n_boot=0)
    # The two properties share nothing: the pairs run beside the shapes' sorts, so neither's
    # last, longest column leaves a core idle.
    with ThreadPoolExecutor(1) as pool:
        pairs_job = pool.submit(pair_trends_table, enc, options, bounds=False)
        shapes, _ = column_shapes_table(enc, options=options)
        pairs = pairs_job.result()
    scores = [column_shapes_score(shapes), pair_trends_score(pairs)]
    finite = [s for s in scores if np.isfinite(s)]
    return {
        "Column Shapes": scores[0],
        "Column Pair Trends": scores[1],
        "overall": float(np.mean(finite)) if finite else float("nan"),
    }


def sdmetrics_metadata(schema: Schema) -> dict[str, Any]:
    """Single-table SDV metadata for a schema (what sdmetrics' reports take)."""
    columns: dict[str, dict[str, str]] = {}
    for c in schema.columns:
        columns[c.name] = {"sdtype": _SDTYPE[c.kind]}
        if c.kind is Kind.DATETIME and c.datetime_format:
            columns[c.name]["datetime_format"] = c.datetime_format
    return {"columns": columns}


def sdmetrics_reference(
    real: pd.DataFrame, synthetic: pd.DataFrame, metadata: dict[str, Any]
) -> dict[str, float]:
    """Run sdmetrics' QualityReport itself, subsampling disabled (slow; for checks and benches).

    ``metadata`` is single-table SDV metadata, e.g. from :func:`sdmetrics_metadata`.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sdmetrics.reports.single_table import QualityReport

        report = QualityReport()
        report.num_rows_subsample = None
        report.generate(real, synthetic, metadata, verbose=False)
        props = report.get_properties().set_index("Property")["Score"]
        return {
            "Column Shapes": float(props["Column Shapes"]),
            "Column Pair Trends": float(props["Column Pair Trends"]),
            "overall": float(report.get_score()),
        }


def fidelity_findings(enc: Encoded, options: Options | None = None) -> list[Finding]:
    """Findings of column shapes, pair trends, missing values, coverage and validity, merged.

    What the suite shows for these metrics: :func:`merge_findings` over their findings.
    """
    from metrics.coverage import coverage_table, missing_values_table, validity_table
    from metrics.pairs import pair_findings

    options = options or Options()
    found = column_shapes_table(enc, options=options)[1] + pair_findings(
        pair_trends_table(enc, options)
    )
    for table_fn in (missing_values_table, coverage_table, validity_table):
        found += table_fn(enc, options)[1]
    return merge_findings(found)


__all__ = ["fidelity_findings", "merge_findings", "quality_report", "rank_findings",
           "sdmetrics_metadata", "sdmetrics_reference"]  # fmt: skip
