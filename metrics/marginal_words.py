"""The sentences of column-shape findings: what changed, with numbers that do not contradict it.

A finding names the change that happened, checked in this order, so the most specific true
description wins:

1. the synthetic column collapsed to one value;
2. the share of zeros changed (a zero-inflated column's zeros lost or multiplied);
3. synthetic values pile up on the real minimum or maximum (a generator clipping its output),
   after the shift when the column is also shifted (shifted, then clipped);
4. a spike (a value holding a large share of one side) was lost or created;
5. shifted, more spread out or more concentrated (medians and middle halves);
6. the value whose share differs most (a column of a few distinct values), else "shaped
   differently" with the medians (the means when the medians are equal).

A change is named only when it accounts for at least half of the KS distance
(:data:`EXPLAINS`). Categories: a collapse to one category, else the category whose share
moved most relative to its size. Two numbers printed side by side get the digits that show
their difference (:func:`fmt_pair`), so "2,017.09" and "2,017.36" never both read "2,017".
"""

from __future__ import annotations

import math

import numpy as np

from metrics.marginal_stats import quantile_sorted
from metrics.schema import Kind
from metrics.schema_dates import date_text

EXPLAINS = 0.5  # share of the KS distance a spike or a pile-up must account for to be named
SPIKE = 0.05  # share of one side's values that makes a value a spike
SPIKE_RATIO = 1.5  # how many times larger one side's share of it must be
_DAY_NS = 86_400e9


def fmt_value(value: float, kind: Kind) -> str:
    """A number or a date as a person writes it."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if kind is Kind.DATETIME:
        return date_text(value)
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 10 or value == round(value):
        return f"{value:.1f}".removesuffix(".0")
    return f"{value:.3g}"


def fmt_share(share: float) -> str:
    """A share as a percentage with the precision it needs."""
    pct = 100 * share
    return f"{pct:.0f}%" if pct >= 10 or pct == 0 else f"{pct:.1f}%" if pct >= 1 else f"{pct:.2f}%"


def _decimals_apart(a: float, b: float) -> int:
    """Decimals that show two significant digits of ``a - b``."""
    return max(0, 1 - math.floor(math.log10(abs(a - b)) + 1e-9))


def fmt_pair(a: float, b: float, kind: Kind) -> tuple[str, str]:
    """Two numbers or dates as :func:`fmt_value` writes them, with more digits when that would
    print two different values the same (2017.09 and 2017.36: "2,017.09", "2,017.36")."""
    ta, tb = fmt_value(a, kind), fmt_value(b, kind)
    if kind is Kind.DATETIME and ta[:10] != tb[:10]:
        return ta[:10], tb[:10]  # different days: the time of day adds nothing
    if kind is Kind.DATETIME or not np.isfinite(a - b) or a == b:
        return ta, tb
    if ta != tb:
        # One precision for both: 2.99995 and 3.31 read "3.00" and "3.31", not "3" and "3.31".
        d = max(len(t.partition(".")[2]) for t in (ta, tb))
        return (ta, tb) if a == round(a) and b == round(b) else (f"{a:,.{d}f}", f"{b:,.{d}f}")
    d = _decimals_apart(a, b)
    return f"{a:,.{d}f}", f"{b:,.{d}f}"


def _pct(share: float) -> str:
    """A share in a finding sentence: 37.5%, 2.3%, 0.52%, 0%, 100%."""
    pct = 100 * share
    if pct in (0, 100):
        return f"{pct:.0f}%"
    return f"{pct:.1f}%" if pct >= 1 else f"{pct:.2g}%"


def fmt_share_pair(a: float, b: float) -> tuple[str, str]:
    """Two shares (37.5%, 12.7%), with more digits when two different shares would match."""
    ta, tb = _pct(a), _pct(b)
    if ta != tb or a == b:
        return ta, tb
    d = _decimals_apart(100 * a, 100 * b)
    return f"{100 * a:.{d}f}%", f"{100 * b:.{d}f}%"


def _span_pair(a: float, b: float, kind: Kind) -> tuple[str, str]:
    if kind is Kind.DATETIME:
        da, db = a / _DAY_NS, b / _DAY_NS
        d = 0 if f"{da:,.0f}" != f"{db:,.0f}" or da == db else _decimals_apart(da, db)
        return f"{da:,.{d}f} days", f"{db:,.{d}f} days"
    return fmt_pair(a, b, Kind.NUMERICAL)


def _share_at(values: np.ndarray, value: float) -> float:
    """Share of sorted ``values`` equal to ``value``."""
    count = np.searchsorted(values, value, "right") - np.searchsorted(values, value, "left")
    return float(count / len(values))


def _share_near(values: np.ndarray, value: float, tol: float) -> float:
    """Share of sorted ``values`` within ``tol`` of ``value``."""
    inside = np.searchsorted(values, value + tol, "right") - np.searchsorted(values, value - tol)
    return float(inside / len(values))


def _spike_candidates(values: np.ndarray, share: float = SPIKE) -> np.ndarray:
    """Every value holding at least ``share`` of a sorted array (and a few others): a run that
    long covers one of the positions a step of ``share * n`` apart, so those positions' values
    are the only candidates, found without scanning a million values."""
    step = max(1, int(share * len(values)))
    return np.unique(values[::step])


def _collapse(rs: np.ndarray, ss: np.ndarray, kind: Kind) -> str | None:
    if ss[0] != ss[-1] or rs[0] == rs[-1]:
        return None
    share = _pct(_share_at(rs, ss[0]))
    return f"collapsed to one value, {fmt_value(ss[0], kind)} ({share} of real values)"


def _pile_up(rs: np.ndarray, ss: np.ndarray, kind: Kind, need: float) -> str | None:
    """Synthetic values crowding the real minimum or maximum, when at least ``need`` more of
    the synthetic than of the real values sit there."""
    # A tolerance of floating-point noise: a value one step inside the edge is on it.
    tol = 1e-9 * max(rs[-1] - rs[0], abs(rs[0]), abs(rs[-1]), 1e-300)
    dates = kind is Kind.DATETIME
    edges = [
        (rs[-1], "the last real date" if dates else "the real maximum"),
        (rs[0], "the first real date" if dates else "the real minimum"),
    ]
    found = []
    for edge, where in edges:
        syn, real = _share_near(ss, edge, tol), _share_near(rs, edge, tol)
        found.append((syn - real, where, edge, syn, real))
    gap, where, edge, syn, real = max(found, key=lambda e: e[0])
    if gap < need or syn < 2 * real:
        return None
    ts, tr = fmt_share_pair(syn, real)
    return f"{ts} of synthetic values pile up on {where}, {fmt_value(edge, kind)} ({tr} of real)"


def _zeros(rs: np.ndarray, ss: np.ndarray, kind: Kind, distance: float) -> str | None:
    # Before a pile-up: a zero-inflated column's zeros usually sit on its minimum.
    if kind is Kind.DATETIME or not (rs[0] <= 0 <= rs[-1] or ss[0] <= 0 <= ss[-1]):
        return None
    return _spike(rs, ss, kind, distance, np.zeros(1))


def _spike(
    rs: np.ndarray, ss: np.ndarray, kind: Kind, distance: float, at: np.ndarray | None = None
) -> str | None:
    candidates = (
        np.concatenate([_spike_candidates(rs), _spike_candidates(ss)]) if at is None else at
    )
    shares = [(_share_at(rs, v), _share_at(ss, v), v) for v in candidates]
    real, syn, value = max(shares, key=lambda s: abs(s[0] - s[1]))
    if abs(real - syn) < EXPLAINS * distance or max(real, syn) < SPIKE:
        return None
    if max(real, syn) < SPIKE_RATIO * min(real, syn):
        return None  # 19% -> 21% of a count column's rows is no spike lost or made
    tr, ts = fmt_share_pair(real, syn)
    text = fmt_value(value, kind)
    if value == 0 and kind is not Kind.DATETIME:
        if real > syn:
            return f"{tr} of real values are 0, {ts} of synthetic"
        return f"{ts} of synthetic values are 0, {tr} of real"
    if real > syn:
        return f"the spike at {text} ({tr} of real values) fell to {ts}"
    return f"the value {text} holds {ts} of synthetic values ({tr} of real)"


def continuous_words(
    col: str, kind: Kind, rs: np.ndarray, ss: np.ndarray, distance: float, score_text: str
) -> str:
    """The finding sentence of a numerical or date column whose shape differs.

    ``rs`` and ``ss`` are both sides' sorted non-missing values, ``distance`` the KS distance.
    """
    change = _collapse(rs, ss, kind) or _zeros(rs, ss, kind, distance)
    if change is None:
        moved, shifted = _moved(rs, ss, kind)
        # Beside a shift, a pile-up is worth naming once it holds 5% more of the synthetic rows.
        need = min(EXPLAINS * distance, SPIKE) if shifted else EXPLAINS * distance
        pile = _pile_up(rs, ss, kind, need)
        if pile is not None:
            # Shifted and clipped to the real range: both are true, the shift comes first.
            change = f"{moved}; {pile}" if shifted else pile
        elif shifted or moved.startswith("more "):
            change = _spike(rs, ss, kind, distance) or moved
        else:
            change = _spike(rs, ss, kind, distance) or _value_gap(rs, ss, kind, distance) or moved
    return f"{col}: {change} ({score_text})."


def _value_gap(rs: np.ndarray, ss: np.ndarray, kind: Kind, distance: float) -> str | None:
    """The value whose share differs most, when it accounts for half the distance: how a
    column of a few distinct values (counts, ratings) differs when nothing has moved."""
    candidates = np.concatenate([_spike_candidates(rs, 0.01), _spike_candidates(ss, 0.01)])
    shares = [(_share_at(rs, v), _share_at(ss, v), v) for v in candidates]
    real, syn, value = max(shares, key=lambda s: abs(s[0] - s[1]))
    if abs(real - syn) < EXPLAINS * distance:
        return None
    ts, tr = fmt_share_pair(syn, real)
    return f"{fmt_value(value, kind)} holds {ts} of synthetic values, {tr} of real"


def _moved(rs: np.ndarray, ss: np.ndarray, kind: Kind) -> tuple[str, bool]:
    """How the middle of the distribution moved, and whether that is a shift."""
    med_r, med_s = quantile_sorted(rs, 0.5), quantile_sorted(ss, 0.5)
    iqr_r = quantile_sorted(rs, 0.75) - quantile_sorted(rs, 0.25)
    iqr_s = quantile_sorted(ss, 0.75) - quantile_sorted(ss, 0.25)
    spread = iqr_r if iqr_r > 0 else (rs[-1] - rs[0]) or 1.0
    shift = (med_s - med_r) / spread
    ratio = iqr_s / iqr_r if iqr_r > 0 else np.inf if iqr_s > 0 else 1.0
    mr, ms = fmt_pair(med_r, med_s, kind)
    what = "median"
    if med_r == med_s:  # counts and ratings often share a median: their means tell them apart
        what = "mean"
        mr, ms = fmt_pair(float(np.mean(rs)), float(np.mean(ss)), kind)
    if abs(shift) >= 0.25:
        direction = "higher" if shift > 0 else "lower"
        return f"shifted {direction}: real median {mr}, synthetic {ms}", True
    if ratio > 1.25 or ratio < 0.8:
        what = "more spread out" if ratio > 1 else "more concentrated"
        wr, ws = _span_pair(iqr_r, iqr_s, kind)
        return f"{what}: middle half spans {wr} in the real data, {ws} in the synthetic", False
    return f"shaped differently: real {what} {mr}, synthetic {ms}", False


def discrete_words(
    col: str, levels: list[str], real: np.ndarray, synthetic: np.ndarray, score_text: str
) -> str:
    """The finding sentence of a categorical or boolean column whose shares differ.

    ``real`` and ``synthetic`` are both sides' counts of each level.
    """
    pr, ps = real / real.sum(), synthetic / synthetic.sum()
    used = np.flatnonzero(synthetic)
    if len(used) == 1 and np.count_nonzero(real) > 1:
        only = int(used[0])
        change = f"collapsed to one category, '{levels[only]}' ({_pct(pr[only])} of real values)"
        return f"{col}: {change} ({score_text})."
    # Among the shares that moved at least half as much as the most-moved one, the one that
    # moved most relative to its size: 8% -> 15% says more than 50% -> 43%, and a rare
    # category's tiny change never hides a large one.
    moved = np.abs(ps - pr)
    pooled = (pr + ps) / 2
    gap = moved / np.sqrt(np.maximum(pooled * (1 - pooled), 1e-12))
    i = int(np.argmax(np.where(moved >= moved.max() / 2, gap, -1.0)))
    name, tr, ts = levels[i], *fmt_share_pair(pr[i], ps[i])
    if pr[i] == 0:
        change = f"'{name}' is not in the real data but is {ts} of synthetic values"
    elif ps[i] == 0:
        change = f"'{name}' ({tr} of real values) is never generated"
    elif ps[i] >= 1.5 * pr[i]:
        change = f"'{name}' rose from {tr} of real values to {ts} ({ps[i] / pr[i]:.1f} times)"
    elif ps[i] <= pr[i] / 1.5:
        change = f"'{name}' fell from {tr} of real values to {ts}"
    else:
        change = f"'{name}' is {tr} of real values, {ts} of synthetic"
    return f"{col}: {change} ({score_text})."
