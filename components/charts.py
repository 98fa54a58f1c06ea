"""Results and encoded data -> plotly figures. Pure: no Streamlit here.

Histograms and tables are computed in numpy and sent as bars, so a million-row column costs the
browser a few dozen numbers, not a million points.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from metrics.encode import MISSING, Encoded
from metrics.schema import Kind

REAL = "#4F46E5"
SYNTHETIC = "#F59E0B"
HOLDOUT = "#10B981"
TOP_CATEGORIES = 20
_LAYOUT = dict(
    template="plotly_white",
    margin=dict(l=10, r=10, t=40, b=10),
    legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1),
    font=dict(size=13),
)


def _as_dates(values: np.ndarray) -> pd.DatetimeIndex:
    return pd.to_datetime(values.astype("int64"), unit="ns")


def _shared_edges(a: np.ndarray, b: np.ndarray, max_bins: int = 40) -> np.ndarray:
    """Bin edges over both sides, trimmed to the 0.5-99.5 percentiles so one wild value
    does not squash the chart; values beyond are counted in the end bins. Small samples get
    fewer bins (about the square root of the smaller side) so the bars are not mostly noise."""
    fa, fb = a[np.isfinite(a)], b[np.isfinite(b)]
    both = np.concatenate([fa, fb])
    if both.size == 0:
        return np.array([0.0, 1.0])
    bins = int(np.clip(np.sqrt(max(min(fa.size, fb.size), 1)), 10, max_bins))
    lo, hi = np.percentile(both, [0.5, 99.5])
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    uniq = np.unique(both)
    if uniq.size <= bins and np.allclose(uniq, np.round(uniq)):
        # Few whole-number values (counts, years): one bar per value.
        return np.concatenate([uniq - 0.5, [uniq[-1] + 0.5]])
    return np.linspace(lo, hi, bins + 1)


def _shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    finite = values[np.isfinite(values)]
    clipped = np.clip(finite, edges[0], edges[-1])
    counts, _ = np.histogram(clipped, edges)
    return counts / max(len(values), 1)


def distribution(enc: Encoded, column: str, with_holdout: bool = False) -> go.Figure:
    """Real and synthetic distributions of one column, overlaid, as shares of rows."""
    kind = enc.schema.kind_of(column)
    sides = [("Real", enc.real, REAL), ("Synthetic", enc.synthetic, SYNTHETIC)]
    if with_holdout and enc.holdout is not None:
        sides.append(("Holdout", enc.holdout, HOLDOUT))
    fig = go.Figure()
    if kind in (Kind.NUMERICAL, Kind.DATETIME):
        edges = _shared_edges(enc.real.numeric[column], enc.synthetic.numeric[column])
        centers = (edges[:-1] + edges[1:]) / 2
        width = np.diff(edges)
        x = _as_dates(centers) if kind is Kind.DATETIME else centers
        for label, side, color in sides:
            values = side.numeric[column]
            missing = float(np.isnan(values).mean()) if len(values) else 0.0
            fig.add_bar(
                x=x,
                y=_shares(values, edges),
                width=width / 1e6 if kind is Kind.DATETIME else width,
                name=f"{label} ({missing:.0%} missing)" if missing else label,
                marker_color=color,
                opacity=0.55,
                hovertemplate="%{x}<br>%{y:.1%} of rows<extra>" + label + "</extra>",
            )
        fig.update_layout(barmode="overlay", bargap=0)
        if kind is Kind.DATETIME:
            # Bar widths on a date axis are in milliseconds.
            for trace in fig.data:
                trace.width = (width / 1e6).tolist()
    else:
        cats = enc.categories.get(column, [])
        real_counts = _code_counts(enc.real.codes[column], len(cats))
        order = np.argsort(-real_counts[:-1], kind="stable")
        shown = order[:TOP_CATEGORIES]
        labels = [cats[i] for i in shown]
        for label, side, color in sides:
            counts = _code_counts(side.codes[column], len(cats))
            total = max(counts.sum(), 1)
            y = list(counts[shown] / total)
            names = list(labels)
            rest = counts[:-1].sum() - counts[shown].sum()
            if len(order) > TOP_CATEGORIES:
                names.append(f"other ({len(order) - TOP_CATEGORIES} more)")
                y.append(rest / total)
            if counts[-1]:
                names.append("(missing)")
                y.append(counts[-1] / total)
            fig.add_bar(
                x=names,
                y=y,
                name=label,
                marker_color=color,
                hovertemplate="%{x}<br>%{y:.1%} of rows<extra>" + label + "</extra>",
            )
        fig.update_layout(barmode="group")
    fig.update_layout(**_LAYOUT, height=300, yaxis_tickformat=".0%", yaxis_title="share of rows")
    return fig


def _code_counts(codes: np.ndarray, n_levels: int) -> np.ndarray:
    """Counts per level with missing (code -1) last."""
    shifted = np.where(codes == MISSING, n_levels, codes)
    return np.bincount(shifted, minlength=n_levels + 1)


def correlation_heatmaps(real: pd.DataFrame, synthetic: pd.DataFrame) -> go.Figure:
    """Real, synthetic and difference correlation matrices side by side."""
    diff = synthetic - real
    labels = list(real.columns)
    fig = make_subplots(
        rows=1,
        cols=3,
        subplot_titles=("Real", "Synthetic", "Synthetic minus real"),
        horizontal_spacing=0.06,
    )
    for i, (m, scale) in enumerate([(real, "RdBu"), (synthetic, "RdBu"), (diff, "PuOr")], start=1):
        fig.add_heatmap(
            z=m.to_numpy(),
            x=labels,
            y=labels,
            zmin=-1,
            zmax=1,
            colorscale=scale,
            reversescale=scale == "RdBu",
            showscale=i in (2, 3),
            colorbar=dict(x=0.645 if i == 2 else 1.0, len=0.9, thickness=10),
            hovertemplate="%{y} ~ %{x}: %{z:.2f}<extra></extra>",
            row=1,
            col=i,
        )
        fig.update_yaxes(autorange="reversed", row=1, col=i, showticklabels=i == 1)
    size = max(360, min(900, 26 * len(labels) + 160))
    fig.update_layout(**_LAYOUT, height=size)
    return fig


def joint_view(enc: Encoded, a: str, b: str, max_points: int = 4000, seed: int = 0) -> go.Figure:
    """Real and synthetic joint distribution of a pair, side by side."""
    ka, kb = enc.schema.kind_of(a), enc.schema.kind_of(b)
    cont = (Kind.NUMERICAL, Kind.DATETIME)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Real", "Synthetic"), shared_yaxes=True)
    rng = np.random.default_rng(seed)
    for col, (label, side, color) in enumerate(
        [("Real", enc.real, REAL), ("Synthetic", enc.synthetic, SYNTHETIC)], start=1
    ):
        if ka in cont and kb in cont:
            x, y = side.numeric[a], side.numeric[b]
            keep = np.isfinite(x) & np.isfinite(y)
            idx = np.flatnonzero(keep)
            if idx.size > max_points:
                idx = rng.choice(idx, max_points, replace=False)
            fig.add_scattergl(
                x=_as_dates(x[idx]) if ka is Kind.DATETIME else x[idx],
                y=_as_dates(y[idx]) if kb is Kind.DATETIME else y[idx],
                mode="markers",
                marker=dict(color=color, size=4, opacity=0.45),
                name=label,
                row=1,
                col=col,
            )
        elif ka not in cont and kb not in cont:
            table, xl, yl = _contingency(enc, side, a, b)
            fig.add_heatmap(
                z=table,
                x=xl,
                y=yl,
                colorscale="Blues",
                showscale=col == 2,
                zmin=0,
                zmax=None,
                hovertemplate=f"{a}=%{{x}}<br>{b}=%{{y}}<br>%{{z:.1%}}<extra></extra>",
                row=1,
                col=col,
            )
        else:
            cat, num = (a, b) if ka not in cont else (b, a)
            _boxes(fig, enc, side, cat, num, color, label, col)
    fig.update_layout(**_LAYOUT, height=420, showlegend=False)
    # Box plots put the category on x whichever column was named first.
    x_title, y_title = (a, b) if (ka in cont) == (kb in cont) or ka not in cont else (b, a)
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, col=1)
    return fig


def _contingency(enc: Encoded, side, a: str, b: str) -> tuple[np.ndarray, list[str], list[str]]:
    cats_a = enc.categories[a][:TOP_CATEGORIES]
    cats_b = enc.categories[b][:TOP_CATEGORIES]
    ca, cb = side.codes[a], side.codes[b]
    keep = (ca >= 0) & (ca < len(cats_a)) & (cb >= 0) & (cb < len(cats_b))
    flat = np.bincount(cb[keep] * len(cats_a) + ca[keep], minlength=len(cats_a) * len(cats_b))
    table = flat.reshape(len(cats_b), len(cats_a)) / max(len(ca), 1)
    return table, cats_a, cats_b


def _boxes(fig, enc: Encoded, side, cat: str, num: str, color: str, label: str, col: int) -> None:
    """Box plots of a number per category, from precomputed quartiles (no raw points)."""
    cats = enc.categories[cat]
    real_counts = _code_counts(enc.real.codes[cat], len(cats))[:-1]
    shown = np.argsort(-real_counts, kind="stable")[:TOP_CATEGORIES]
    codes, values = side.codes[cat], side.numeric[num]
    names, q1, med, q3, lo, hi = [], [], [], [], [], []
    for i in shown:
        v = values[(codes == i) & np.isfinite(values)]
        if v.size == 0:
            continue
        a, m, c = np.percentile(v, [25, 50, 75])
        iqr = c - a
        names.append(cats[i])
        q1.append(a)
        med.append(m)
        q3.append(c)
        lo.append(max(v.min(), a - 1.5 * iqr))
        hi.append(min(v.max(), c + 1.5 * iqr))
    fig.add_box(
        x=names,
        q1=q1,
        median=med,
        q3=q3,
        lowerfence=lo,
        upperfence=hi,
        marker_color=color,
        name=label,
        row=1,
        col=col,
    )


def score_bars(details: pd.DataFrame, label_col: str, score_col: str = "score") -> go.Figure:
    """Horizontal bars of scores, worst first, coloured by how bad they are."""
    d = details.dropna(subset=[score_col]).sort_values(score_col)
    colors = ["#DC2626" if s < 0.7 else "#F59E0B" if s < 0.85 else "#16A34A" for s in d[score_col]]
    fig = go.Figure(
        go.Bar(
            x=d[score_col],
            y=d[label_col].astype(str),
            orientation="h",
            marker_color=colors,
            hovertemplate="%{y}: %{x:.3f}<extra></extra>",
        )
    )
    fig.update_layout(**_LAYOUT, height=max(240, 22 * len(d) + 80), xaxis_range=[0, 1])
    fig.update_yaxes(autorange="reversed")
    return fig
