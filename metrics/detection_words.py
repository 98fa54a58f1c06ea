"""Detection in words and tables: the rows listed, the sample described, the finding."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.detection_explain import ColumnExplanation, lead_sentences
from metrics.encode import Encoded
from metrics.features import FeatureSpace
from metrics.results import Finding, Severity
from metrics.uncertainty import beyond_floor, severity_beyond

FINDING_ROWS = 20  # rows quoted in the finding (those with probability >= 0.9)


def sample_words(n: int, n_real: int, n_syn: int, cap: int) -> str:
    if n == n_real == n_syn:
        return f"{n:,} rows per side"
    why = f"capped at {cap:,}" if n == cap else "the smaller side's size"
    return (
        f"{n:,} rows per side ({why}; the real data has {n_real:,} rows and the synthetic "
        f"data {n_syn:,})"
    )


def rows_table(
    rows: np.ndarray, proba: np.ndarray, space: FeatureSpace, enc: Encoded, top_cols: list[str]
) -> pd.DataFrame:
    values = [
        "; ".join(f"{c}={space.describe(enc.synthetic, int(r), c)}" for c in top_cols) for r in rows
    ]
    return pd.DataFrame(
        {
            "row": rows.astype(np.int64),
            "probability": proba.astype(np.float64),
            "values": pd.Series(values, dtype=object),
        }
    )


def auc_words(
    auc: float, interval: tuple[float, float] | None, confidence: float, note: str = ""
) -> str:
    """``ROC AUC 0.835 (95% interval 0.821-0.849; note)``."""
    inside = [f"{confidence:.0%} interval {interval[0]:.3f}-{interval[1]:.3f}"] if interval else []
    inside += [note] if note else []
    return f"ROC AUC {auc:.3f}" + (f" ({'; '.join(inside)})" if inside else "")


@dataclass(frozen=True)
class Measured:
    """What the detection finding is written from."""

    auc: float
    auc_interval: tuple[float, float] | None
    score: float
    interval: tuple[float, float] | None
    floor: float | None
    floor_auc: float | None
    separates_all: bool
    confidence: float


def _cause(importances: dict[str, float]) -> tuple[list[str], str]:
    ranked = sorted(importances, key=lambda c: -importances[c])
    top = importances[ranked[0]] if ranked else 0.0
    # A column is named when shuffling it costs a real share of what the model can do.
    named = [c for c in ranked[:3] if importances[c] >= max(0.01, 0.25 * top)]
    if named:
        parts = ", ".join(
            f"'{c}' (AUC drops by {importances[c]:.2f} when it is shuffled)" for c in named
        )
        return named, f"The columns that give the synthetic rows away most are {parts}."
    return named, (
        "No single column stands out: the combination of columns gives the synthetic rows away."
    )


def findings(
    m: Measured,
    importances: dict[str, float],
    details: pd.DataFrame,
    metric: str,
    explanation: list[ColumnExplanation] | None = None,
) -> list[Finding]:
    """One ``detectable`` finding when the score's interval lies below its floor (severity from
    the distance), none otherwise. When the classifier separates nearly every row the finding
    (high) says so once and lists no rows: each would be flagged, which says nothing a row can
    fix. The message ends with where the important columns differ most (``explanation``)."""
    beyond = beyond_floor(m.interval, m.floor)
    severity: Severity | None = severity_beyond(beyond)
    if severity is None:
        return []
    if m.separates_all:
        severity = "high"  # beyond the floor and every row told apart: nothing is milder
    named, cause = _cause(importances)
    if m.separates_all:
        head = (
            f"A classifier tells almost every synthetic row from the real ones (AUC {m.auc:.3f}): "
            "the synthetic data differs as a whole, look at the columns first."
        )
        rows: tuple[int, ...] = ()
    else:
        reference = (
            f"; real rows against other real rows reach {m.floor_auc:.3f}"
            if m.floor_auc is not None
            else ""
        )
        head = (
            f"A classifier tells synthetic rows from real ones with "
            f"{auc_words(m.auc, m.auc_interval, m.confidence)}, where 0.5 means "
            f"indistinguishable{reference}."
        )
        sure = details[details["probability"] >= 0.9]["row"].head(FINDING_ROWS)
        rows = tuple(int(r) for r in sure)
    return [
        Finding(
            kind="detectable",
            severity=severity,
            columns=tuple(named),
            message=" ".join(p for p in (head, cause, lead_sentences(explanation or [])) if p),
            metric=metric,
            rows=rows,
            score=m.score,
            beyond=beyond,
        )
    ]
