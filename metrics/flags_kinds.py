"""The reasons a synthetic row is flagged, and the collector every check writes its flags to.

The reason names are defined here once; the pages, the review queue and the reports import
them (this module registers no metric, so importing it runs nothing). See :mod:`metrics.flags`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from metrics.schema import Kind
from metrics.schema_dates import date_text

# The reasons a synthetic row is flagged, most serious first: the first a row has names it.
FLAG_KINDS = ("copied", "invalid", "near_copy", "obviously_synthetic", "anomalous")
COPIED, INVALID, NEAR_COPY, OBVIOUSLY_SYNTHETIC, ANOMALOUS = FLAG_KINDS
# The scored family each reason speaks to: a finding about invalid rows is a coverage problem,
# copied rows a privacy one, and so on (row flags are evidence, not a family of their own).
FLAG_FAMILY = {COPIED: "privacy", NEAR_COPY: "privacy", INVALID: "coverage",
               OBVIOUSLY_SYNTHETIC: "detection", ANOMALOUS: "fidelity"}  # fmt: skip
# The order the checks run in and the results list them (a row's ``kinds``, counts, findings).
KINDS = (INVALID, ANOMALOUS, COPIED, NEAR_COPY, OBVIOUSLY_SYNTHETIC)


def num_text(value: float, kind: Kind) -> str:
    """A number, or a date for a datetime column, as a flag's sentence writes it."""
    if kind is Kind.DATETIME:
        return date_text(value)
    return f"{value:,.6g}"


class Events:
    """Flagged cells (row, kind, column, score, sentence), gathered check by check."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, int, str, np.ndarray, list[str]]] = []

    def add(self, kind: str, col: str, rows: Any, scores: Any, text: Callable[[int], str] | str):
        """Record ``rows``; ``text`` is one sentence for all or a function of the row."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows):
            texts = [text] * len(rows) if isinstance(text, str) else [text(r) for r in rows]
            scores = np.broadcast_to(np.asarray(scores, dtype=float), rows.shape)
            self.parts.append((rows, KINDS.index(kind), col, scores, texts))

    def bad(self, col: str, rows: Any, scores: Any, text: Callable[[int], str] | str) -> None:
        self.add(INVALID, col, rows, scores, text)
