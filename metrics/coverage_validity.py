"""The ``validity`` metric's checks: the share of synthetic values the real data allows, per
column, with its interval and noise floor, and the invalid-value findings (see
:mod:`metrics.coverage`).

A number or date is invalid when it lies beyond the real minimum or maximum by more than the
edge tolerance (:mod:`metrics.coverage_edges`: floating-point noise at the edge is not a
defect), or cannot be read; a category when the real data never has it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from metrics.columnwise import columnwise
from metrics.coverage_edges import below_above, distinct_texts, share_text
from metrics.coverage_noise import (
    NOISE_COLUMNS,
    category_chance,
    noise_row,
    range_chance,
    validity_noise,
)
from metrics.coverage_ranges import MAX_NAMED, finite_range, share_severity
from metrics.encode import MISSING, Encoded, Side
from metrics.marginal import category_counts, fmt_value
from metrics.options import Options
from metrics.results import Finding
from metrics.schema import Kind
from metrics.uncertainty import wilson

MAX_ROWS = 50  # synthetic rows quoted in a validity finding
INVALID_SHARES = (0.001, 0.01, 0.05)

_VALIDITY_COLUMNS = [
    "column",
    "kind",
    "score",
    *NOISE_COLUMNS,
    "invalid",
    "unreadable",
    "checked",
    "error",
]


def missing_count(side: Side, col: str, kind: Kind) -> int:
    """Missing values of one column on one side (unreadable values are not missing)."""
    if kind in (Kind.NUMERICAL, Kind.DATETIME):
        return int(np.isnan(side.numeric[col]).sum()) - side.unparsed.get(col, 0)
    if kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
        return int((side.codes[col] == MISSING).sum())
    return int(sum(v is None for v in side.strings[col]))


def _range_words(values: np.ndarray, lo: float, hi: float, kind: Kind) -> tuple[np.ndarray, list]:
    """Rows beyond the real range, and the words for each side: ``3 below the real minimum 42
    (lowest 41.5)``, with the digits that tell the bound and the extreme apart."""
    below, above = below_above(values, lo, hi)
    parts = []
    for mask, words, bound, pick, extreme in (
        (below, "below the real minimum", lo, np.min, "lowest"),
        (above, "above the real maximum", hi, np.max, "highest"),
    ):
        count = int(np.count_nonzero(mask))
        if count:
            tb, tv = distinct_texts(bound, float(pick(values[mask])), kind, fmt_value)
            parts.append((count, f"{words} {tb} ({extreme} {tv})"))
    return np.flatnonzero(below | above), parts


def _invalid_rows(enc: Encoded, col: str, kind: Kind) -> tuple[np.ndarray, int, list, float, float]:
    """Invalid synthetic values: positions, how many were unreadable, what is wrong (count and
    words per defect), the share that fresh draws from the real distribution would show by
    chance (a conservative bound, for the finding's test) and its expectation (for the floor).
    """
    syn = enc.synthetic
    if kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
        codes = syn.codes[col]
        bad = np.flatnonzero(codes >= enc.n_real_levels[col])
        seen = pd.unique(codes[bad])[:MAX_NAMED]
        named = ", ".join(f"'{enc.categories[col][c]}'" for c in seen)
        real_counts = category_counts(enc.real.codes[col], enc.n_real_levels[col])
        chance = ((real_counts == 1).sum() + 1) / (real_counts.sum() + 1)
        what = [(len(bad), f"are categories the real data never has, e.g. {named}")]
        return bad, 0, what, chance, category_chance(real_counts)
    real, values = enc.real.numeric[col], syn.numeric[col]
    lo, hi = finite_range(real)
    n_real = int((~np.isnan(real)).sum())
    chance = 2 / (n_real + 1)
    expected = range_chance(real, lo, hi) if n_real else 0.0
    # A new real sample holds unreadable values at the real data's own rate.
    expected += enc.real.unparsed.get(col, 0) / max(n_real + enc.real.unparsed.get(col, 0), 1)
    if n_real:
        bad, what = _range_words(values, lo, hi, kind)
    else:  # no real value at all: every synthetic value is one the real data never has
        bad = np.flatnonzero(~np.isnan(values))
        what = [(len(bad), "are values in a column the real data leaves empty")] if len(bad) else []
    unreadable = syn.unparsed.get(col, 0)
    if unreadable:
        word = ("a date" if unreadable == 1 else "dates") if kind is Kind.DATETIME else (
            "a number" if unreadable == 1 else "numbers")  # fmt: skip
        what.append((unreadable, f"could not be read as {word}"))
        # Unreadable values are NaN in ``numeric``, so never among the values outside.
        bad = np.union1d(bad, syn.unparsed_rows.get(col, np.empty(0, dtype=np.intp)))
    return bad, unreadable, what, chance, expected


def _message(col: str, invalid: int, checked: int, what: list) -> str:
    share = share_text(invalid / checked)
    if len(what) == 1:
        return f"{col}: {invalid:,} synthetic values ({share}) {_verb(what[0][1])}."
    parts = "; ".join(f"{count:,} {words}" for count, words in what)
    return f"{col}: {invalid:,} synthetic values ({share}) are invalid: {parts}."


def _verb(words: str) -> str:
    """``below the real minimum ...`` reads ``lie below ...`` after the count of values."""
    return words if words.startswith(("are ", "could ")) else f"lie {words}"


def _validity_row(
    enc: Encoded, col: str, kind: Kind, options: Options
) -> tuple[dict[str, Any], Finding | None]:
    bad, unreadable, what, chance, expected = _invalid_rows(enc, col, kind)
    checked = enc.synthetic.n_rows - missing_count(enc.synthetic, col, kind)
    invalid = max(len(bad), unreadable)  # ``bad`` lists unreadable rows when known
    row: dict[str, Any] = {"invalid": invalid, "unreadable": unreadable, "checked": checked}
    if checked == 0:
        return row | {"error": "no synthetic values to check", **noise_row(None, None)}, None
    row["score"] = 1.0 - invalid / checked
    row.update(noise_row(*validity_noise(checked - invalid, checked, expected, options.confidence)))
    sev = share_severity(invalid / checked, INVALID_SHARES)
    # Three times the chance share, plus three binomial standard errors of it.
    limit = 3 * chance + 3 * np.sqrt(max(chance, 1 / max(enc.real.n_rows, 1)) / checked)
    # Unreadable values are defects whatever the real data shows: their floor is 1.
    readable = wilson(checked - unreadable, checked, options.confidence)
    beyond = max(row["beyond"], 1.0 - readable[1] if unreadable and readable else -np.inf)
    if not sev or not (invalid / checked > limit or unreadable) or not beyond > 0:
        return row, None
    return row, Finding(
        kind="invalid_values",
        severity=sev,
        columns=(col,),
        metric="validity",
        score=row["score"],
        rows=tuple(int(i) for i in bad[:MAX_ROWS]),
        message=_message(col, invalid, checked, what),
        beyond=float(beyond),
    )


def validity_table(
    enc: Encoded, options: Options | None = None
) -> tuple[pd.DataFrame, list[Finding]]:
    """Share of valid synthetic values per analysed column, and its findings.

    Details: column, kind, score, its interval (``low``, ``high``), noise floor (``floor``),
    ``beyond`` (``floor - high``), invalid, unreadable, checked (synthetic values not
    missing) and error.
    """
    options = options or Options()
    rows, findings = columnwise(
        ((col, enc.schema.kind_of(col)) for col in enc.analysed),
        lambda col, kind: _validity_row(enc, col, kind, options),
        defaults={"score": np.nan},
    )
    return pd.DataFrame(rows, columns=_VALIDITY_COLUMNS), findings
