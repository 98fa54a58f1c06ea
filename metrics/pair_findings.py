"""What changed in each pair, which pairs come first, and the pair findings in words.

A pair's relation is **changed** (lost, invented or reversed) when its strength moved by at least
:data:`MIN_GAP` and by more than noise: for a correlation, when the score itself sits below its
noise floor beyond its interval (``beyond > 0``: the score is the correlation gap); for an
association, when the two Cramer's V differ by more than the pair's ``noise``. The association
test matters because a contingency score also falls when one column's own shape changed (column
shapes report that): a pair whose association is 0.150 real and 0.151 synthetic has kept its
relation, whatever its score.

A pair is **flagged** (a finding) when its relation changed and its score is beyond the floor
(``beyond > 0``), with the severity :func:`metrics.uncertainty.severity_beyond` gives. The worst
pairs table and the findings use one order (:func:`worst_first`): flagged pairs by distance
beyond the floor, then other changed pairs, then the rest by distance beyond the floor, then the
pairs without an interval (unrelated, failed). So a pair that kept its relation never ranks above
one that lost it.

A column involved in two or more flagged pairs gets one finding naming a few of them (all are in
``Finding.columns``), so a broken column is one finding, not one per pair.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.pair_calendar import split_name
from metrics.results import SEVERITY_ORDER, Finding, Severity
from metrics.uncertainty import severity_beyond

NAME = "pair_trends"
MIN_GAP = 0.1  # a smaller change of strength is real on large data, but too small to act on
CHANGED = ("weaker", "stronger", "reversed", "reshaped")
NAMED = 2  # columns named in a grouped finding's sentence; the rest are counted
_CORRELATION = "CorrelationSimilarity"


def relation_of(
    metric: str, real: float, synthetic: float, noise: float, beyond: float, unrelated: bool
) -> str:
    """``"none"`` (no relation on either side), ``"kept"``, ``"weaker"``, ``"stronger"`` or
    ``"reversed"`` (see the module docstring); ``""`` when a side could not be measured."""
    if unrelated:
        return "none"
    if not (np.isfinite(real) and np.isfinite(synthetic)):
        return ""
    correlation = metric == _CORRELATION
    gap = abs(real - synthetic)
    if correlation and np.isfinite(beyond):
        changed = beyond > 0
    else:
        changed = np.isfinite(noise) and gap > noise
    if not changed or gap < MIN_GAP:
        return "kept"
    if correlation and real * synthetic < 0 and min(abs(real), abs(synthetic)) >= 0.1:
        return "reversed"
    return "weaker" if abs(synthetic) < abs(real) else "stronger"


def flagged(table: pd.DataFrame) -> pd.Series:
    """Pairs whose relation changed and whose score is below its floor beyond its interval."""
    return table["relation"].isin(CHANGED) & (table["beyond"] > 0)


def worst_first(table: pd.DataFrame) -> pd.DataFrame:
    """The details table in the order the worst-pairs table and the findings share (module
    docstring); ties keep the schema order."""
    if table.empty:
        return table
    beyond = table["beyond"].astype(float)
    block = np.select(
        [flagged(table), table["relation"].isin(CHANGED), beyond.notna()], [0, 1, 2], default=3
    )
    keys = pd.DataFrame(
        {"block": block, "beyond": -beyond.fillna(-np.inf), "score": table["score"].fillna(2.0)},
        index=table.index,
    )
    order = keys.sort_values(["block", "beyond", "score"], kind="stable").index
    return table.loc[order]


def pair_words(row: pd.Series) -> str:
    """What a details row says, in a few words for the worst-pairs table."""
    relation, beyond = row.get("relation", ""), row.get("beyond", np.nan)
    if isinstance(row.get("error"), str) and row["error"]:
        return f"not computed: {row['error']}"
    if relation == "none":
        return "no relation on either side (scored 1)"
    below = np.isfinite(beyond) and beyond > 0
    if relation in CHANGED:
        return f"{relation}, beyond noise" if below else f"{relation}, within noise"
    if below and row.get("metric") == _CORRELATION:
        return f"changed by less than {MIN_GAP:.1f}"
    if below:
        return "kept; the columns' own shapes differ"
    return "kept"


def _digits(a: float, b: float) -> int:
    """Decimals that show two different values as different (2 to 4)."""
    for d in (2, 3):
        if round(a, d) != round(b, d):
            return d
    return 4


def _what(row: pd.Series) -> str:
    return "correlation" if row["metric"] == _CORRELATION else "association"


def _sources(names: list[str]) -> tuple[str, ...]:
    """The data's columns behind pair names (``"start_date (month)"`` is ``start_date``)."""
    return tuple(dict.fromkeys(split_name(n)[0] for n in names))


def _change(row: pd.Series) -> str:
    text = row.get("change", "")
    return text if isinstance(text, str) else ""


def _pair_finding(row: pd.Series) -> Finding:
    a, b = row["column_a"], row["column_b"]
    what = "correlation" if row["metric"] == _CORRELATION else "association (Cramér's V)"
    score, floor = float(row["score"]), float(row["floor"])
    d = _digits(score, floor)
    strength = f"{row['real']:.2f} real vs {row['synthetic']:.2f} synthetic"
    said = f"{a} & {b}: their {what} is {row['relation']} in the synthetic data: {strength}"
    if _change(row) and row["relation"] == "reshaped":
        said = _change(row)
    elif _change(row) and row["metric"] == _CORRELATION:
        said = f"{said}; {_change(row)}"
    elif _change(row):
        said = f"{_change(row)}; their {what} is {row['relation']} ({strength})"
    return Finding(
        kind="pair",
        severity=severity_beyond(row["beyond"]) or "low",
        columns=_sources([a, b]),
        metric=NAME,
        score=score,
        beyond=float(row["beyond"]),
        message=(
            f"{said} (score {score:.{d}f}; an independent real sample scores about {floor:.{d}f})."
        ),
    )


def _names(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``, or ``a, b and 7 other columns``."""
    if len(names) <= NAMED + 1:
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"
    return ", ".join(names[:NAMED]) + f" and {len(names) - NAMED} other columns"


def _group_finding(col: str, rows: list[pd.Series]) -> Finding:
    rows = sorted(rows, key=lambda r: -r["beyond"])
    partners = [r["column_b"] if r["column_a"] == col else r["column_a"] for r in rows]
    worst = rows[0]
    severity: Severity = min(
        (severity_beyond(r["beyond"]) or "low" for r in rows), key=lambda s: SEVERITY_ORDER[s]
    )
    worst_words = (
        f"{partners[0]}, {_what(worst)} {worst['real']:.2f} real vs "
        f"{worst['synthetic']:.2f} synthetic"
    )
    if _change(worst) and worst["relation"] == "reshaped":
        worst_words = _change(worst)
    elif _change(worst) and worst["metric"] == _CORRELATION:
        worst_words = f"{worst_words}; {_change(worst)}"
    elif _change(worst):
        worst_words = (
            f"{_change(worst)}; {_what(worst)} {worst['real']:.2f} real vs "
            f"{worst['synthetic']:.2f} synthetic"
        )
    return Finding(
        kind="pair",
        severity=severity,
        columns=_sources([col, *partners]),
        metric=NAME,
        score=float(min(r["score"] for r in rows)),
        beyond=float(worst["beyond"]),
        message=(
            f"{col}: its relations with {_names(partners)} are not kept in the synthetic data "
            f"(worst: {worst_words})."
        ),
    )


def pair_findings(table: pd.DataFrame) -> list[Finding]:
    """Findings for changed relations beyond the floor, one per column when a column has
    several, in :func:`worst_first` order."""
    if table.empty or "relation" not in table:
        return []
    rows = [row for _, row in worst_first(table[flagged(table)]).iterrows()]
    findings = []
    while True:
        per_column: dict[str, list[pd.Series]] = {}
        for row in rows:
            for c in (row["column_a"], row["column_b"]):
                per_column.setdefault(c, []).append(row)
        if not per_column:
            break
        col, hits = max(
            per_column.items(), key=lambda kv: (len(kv[1]), sum(r["beyond"] for r in kv[1]))
        )
        if len(hits) < 2:
            break
        findings.append(_group_finding(col, hits))
        used = {id(r) for r in hits}
        rows = [r for r in rows if id(r) not in used]
    findings.extend(_pair_finding(row) for row in rows)
    return sorted(findings, key=lambda f: -(f.beyond or 0.0))
