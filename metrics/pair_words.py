"""What changed in a pair whose shape is lost, in words and in real units.

Three kinds of group (see :mod:`metrics.pair_shapes`), three kinds of sentence:

- a category: the level whose values moved most, with both medians:
  ``"wage among part_time = 'yes': median 154 real vs 364 synthetic"``;
- a calendar part: the real peak (or low) and what became of it:
  ``"price by start_date (month): the peak in July (median 41.2 real) is gone (median 30.1
  synthetic, flat across months)"``;
- another number: the two profiles of medians across its real-quantile bins:
  ``"wage by experience: real rises then falls (peak at experience 20-25), synthetic keeps
  rising"``, or the bin whose median moved most when both profiles have the same shape.

:func:`profile` gives the medians (and middle halves) per group on both sides; the Pairs page
draws it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.encode import Encoded, Side
from metrics.marginal_words import fmt_pair, fmt_value
from metrics.pair_calendar import PLURAL, Part, part_codes, split_name
from metrics.pair_quantiles import PairShape, Tables
from metrics.pair_shapes import quantile_codes, quantile_edges, thin
from metrics.schema import Kind

FLAT = 0.1  # a profile whose medians span less than this share of the real middle half is flat
FLAT_SHARE = 0.25  # ... or less than this share of the other side's span
TURN = 0.3  # a peak (or low) inside a profile must stand this share of its span above each end
MIN_ROWS = 5  # groups with fewer rows on a side are left out of the profile
MAX_GROUPS = 40  # the largest groups a profile shows
WORD_ROWS = 200_000  # rows per side behind the medians of a profile (evenly thinned)


def _group_codes(enc: Encoded, tables: Tables, side: Side, col: str, real: bool) -> np.ndarray:
    if col in tables.parts:
        part = tables.parts[col]
        return part.real if real else part.synthetic
    if col in tables.numeric:
        return quantile_codes(side.numeric[col], tables.edges[col])
    return side.codes[col] + 1


def group_label(enc: Encoded, tables: Tables, col: str, code: int) -> str:
    """A group in words: ``'yes'`` (a category), ``July`` (a calendar part), ``20-25`` (a bin)."""
    if col in tables.parts:
        return tables.parts[col].labels[code - 1]
    if col in tables.numeric:
        kind = enc.schema.kind_of(col)
        values = enc.real.numeric[col]
        ends = np.r_[np.nanmin(values), tables.edges[col], np.nanmax(values)]
        lo, hi = (fmt_value(float(v), kind) for v in ends[code - 1 : code + 1])
        if kind is Kind.DATETIME:
            return f"{lo[:10]} to {hi[:10]}"
        return f"{lo} to {hi}" if ends[code - 1] < 0 else f"{lo}-{hi}"
    return "missing" if code == 0 else f"'{enc.categories[col][code - 1]}'"


def profile(enc: Encoded, tables: Tables, grouped: str, target: str) -> pd.DataFrame:
    """Per group of ``grouped`` (the :data:`MAX_GROUPS` largest real groups of at least
    :data:`MIN_ROWS` rows, in code order): the rows, the mean and the 25th, 50th and 75th
    percentiles of ``target`` on each side (NaN where the synthetic side has fewer than
    :data:`MIN_ROWS` rows in the group)."""
    sides = [(name, side, _group_codes(enc, tables, side, grouped, name == "real"))
             for name, side in (("real", enc.real), ("synthetic", enc.synthetic))]  # fmt: skip
    found, sizes = np.unique(thin(sides[0][2], WORD_ROWS), return_counts=True)
    undated = grouped in tables.numeric or grouped in tables.parts
    big = (sizes >= MIN_ROWS) & ~((found == 0) & undated)
    # A number's (a date's) missing values are no group; a 2,000-level column shows its
    # largest groups.
    chosen = np.sort(found[big][np.argsort(-sizes[big], kind="stable")[:MAX_GROUPS]])
    real_groups = [int(c) for c in chosen]
    rows: list[dict] = [
        {"group": group_label(enc, tables, grouped, c), "code": c} for c in real_groups
    ]
    for name, side, codes in sides:
        # Medians said in words and drawn need no million rows: an even thinning of them.
        values, codes = thin(side.numeric[target], WORD_ROWS), thin(codes, WORD_ROWS)
        keep = np.isfinite(values)
        # One sort by group, then each group's values are a slice.
        order = np.argsort(codes[keep], kind="stable")
        ordered_codes, ordered = codes[keep][order], values[keep][order]
        starts = np.searchsorted(ordered_codes, real_groups, "left")
        ends = np.searchsorted(ordered_codes, real_groups, "right")
        for row, lo, hi in zip(rows, starts, ends, strict=True):
            part = ordered[lo:hi]
            row[f"{name}_rows"] = len(part)
            enough = len(part) >= MIN_ROWS
            q = np.quantile(part, [0.25, 0.5, 0.75]) if enough else [np.nan] * 3
            row[f"{name}_q25"], row[f"{name}_median"], row[f"{name}_q75"] = map(float, q)
            row[f"{name}_mean"] = float(part.mean()) if enough else np.nan
    return pd.DataFrame(rows)


def _iqr(enc: Encoded, col: str) -> float:
    values = thin(enc.real.numeric[col], WORD_ROWS)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0
    q25, q75 = np.quantile(values, [0.25, 0.75])
    return float(q75 - q25) or float(values.max() - values.min())


def _wander(table: pd.DataFrame, side: str) -> float:
    """How far apart a profile's medians fall by sampling noise alone: 3.5 standard errors of
    a median (1.25 sd / sqrt(rows), the sd from the middle half), about the range of ten."""
    sd = (table[f"{side}_q75"] - table[f"{side}_q25"]) / 1.349
    se = 1.2533 * sd / np.sqrt(table[f"{side}_rows"].clip(lower=1))
    return float(3.5 * se.mean()) if se.notna().any() else 0.0


def _span(m: np.ndarray) -> float:
    m = m[np.isfinite(m)]
    return float(m.max() - m.min()) if m.size else 0.0


def _shape_words(m: np.ndarray, labels: list[str], tol: float, grouped: str) -> tuple[str, str]:
    """A profile's shape: a code ("rises", "falls", "peak", "low", "flat") and its words; flat
    when its medians span ``tol`` or less."""
    ok = np.isfinite(m)
    m, labels = m[ok], [lab for lab, keep in zip(labels, ok, strict=True) if keep]
    if len(m) < 2 or m.max() - m.min() <= tol:
        return "flat", "is flat"
    span = m.max() - m.min()
    p, q = int(np.argmax(m)), int(np.argmin(m))
    peak = 0 < p < len(m) - 1 and min(m[p] - m[0], m[p] - m[-1]) >= TURN * span
    low = 0 < q < len(m) - 1 and min(m[0] - m[q], m[-1] - m[q]) >= TURN * span
    if peak and (not low or m[p] - m[0] >= m[0] - m[q]):
        return "peak", f"rises then falls (peak at {grouped} {labels[p]})"
    if low:
        return "low", f"falls then rises (lowest at {grouped} {labels[q]})"
    return ("rises", "rises") if m[-1] > m[0] else ("falls", "falls")


def _numbers(enc: Encoded, table: pd.DataFrame, found: PairShape) -> str:
    g, t = found.grouped, found.target
    tol = FLAT * _iqr(enc, t)
    labels = table["group"].tolist()
    real, syn = table["real_median"].to_numpy(), table["synthetic_median"].to_numpy()
    # Medians of a flat profile still wander by sampling noise: a profile is flat when it
    # spans no more than that noise, and the synthetic one next to a real one that spans four
    # times as much.
    code_r, words_r = _shape_words(real, labels, max(tol, _wander(table, "real")), g)
    tol_s = max(tol, FLAT_SHARE * _span(real), _wander(table, "synthetic"))
    code_s, words_s = _shape_words(syn, labels, tol_s, g)
    if code_r != code_s:
        if code_s == "rises" and code_r == "peak":
            words_s = "keeps rising"
        elif code_s == "falls" and code_r == "low":
            words_s = "keeps falling"
        return f"{t} by {g}: real {words_r}, synthetic {words_s}"
    return _level(enc, table, found, f"{t} by {g}: where {g} is")


def _level(enc: Encoded, table: pd.DataFrame, found: PairShape, lead: str) -> str:
    """The group whose median moved furthest through the real distribution (weighted by the
    square root of its share: a small group must move further to be named)."""
    real = thin(enc.real.numeric[found.target], WORD_ROWS)
    real = np.sort(real[np.isfinite(real)])
    if real.size == 0:
        return ""
    share = table["real_rows"].to_numpy() / max(int(table["real_rows"].sum()), 1)
    for what in ("median", "mean"):  # counts often keep their medians: their means differ
        m_r, m_s = table[f"real_{what}"].to_numpy(), table[f"synthetic_{what}"].to_numpy()
        rank_r, rank_s = (np.searchsorted(real, m) / real.size for m in (m_r, m_s))
        moved = np.where(np.isfinite(m_r) & np.isfinite(m_s),
                         np.abs(rank_s - rank_r) * np.sqrt(share), -1.0)  # fmt: skip
        if moved.max() > 0 or (what == "mean" and moved.max() == 0):
            break
    if moved.max() < 0:
        return ""
    r = table.iloc[int(np.argmax(moved))]
    kind = enc.schema.kind_of(found.target)
    text_r, text_s = fmt_pair(r[f"real_{what}"], r[f"synthetic_{what}"], kind)
    return f"{lead} {r['group']}: {what} {text_r} real vs {text_s} synthetic"


def _calendar(enc: Encoded, tables: Tables, table: pd.DataFrame, found: PairShape) -> str:
    g, t = found.grouped, found.target
    kind = enc.schema.kind_of(t)
    real, syn = table["real_median"].to_numpy(), table["synthetic_median"].to_numpy()
    ok = np.isfinite(real) & np.isfinite(syn)
    if ok.sum() < 2:
        return _level(enc, table, found, f"{t} by {g}: in")
    centre = float(np.median(real[ok]))
    p, q = (
        int(np.nanargmax(np.where(ok, real, np.nan))),
        int(np.nanargmin(np.where(ok, real, np.nan))),
    )
    i, what = (p, "peak") if real[p] - centre >= centre - real[q] else (q, "low")
    name = table["group"].iloc[i]
    flat = np.ptp(syn[ok]) <= max(
        FLAT_SHARE * np.ptp(real[ok]), FLAT * _iqr(enc, t), _wander(table, "synthetic")
    )
    med_r, med_s = fmt_pair(real[i], syn[i], kind)
    if flat:
        plural = PLURAL[tables.parts[g].part]
        return (f"{t} by {g}: the {what} in {name} (median {med_r} real) is gone "
                f"(median {med_s} synthetic, flat across {plural})")  # fmt: skip
    j = int(np.nanargmax(np.where(ok, syn, np.nan)) if what == "peak" else np.nanargmin(
        np.where(ok, syn, np.nan)))  # fmt: skip
    if j != i:
        return (f"{t} by {g}: the {what} in {name} (median {med_r} real) moved to "
                f"{table['group'].iloc[j]} in the synthetic data (median {med_s} in {name})")  # fmt: skip
    return _level(enc, table, found, f"{t} by {g}: in")


def change_words(enc: Encoded, tables: Tables, found: PairShape) -> str:
    """What changed in a pair whose shape is lost (module docstring); "" when it cannot say."""
    table = profile(enc, tables, found.grouped, found.target)
    if table.empty:
        return ""
    if found.grouped in tables.parts:
        return _calendar(enc, tables, table, found)
    if found.grouped in tables.numeric:
        return _numbers(enc, table, found)
    return _level(enc, table, found, f"{found.target} among {found.grouped} =")


def pair_profile(enc: Encoded, a: str, b: str) -> tuple[pd.DataFrame, str, str] | None:
    """The profile of a details row's pair (:func:`profile`), its grouping column and its
    number: the category, calendar part or first number groups the other number. None when
    the pair holds no number (or names a column the data does not have)."""
    tables = Tables()
    names = set(enc.schema.names())
    for col in (a, b):
        source, part = split_name(col)
        if part and source in names and enc.schema.kind_of(source) is Kind.DATETIME:
            real, syn = enc.real.numeric[source], enc.synthetic.numeric[source]
            tables.parts[col] = Part(col, source, part, part_codes(real, part),
                                     part_codes(syn, part))  # fmt: skip
        elif col not in names:
            return None
        elif col in enc.continuous:
            tables.numeric.add(col)
            tables.edges[col] = quantile_edges(enc.real.numeric[col])
    if b in tables.numeric:
        grouped, target = a, b
    elif a in tables.numeric:
        grouped, target = b, a
    else:
        return None
    return profile(enc, tables, grouped, target), grouped, target
