"""The copy part of the privacy metric: exact and one-cell near copies, and their natural rates.

Synthetic rows are compared with every real row. The natural rates (how often a fresh real row
is an exact or a one-cell near copy of the real data by nature: few distinct combinations,
repeated records, re-measured rows) come from rows that stand for fresh real data:

- with an uploaded holdout, every holdout row against every real row (as the synthetic rows);
- without one, every real row against the other real rows (leave-one-out). A seeded split
  would compare half the real rows with the other half, a reference half the size of the one
  the synthetic rows meet: where real rows come in pairs (a record entered twice), a synthetic
  row drawn like a real one finds its twin among all real rows about twice as often as a
  held-out half does among the other half, and an honest sample would read as copying.

Everything is hashing and sorting over every row (no sample); see :mod:`metrics.near_copies`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from metrics.encode import Encoded
from metrics.near_copies import NEAR_SHARE, OneCell, one_cell_copies, real_ranges
from metrics.near_hashes import exact_duplicates, half_hashes
from metrics.privacy_info import PrivacyInfo, near_copy_examples, pct, rate_words
from metrics.privacy_intervals import Bounds
from metrics.privacy_rows import match_rows
from metrics.results import Finding, Severity
from metrics.uncertainty import beyond_floor, severity_beyond
from metrics.unique_copies import UniqueCopies

FINDING_ROWS = 50
FINDING_EXAMPLES = 3


@dataclass(frozen=True)
class Copies:
    """Exact and near copies of every synthetic row, and the baseline rows' counts."""

    exact_of: np.ndarray  # per synthetic row: the real row it equals, or -1
    near: OneCell  # per synthetic row (never an exact copy too)
    holdout_exact: int
    holdout_near: int
    n_baseline: int
    baseline: str  # "holdout" or "leave-one-out"
    note: str

    def fields(self) -> dict[str, Any]:
        """The :class:`PrivacyInfo` fields these counts fill."""
        exact, n_base = self.exact_of >= 0, max(self.n_baseline, 1)
        return {
            "exact_copies": int(exact.sum()),
            "exact_copy_rate": float(exact.mean()) if len(exact) else float("nan"),
            "exact_copy_of": self.exact_of,
            "near_copy": self.near,
            "near_copies": self.near.count,
            "near_copy_rate": self.near.count / len(exact) if len(exact) else float("nan"),
            "holdout_copies": self.holdout_exact,
            "holdout_copy_rate": self.holdout_exact / n_base,
            "holdout_near_copies": self.holdout_near,
            "holdout_near_copy_rate": self.holdout_near / n_base,
            "n_baseline": self.n_baseline,
            "baseline": self.baseline,
            "baseline_note": self.note,
        }


def count_copies(enc: Encoded) -> Copies:
    """Exact and one-cell near copies of the synthetic rows among the real rows, and the same
    counts for the baseline rows (see the module docstring)."""
    syn, real = enc.synthetic, enc.real
    s_all, r_all = np.arange(syn.n_rows), np.arange(real.n_rows)
    ranges = real_ranges(enc)
    # Each side hashed once: the exact and the near-copy searches share the hashes.
    s_h, r_h = half_hashes(enc, syn, s_all), half_hashes(enc, real, r_all)
    r_key = r_h[0] + r_h[1]
    exact_of = match_rows(enc, syn, s_all, real, r_all, (s_h[0] + s_h[1], r_key))
    near = one_cell_copies(enc, syn, s_all, real, r_all, exact_of >= 0, ranges, (s_h, r_h))
    if enc.holdout is not None and enc.holdout.n_rows > 0:
        hold, h_all = enc.holdout, np.arange(enc.holdout.n_rows)
        h_h = half_hashes(enc, hold, h_all)
        h_exact = match_rows(enc, hold, h_all, real, r_all, (h_h[0] + h_h[1], r_key)) >= 0
        h_near = one_cell_copies(enc, hold, h_all, real, r_all, h_exact, ranges, (h_h, r_h))
        baseline = "holdout"
        note = (
            f"Natural copy rates: the {hold.n_rows:,} holdout rows compared with every real row, "
            "as the synthetic rows are."
        )
    else:
        h_exact = exact_duplicates(enc, real, r_key)
        h_near = one_cell_copies(enc, real, r_all, real, r_all, h_exact, ranges, (r_h, r_h))
        baseline = "leave-one-out"
        note = (
            "No holdout was uploaded, so the natural copy rates are those of each real row "
            "compared with the other real rows (leave-one-out): as many rows as a synthetic row "
            "meets."
        )
    return Copies(
        exact_of, near, int(h_exact.sum()), h_near.count, len(h_exact), baseline, note
    )  # fmt: skip


def paren(interval: tuple[float, float] | None, confidence: float) -> str:
    """`` (95% interval 46.6%-50.9%)`` ("" without an interval)."""
    words = rate_words(interval, confidence)
    return f" ({words[2:]})" if words else ""


def copy_sentences(found: PrivacyInfo, b: Bounds, confidence: float) -> tuple[str, str]:
    """The exact-copy and the near-copy sentences of the privacy message, with their natural
    rates."""
    n = len(found.exact_copy_of)
    held = found.baseline == "holdout"
    who, whom = ("holdout rows", "a real row") if held else ("real rows", "another real row")
    exact = (
        f"{found.exact_copies:,} of {n:,} synthetic rows ({pct(found.exact_copy_rate)}"
        f"{rate_words(b.exact_copy_rate, confidence)}) are exact copies of a real row; "
        f"{pct(found.holdout_copy_rate)} of {who}{paren(b.holdout_copy_rate, confidence)} "
        f"equal {whom} by nature."
    )
    near = (
        f"{found.near_copies:,} of {n:,} synthetic rows ({pct(found.near_copy_rate)}"
        f"{rate_words(b.near_copy_rate, confidence)}) are near copies of a real row: equal to it "
        f"on every column but one number, at most {NEAR_SHARE:.0%} of its range apart; "
        f"{pct(found.holdout_near_copy_rate)} of {who}"
        f"{paren(b.holdout_near_copy_rate, confidence)} are near copies of {whom} by nature."
    )
    return exact, near


def copy_findings(found: PrivacyInfo, exact: str, near: str) -> list[Finding]:
    """Exact copies above the natural rate are a finding even when few and within the noise
    (each one discloses a real record outright; high from 1% excess, medium below). Near copies
    are one when the copy part they alone leave lies below its floor beyond its interval
    (``near_copies``, severity from that distance), with the differing columns and examples."""
    out = []
    excess = max(0.0, found.exact_copy_rate - found.holdout_copy_rate)
    if found.exact_copies and excess > 0:
        severity: Severity = "high" if excess >= 0.01 else "medium"
        rows = tuple(int(r) for r in np.flatnonzero(found.exact_copy_of >= 0)[:FINDING_ROWS])
        beyond = beyond_floor(found.copy_score_interval, found.copy_floor)
        out.append(
            Finding("exact_copies", severity, (), exact, "privacy", rows, found.copy_score, beyond)
        )
    beyond = beyond_floor(found.near_copy_score_interval, found.near_copy_floor)
    near_severity = severity_beyond(beyond)
    if near_severity is not None and found.near_copies:
        oc = found.near_copy
        hits = np.flatnonzero(oc.found)
        counts = Counter(oc.columns[k] for k in oc.column[hits])
        columns = tuple(c for c, _ in counts.most_common(5))
        spread = ", ".join(f"{c} ({k:,})" for c, k in counts.most_common(5))
        examples = "; ".join(near_copy_examples(found, FINDING_EXAMPLES))
        msg = f"{near} The cell that differs, most often: {spread}. For example, {examples}."
        rows = tuple(int(r) for r in hits[:FINDING_ROWS])
        out.append(
            Finding(
                "near_copies",
                near_severity,
                columns,
                msg,
                "privacy",
                rows,
                found.near_copy_score,
                beyond,
            )  # fmt: skip
        )
    return out


def dcr_finding(found: PrivacyInfo, closer: str) -> list[Finding]:
    """Memorisation (the DCR share) is a finding only when its score's interval lies below its
    floor, with its severity from that distance."""
    beyond = beyond_floor(found.dcr_score_interval, found.dcr_floor)
    dcr_severity = severity_beyond(beyond)
    if dcr_severity is None:
        return []
    msg = f"{closer} {found.holdout_note}"
    return [
        Finding(
            "dcr_closer_to_training", dcr_severity, (), msg, "privacy", (), found.dcr_score, beyond
        )
    ]


def unique_sentence(uc: UniqueCopies | None, confidence: float) -> str:
    """Copies of unique training records against their natural rate, in one sentence."""
    if uc is None or not uc.n_synthetic:
        return ""
    who = "holdout rows" if uc.baseline == "holdout" else "fresh real rows (Good-Turing)"
    return (
        f"{uc.copies:,} synthetic rows ({pct(uc.rate)}{rate_words(uc.rate_interval, confidence)}) "
        f"reproduce one of the {uc.n_unique:,} training records found only once; "
        f"{pct(uc.natural_rate)} of {who}{paren(uc.natural_interval, confidence)} do so by "
        "nature."
    )


def unique_findings(found: PrivacyInfo, sentence: str, others: list[Finding]) -> list[Finding]:
    """Copies of unique training records beyond their natural rate (the excess's interval above
    0) are a finding with their rows: high from 1% excess, medium below, as exact copies; not
    beside an exact-copy finding unless they set the copy part (one finding per leak)."""
    uc = found.unique_copies
    if found.copy_rule != "unique" and any(f.kind == "exact_copies" for f in others):
        return []
    if uc is None or not uc.copies or uc.excess_interval is None or uc.excess_interval[0] <= 0:
        return []
    severity: Severity = "high" if uc.excess >= 0.01 else "medium"
    rows = tuple(int(r) for r in uc.rows[:FINDING_ROWS])
    rule = (
        " They set the copy part of the privacy score: the exact-copy rate cannot tell them from "
        "the data's own duplication."
        if found.copy_rule == "unique"
        else ""
    )
    msg = (
        f"{sentence} A copy of a record found once discloses that person's whole record.{rule} "
        f"{uc.note}"
    )
    return [
        Finding("unique_copies", severity, (), msg, "privacy", rows, found.copy_score, uc.excess)
    ]
