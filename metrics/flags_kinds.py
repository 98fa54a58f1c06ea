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

COPIED = "copied"
INVALID = "invalid"
BROKEN_RULE = "broken_rule"  # a declared or discovered rule the row breaks (metrics.rules)
NEAR_COPY = "near_copy"
IMPLAUSIBLE = "implausible_combination"  # in-range values real rows never combine
OBVIOUSLY_SYNTHETIC = "obviously_synthetic"
ANOMALOUS = "anomalous"
# The reasons a synthetic row is flagged, most serious first: the first a row has names it.
FLAG_KINDS = (COPIED, INVALID, BROKEN_RULE, NEAR_COPY, IMPLAUSIBLE, OBVIOUSLY_SYNTHETIC, ANOMALOUS)
# The scored family each reason speaks to: a finding about invalid rows is a coverage problem,
# copied rows a privacy one, and so on (row flags are evidence, not a family of their own).
FLAG_FAMILY = {COPIED: "privacy", NEAR_COPY: "privacy", INVALID: "coverage",
               BROKEN_RULE: "coverage", IMPLAUSIBLE: "fidelity",
               OBVIOUSLY_SYNTHETIC: "detection", ANOMALOUS: "fidelity"}  # fmt: skip
# The order the checks run in and the results list them (a row's ``kinds``, counts, findings).
KINDS = (INVALID, BROKEN_RULE, IMPLAUSIBLE, ANOMALOUS, COPIED, NEAR_COPY, OBVIOUSLY_SYNTHETIC)
# A seed-dependent reason (anomalous, obviously synthetic) flags a row only when at least this
# share of its seeded runs flag it: a flag that comes and goes with the seed is noise to a reviewer.
STABLE_SHARE = 0.8


def runs_text(flagged: int, runs: int) -> str:
    """How many seeded runs flagged a row, as a reviewer reads it ("" for a check with no seed)."""
    if runs <= 0:
        return ""
    return f"flagged in {flagged} of {runs} seeded run{'' if runs == 1 else 's'}"


def kept(flagged: np.ndarray, runs: np.ndarray | int) -> np.ndarray:
    """Whether rows flagged in ``flagged`` of ``runs`` seeded runs are stable enough to keep."""
    flagged = np.asarray(flagged)
    # The least whole number of runs reaching the share (4 of 5 at 80%), free of rounding noise.
    need = np.ceil(STABLE_SHARE * np.asarray(runs) - 1e-9)
    return (flagged > 0) & (flagged >= need)


def num_text(value: float, kind: Kind) -> str:
    """A number, or a date for a datetime column, as a flag's sentence writes it."""
    if kind is Kind.DATETIME:
        return date_text(value)
    return f"{value:,.6g}"


Cols = tuple[str, ...]


class Events:
    """Flagged cells (row, kind, column, score, sentence), gathered check by check.

    ``parts`` holds one tuple per call of :meth:`add`: rows, kind index, column, scores, sentences,
    per row the seeded runs that flagged it and the runs made (0 and 0 for a check that uses
    no seed and flags the same rows every time), and per row the columns that explain the flag.
    """

    def __init__(self) -> None:
        self.parts: list[
            tuple[np.ndarray, int, str, np.ndarray, list[str], np.ndarray, np.ndarray, list[Cols]]
        ] = []

    def add(
        self,
        kind: str,
        col: str,
        rows: Any,
        scores: Any,
        text: Callable[[int], str] | str,
        flagged: Any = 0,
        runs: Any = 0,
        columns: Callable[[int], Cols] | Cols | None = None,
    ) -> None:
        """Record ``rows``; ``text`` is one sentence for all or a function of the row;
        ``flagged`` of ``runs`` seeded runs flagged each row (0 of 0: the check has no seed);
        ``columns``: the columns that explain the flag, for all rows or a function of the row
        (``(col,)`` when omitted, none without ``col``)."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows):
            texts = [text] * len(rows) if isinstance(text, str) else [text(r) for r in rows]
            scores = np.broadcast_to(np.asarray(scores, dtype=float), rows.shape)
            hits = np.broadcast_to(np.asarray(flagged, dtype=np.int64), rows.shape)
            made = np.broadcast_to(np.asarray(runs, dtype=np.int64), rows.shape)
            if columns is None:
                columns = (col,) if col else ()
            cols = ([tuple(columns)] * len(rows) if isinstance(columns, tuple)
                    else [tuple(columns(r)) for r in rows])  # fmt: skip
            self.parts.append((rows, KINDS.index(kind), col, scores, texts, hits, made, cols))

    def bad(self, col: str, rows: Any, scores: Any, text: Callable[[int], str] | str) -> None:
        self.add(INVALID, col, rows, scores, text)
