"""Subgroup fidelity: relations and shapes that hold in the whole table but break inside a group.

For every grouping column (categories with at most 50 levels, numbers and dates cut at their
real quartiles; :mod:`metrics.subgroups_groups`) and every level with enough rows on both
sides, the other columns' shapes (KS or TV complement) and the related pairs' trends
(correlation similarity, or contingency similarity on real-quintile bins) are measured inside
the level (:mod:`metrics.subgroups_tests`) and compared with the same score on the whole
table. A subgroup whose score falls below the whole table's by more than the noise of its size
explains is a candidate (:mod:`metrics.subgroups_stats`); Benjamini-Hochberg over every test
run keeps the false discoveries at 5%, and a discovery must also fall short by at least
:data:`metrics.subgroups_stats.MIN_GAP` beyond the noise's mean.

Findings (kind ``"subgroup"``, at most :data:`MAX_FINDINGS`, one per column or pair and
grouping column: its worst level) rank by how far the subgroup falls below the whole table
beyond its margin (``beyond``). The details list every test, discoveries first. The score is
the share of tests that are not discoveries; it does not count in the fidelity family.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metrics.encode import Encoded, parallel_map
from metrics.options import Options
from metrics.results import Finding, MetricResult, Progress, no_progress, typed_extra
from metrics.subgroups_groups import (
    MAX_PAIRS,
    RELATED,
    Grouping,
    prepare,
)
from metrics.subgroups_stats import (
    FDR,
    MIN_GAP,
    benjamini_hochberg,
    correlation_judge,
    ks_margin,
    ks_p_values,
    tv_judge,
)
from metrics.subgroups_tests import group_rows, whole_table
from metrics.subgroups_words import finding_message
from metrics.uncertainty import severity_beyond

NAME = "subgroups"
MAX_FINDINGS = 10
MAX_JSON = 200  # rows of the JSON report's ``subgroups`` list (discoveries first)

COLUMNS = ["group_column", "level", "rows_real", "rows_synthetic", "share", "column", "partner",
           "metric", "score", "whole_table_score", "gap", "low", "high", "beyond", "excess",
           "p_value", "q_value", "discovered", "real", "synthetic"]  # fmt: skip


@dataclass(frozen=True)
class SubgroupsInfo:
    """What :func:`subgroups` searched (the ``extra`` of its result).

    Attributes
    ----------
    groupings:
        The grouping columns, with their levels' labels (and quartile edges for numbers).
    grouping_columns, levels, tests, discoveries:
        How many grouping columns, tested levels, tests and discoveries.
    pairs:
        The related pairs tested inside the levels ("a ~ b").
    searched:
        What was searched, in a sentence.
    sample_note:
        Said when the rows were sampled ("" otherwise).
    """

    groupings: tuple[Grouping, ...] = ()
    grouping_columns: int = 0
    levels: int = 0
    tests: int = 0
    discoveries: int = 0
    pairs: tuple[str, ...] = ()
    searched: str = ""
    sample_note: str = ""
    fdr: float = FDR
    min_gap: float = MIN_GAP
    notes: tuple[str, ...] = field(default_factory=tuple)


def info(result: MetricResult | None) -> SubgroupsInfo:
    """The :class:`SubgroupsInfo` of a result; the defaults when there is none."""
    return typed_extra(result, SubgroupsInfo)


def _judge(table: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Margins, intervals, p-values, q-values and discoveries of every test (vectorised)."""
    t = table
    n = t["_n"].to_numpy(dtype=float)
    m = t["_m"].to_numpy(dtype=float)
    score = t["score"].to_numpy(dtype=float)
    whole = t["whole_table_score"].to_numpy(dtype=float)
    gap = whole - score
    mean, margin, p = (np.full(len(t), np.nan) for _ in range(3))
    kind = t["_test"].to_numpy()
    ks = kind == "ks"
    if ks.any():
        mean[ks], margin[ks] = ks_margin(n[ks], m[ks], confidence)
        p[ks] = ks_p_values(gap[ks], n[ks], m[ks])
    tv = kind == "tv"
    if tv.any():
        mean[tv] = t["_mean"].to_numpy(dtype=float)[tv]
        sd = t["_sd"].to_numpy(dtype=float)[tv]
        margin[tv], p[tv] = tv_judge(gap[tv], mean[tv], sd, confidence)
    corr = kind == "corr"
    if corr.any():
        real, syn = (t[c].to_numpy(dtype=float)[corr] for c in ("real", "synthetic"))
        w = t["_whole"].to_numpy(dtype=float)[corr]
        mean[corr], margin[corr], p[corr] = correlation_judge(real, syn, w, n[corr], m[corr],
                                                              confidence)  # fmt: skip
    out = t.drop(columns=[c for c in t if c.startswith("_")])
    out["gap"] = gap
    out["low"] = np.clip(score - margin, 0.0, 1.0)
    out["high"] = np.clip(score + margin, 0.0, 1.0)
    out["beyond"] = whole - out["high"]
    out["excess"] = gap - mean
    out["p_value"] = p
    out["q_value"] = benjamini_hochberg(p)
    out["discovered"] = (out["q_value"] <= FDR) & (out["beyond"] > 0) & (out["excess"] >= MIN_GAP)
    return out


def _order(table: pd.DataFrame) -> pd.DataFrame:
    """Discoveries first, each part by how far beyond its margin (farthest first)."""
    keyed = table.assign(_d=~table["discovered"], _b=-table["beyond"].fillna(-np.inf))
    keyed = keyed.sort_values(["_d", "_b"], kind="stable")
    return keyed.drop(columns=["_d", "_b"]).reset_index(drop=True)


def _roots(found: pd.DataFrame) -> pd.DataFrame:
    """Each discovery keyed by the column it is about: in a pair, the one of the two that
    more discoveries of the same level share (a column shuffled inside a level breaks all its
    pairs there; it is the cause, its partners are not), put first."""
    blame: Counter[tuple[str, str, str]] = Counter()
    for g, lv, a, b in found[["group_column", "level", "column", "partner"]].itertuples(False):
        blame.update([(g, lv, a)] + ([(g, lv, b)] if b else []))
    swap = [bool(b) and blame[(g, lv, b)] > blame[(g, lv, a)] for g, lv, a, b in
            found[["group_column", "level", "column", "partner"]].itertuples(False)]  # fmt: skip
    out = found.copy()
    out.loc[swap, ["column", "partner"]] = found.loc[swap, ["partner", "column"]].to_numpy()
    return out


def _also(partners: list[str]) -> str:
    if not partners:
        return ""
    named = ", ".join(partners[:3]) + (
        f" and {len(partners) - 3} more" if len(partners) > 3 else ""
    )
    return f" Also lost or changed in this group: its relation with {named}."


def _findings(enc: Encoded, prep, table: pd.DataFrame) -> list[Finding]:
    """At most :data:`MAX_FINDINGS` findings, one per column and level of a grouping column
    (its worst test there, the other pairs it breaks there named), farthest beyond first."""
    found = _roots(table[table["discovered"]])
    key = ["group_column", "level", "column"]
    firsts = found.drop_duplicates(key, keep="first").head(MAX_FINDINGS)
    out = []
    for _, row in firsts.iterrows():
        same = found[(found[key] == row[key]).all(axis=1)]
        others = [p for p in dict.fromkeys(same["partner"]) if p and p != row["partner"]]
        cols = (row["column"], row["partner"], row["group_column"])
        out.append(Finding(
            kind="subgroup",
            severity=severity_beyond(float(row["beyond"])) or "low",
            columns=tuple(c for c in cols if c),
            message=finding_message(enc, prep, row) + _also(others),
            metric=NAME,
            score=float(row["score"]),
            beyond=float(row["beyond"]),
            tag=f"{row['group_column']}={row['level']}",
        ))  # fmt: skip
    return out


def _searched(n_groups: int, n_levels: int, n_tests: int, n_found: int, n_pairs: int) -> str:
    found = (
        f"{n_found:,} subgroup gap{'s' if n_found != 1 else ''} beyond noise"
        if n_found
        else "no subgroup falls below the whole table beyond noise"
    )
    return (
        f"Searched {n_groups:,} grouping column{'s' if n_groups != 1 else ''}, "
        f"{n_levels:,} level{'s' if n_levels != 1 else ''}, {n_tests:,} tests (every column's "
        f"shape and {n_pairs:,} related pair{'s' if n_pairs != 1 else ''} inside each level); "
        f"{found} after controlling false discoveries (Benjamini-Hochberg, {FDR:.0%})."
    )


def subgroups_table(
    enc: Encoded, options: Options | None = None, progress: Progress = no_progress
) -> tuple[pd.DataFrame, SubgroupsInfo, list[Finding]]:
    """Every test (one details row each, discoveries first), what was searched, and the
    findings."""
    options = options or Options()
    progress(0.0, "Subgroups: preparing the groups")
    prep = prepare(enc, options.seed)
    whole = whole_table(prep)
    rows: list[dict] = []
    groups = prep.groupings
    for i, part in enumerate(parallel_map(lambda g: group_rows(prep, whole, g, options), groups)):
        rows.extend(part)
        progress((i + 1) / max(1, len(groups)), f"Subgroups: inside {groups[i].column}")
    if rows:
        table = _order(_judge(pd.DataFrame(rows), options.confidence))[COLUMNS]
    else:
        table = pd.DataFrame(columns=COLUMNS)
    n_levels = len(table.drop_duplicates(["group_column", "level"])) if len(table) else 0
    n_found = int(table["discovered"].sum()) if len(table) else 0
    findings = _findings(enc, prep, table) if n_found else []
    pairs = tuple(f"{a} ~ {b}" for a, b in prep.pairs)
    extra = SubgroupsInfo(
        groupings=tuple(groups),
        grouping_columns=len(groups),
        levels=n_levels,
        tests=len(table),
        discoveries=n_found,
        pairs=pairs,
        searched=_searched(len(groups), n_levels, len(table), n_found, len(pairs)),
        sample_note=prep.sample_note,
        notes=(f"Pairs tested inside the levels: those whose whole-table relation (|r|, or "
               f"Cramér's V) is at least {RELATED}, the {MAX_PAIRS} strongest.",),
    )  # fmt: skip
    return table, extra, findings


def subgroups(enc: Encoded, options: Options, progress: Progress) -> MetricResult:
    """The ``subgroups`` metric: the share of subgroup tests that are not discoveries (it
    does not count in the fidelity score), every test in the details, at most ten findings."""
    table, extra, findings = subgroups_table(enc, options, progress)
    error = None
    if not extra.grouping_columns:
        error = "no column to group by (categories with 2 to 50 levels, or numbers and dates)"
    elif table.empty:
        error = "no level holds enough rows on both sides (30 and 1% of each side's rows)"
    score = 1.0 - extra.discoveries / len(table) if len(table) else float("nan")
    return MetricResult(name=NAME, family="fidelity", score=score, raw=float(extra.discoveries),
                        details=table, findings=findings, extra=extra, error=error)  # fmt: skip


def _plain(value):
    if isinstance(value, (np.floating, float)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def subgroups_json(result: MetricResult | None) -> list[dict]:
    """The JSON report's ``subgroups``: the discoveries first, then the other tests by how far
    they fall short, at most :data:`MAX_JSON` entries ({group_column, level, rows_real,
    rows_synthetic, column, partner, metric, score, whole_table_score, interval, p_value,
    q_value, discovered})."""
    if result is None or result.details is None or result.details.empty:
        return []
    out = []
    for _, r in result.details.head(MAX_JSON).iterrows():
        out.append({k: _plain(r[k]) for k in ("group_column", "level", "rows_real",
                    "rows_synthetic", "column", "partner", "metric", "score",
                    "whole_table_score")}  # fmt: skip
                   | {"interval": [_plain(r["low"]), _plain(r["high"])],
                      "p_value": _plain(r["p_value"]), "q_value": _plain(r["q_value"]),
                      "discovered": bool(r["discovered"])})  # fmt: skip
    return out
