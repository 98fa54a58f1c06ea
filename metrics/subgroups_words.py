"""The sentences of subgroup findings: the column (and partner), the grouping column and its
level, what changed there, with the numbers (the words of :mod:`metrics.marginal_words`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.encode import Encoded
from metrics.marginal_stats import ks_statistic, sorted_values
from metrics.marginal_words import continuous_words, discrete_words, fmt_share
from metrics.schema import Kind
from metrics.subgroups_groups import Prepared

CONTINUOUS = (Kind.NUMERICAL, Kind.DATETIME)


def where(group_column: str, level: str, kind: Kind | None) -> str:
    """``region = 'North'`` or ``age above 29 up to 41``."""
    if kind in CONTINUOUS:
        return f"{group_column} {level}"
    return f"{group_column} = '{level}'"


def two_scores(label: str, score: float, whole: float) -> str:
    """``KS complement 0.62 in this group, 0.97 in the whole table`` with the digits that
    tell the two apart."""
    for digits in (2, 3, 4):
        a, b = f"{score:.{digits}f}", f"{whole:.{digits}f}"
        if a != b:
            break
    return f"{label} {a} in this group, {b} in the whole table"


def relation_verb(real: float, synthetic: float, signed: bool) -> str:
    """How a relation changed inside the group: lost, weaker, reversed, invented, stronger."""
    if signed and real * synthetic < 0 and min(abs(real), abs(synthetic)) >= 0.1:
        return "is reversed"
    if abs(synthetic) < abs(real):
        return "is lost" if abs(synthetic) < 0.5 * abs(real) else "is weaker"
    if abs(real) < 0.5 * abs(synthetic):
        return "is invented"
    return "is stronger" if abs(synthetic) > abs(real) else "differs"


def _level_rows(prep: Prepared, group_column: str, level: str) -> tuple[np.ndarray, np.ndarray]:
    g = next(x for x in prep.groupings if x.column == group_column)
    code = g.labels.index(level)
    return (prep.real.levels[group_column] == code,
            prep.synthetic.levels[group_column] == code)  # fmt: skip


def finding_message(enc: Encoded, prep: Prepared, row: pd.Series) -> str:
    """The sentence of one discovered test (a details row of ``subgroups``)."""
    col, partner, group = row["column"], row["partner"], row["group_column"]
    place = where(group, row["level"], enc.schema.kind_of(group))
    label = f"{col} among {place} ({fmt_share(float(row['share']))} of rows)"
    score, whole = float(row["score"]), float(row["whole_table_score"])
    if row["metric"] == "correlation":
        real, syn = float(row["real"]), float(row["synthetic"])
        return (
            f"{col}: its relation with {partner} {relation_verb(real, syn, True)} among {place} "
            f"({fmt_share(float(row['share']))} of rows): rank correlation {real:.2f} real vs "
            f"{syn:.2f} synthetic ({two_scores('pair score', score, whole)})."
        )
    if row["metric"] == "contingency":
        real, syn = float(row["real"]), float(row["synthetic"])
        verb = relation_verb(real, syn, False) if np.isfinite(real * syn) else "differs"
        return (
            f"{col}: its relation with {partner} {verb} among {place} "
            f"({fmt_share(float(row['share']))} of rows): association (Cramér's V) "
            f"{real:.2f} real vs {syn:.2f} synthetic "
            f"({two_scores('pair score', score, whole)})."
        )
    in_r, in_s = _level_rows(prep, group, row["level"])
    kind = enc.schema.kind_of(col)
    if kind in CONTINUOUS:
        rs = sorted_values(prep.real.numeric[col][in_r])
        ss = sorted_values(prep.synthetic.numeric[col][in_s])
        text = two_scores("KS complement", score, whole)
        return continuous_words(label, kind, rs, ss, ks_statistic(rs, ss), text)
    names = [*prep.category_names[col], "(not in the real data)"]
    k = len(names)
    cr = np.bincount(prep.real.codes[col][in_r & (prep.real.codes[col] >= 0)], minlength=k)
    cs = np.bincount(
        prep.synthetic.codes[col][in_s & (prep.synthetic.codes[col] >= 0)], minlength=k
    )
    return discrete_words(label, names, cr, cs, two_scores("TV complement", score, whole))
