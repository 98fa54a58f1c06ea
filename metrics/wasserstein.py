"""``wasserstein_similarity``: how far each number or date column's synthetic values must move
to match the real ones, as a share of the real range, turned into a similarity.

    similarity = max(0, 1 - W1(real, synthetic) / (real max - real min))

W1 is the earth mover's distance between the two empirical distributions (scipy), so it sees
how far mass moved, where the KS statistic only sees the largest gap. Reported beside column
shapes, not counted in the fidelity or overall score (the catalogue says so).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import wasserstein_distance

from metrics.encode import Encoded
from metrics.options import Options
from metrics.results import MetricResult, Progress

NAME = "wasserstein_similarity"


# Above this many values a side, W1 comes from the two quantile functions on a fine grid
# (W1 is the mean gap between them): about 3x faster at 1M rows, and the similarity stays
# within 1e-3 of the exact one (tested).
EXACT_LIMIT = 200_000
GRID = np.linspace(0.0, 1.0, 20_001)


def _distance(r: np.ndarray, s: np.ndarray) -> float:
    if max(r.size, s.size) <= EXACT_LIMIT:
        return float(wasserstein_distance(r, s))
    return float(np.mean(np.abs(np.quantile(r, GRID) - np.quantile(s, GRID))))


def column_similarity(real: np.ndarray, synthetic: np.ndarray) -> float:
    """Similarity of two float arrays (NaN = missing) in [0, 1]; NaN when a side is empty.

    A constant real column has no range to scale by: identical values score 1, any other 0.
    """
    r, s = real[~np.isnan(real)], synthetic[~np.isnan(synthetic)]
    if r.size == 0 or s.size == 0:
        return float("nan")
    span = float(r.max() - r.min())
    distance = _distance(r, s)
    if span == 0.0:
        return 1.0 if distance == 0.0 else 0.0
    return float(max(0.0, 1.0 - distance / span))


def wasserstein_similarity(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """One similarity per number and date column; the score is their mean."""
    rows = []
    columns = enc.continuous
    for i, col in enumerate(columns):
        progress(i / max(len(columns), 1), f"Earth mover's distance of {col}...")
        kind = enc.schema.kind_of(col).value
        try:
            score = column_similarity(enc.real.numeric[col], enc.synthetic.numeric[col])
            error = None if np.isfinite(score) else "no values on one side"
        except Exception as exc:  # noqa: BLE001 - one column's failure stays on that column
            score, error = float("nan"), f"could not be computed: {exc}"
        rows.append({"column": col, "kind": kind, "score": score, "error": error})
    details = pd.DataFrame(rows, columns=["column", "kind", "score", "error"])
    scores = details["score"].dropna()
    return MetricResult(
        NAME,
        "fidelity",
        score=float(scores.mean()) if len(scores) else float("nan"),
        details=details,
    )
