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
from outputs.escape import plotly_label, plotly_labels

REAL = "#4F46E5"
SYNTHETIC = "#F59E0B"
HOLDOUT = "#10B981"
OUTSIDE = "#B91C1C"  # outline and note of values outside the real range
TOP_CATEGORIES = 20
_LAYOUT = dict(
    template="plotly_white",
    margin=dict(l=10, r=10, t=40, b=10),
    legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1),
    font=dict(size=13),
)


def _as_dates(values: np.ndarray) -> np.ndarray:
    """Encoded dates (float nanoseconds since 1970) as datetimes. Milliseconds, not
    nanoseconds: int64 nanoseconds end in 2262, and Parquet can hold later dates."""
    return (
        np.round(np.asarray(values, dtype="float64") / 1e6).astype("int64").astype("datetime64[ms]")
    )


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


def _shares(values: np.ndarray, edges: np.ndarray, total: int) -> np.ndarray:
    """Share of ``total`` rows per bin; values beyond the edges count in the end bins."""
    finite = values[np.isfinite(values)]
    clipped = np.clip(finite, edges[0], edges[-1])
    counts, _ = np.histogram(clipped, edges)
    return counts / max(total, 1)


def _real_range(real: np.ndarray) -> tuple[float, float] | None:
    """The smallest and largest finite real value (``None`` when there is none)."""
    finite = real[np.isfinite(real)]
    return (float(finite.min()), float(finite.max())) if finite.size else None


def _inside(values: np.ndarray, span: tuple[float, float] | None) -> np.ndarray:
    """The finite values within the real range (all finite values when it is unknown)."""
    finite = values[np.isfinite(values)]
    return finite if span is None else finite[(finite >= span[0]) & (finite <= span[1])]


def _nice_ticks(lo: float, hi: float, n: int = 6) -> np.ndarray:
    """About ``n`` round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) in [lo, hi]."""
    raw = (hi - lo) / n if hi > lo else 1.0
    mag = 10.0 ** np.floor(np.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return np.arange(np.ceil(lo / step) * step, hi + step * 1e-9, step)


def _value_text(value: float, kind: Kind) -> str:
    """A number or a date as a person writes it, as metrics/ words it in findings."""
    from metrics.marginal import fmt_value

    return fmt_value(value, kind)


def distribution(enc: Encoded, column: str, with_holdout: bool = False) -> go.Figure:
    """Real and synthetic distributions of one column, overlaid, as shares of rows.

    Numbers and dates outside the real range (what the validity check and the invalid-row
    flag count) are not folded into the end bins: they get a hatched bar of their own left
    (below) or right (above) of the real range, and a note under the chart gives the counts.
    """
    kind = enc.schema.kind_of(column)
    sides = [("Real", enc.real, REAL), ("Synthetic", enc.synthetic, SYNTHETIC)]
    if with_holdout and enc.holdout is not None:
        sides.append(("Holdout", enc.holdout, HOLDOUT))
    fig = go.Figure()
    if kind in (Kind.NUMERICAL, Kind.DATETIME):
        _numeric_distribution(fig, enc, column, kind, sides)
    else:
        _category_distribution(fig, enc, column, sides)
    fig.update_layout(**_LAYOUT, height=300, yaxis_tickformat=".0%", yaxis_title="share of rows")
    if fig.layout.annotations:  # the out-of-range note sits under the axis
        fig.update_layout(margin=dict(l=10, r=10, t=40, b=58))
    return fig


def _numeric_distribution(fig: go.Figure, enc: Encoded, column: str, kind: Kind, sides) -> None:
    span = _real_range(enc.real.numeric[column])
    edges = _shared_edges(
        _inside(enc.real.numeric[column], span), _inside(enc.synthetic.numeric[column], span)
    )
    is_date = kind is Kind.DATETIME
    centers = (edges[:-1] + edges[1:]) / 2
    scale = 1e6 if is_date else 1.0  # bar widths on a date axis are in milliseconds
    width = (np.diff(edges) / scale).tolist()
    for label, side, color in sides:
        values = side.numeric[column]
        missing = float(np.isnan(values).mean()) if len(values) else 0.0
        fig.add_bar(
            x=_as_dates(centers) if is_date else centers,
            y=_shares(_inside(values, span), edges, len(values)),
            width=width,
            name=f"{label} ({missing:.0%} missing)" if missing else label,
            marker_color=color,
            opacity=0.55,
            hovertemplate="%{x}<br>%{y:.1%} of rows<extra>" + label + "</extra>",
        )
    fig.update_layout(barmode="overlay", bargap=0)
    if span is not None:
        _outside_bars(fig, kind, sides, column, span, edges)


def _outside_bars(fig: go.Figure, kind: Kind, sides, column: str,
                  span: tuple[float, float], edges: np.ndarray) -> None:  # fmt: skip
    """Hatched bars for the values below and above the real range, a shaded band behind them
    and a note with the counts; nothing when every value lies within the real range."""
    step = float(np.mean(np.diff(edges)))
    at = {"below": edges[0] - 1.5 * step, "above": edges[-1] + 1.5 * step}
    date = kind is Kind.DATETIME
    notes: list[str] = []
    drawn: set[str] = set()
    width = step / max(len(sides) - 1, 1)  # side by side: the real side is never outside
    for i, (label, side, color) in enumerate(sides[1:]):
        values = side.numeric[column]
        with np.errstate(invalid="ignore"):
            parts = {"below": values[values < span[0]], "above": values[values > span[1]]}
        for where, out in parts.items():
            if not out.size:
                continue
            low = where == "below"
            extreme = _value_text(float(out.min() if low else out.max()), kind)
            words = (f"{out.size:,} {label.lower()} row{'' if out.size == 1 else 's'} {where} "
                     f"({'lowest' if low else 'highest'} {extreme})")  # fmt: skip
            x = at[where] + (i - (len(sides) - 2) / 2) * width
            fig.add_bar(
                x=_as_dates(np.array([x])) if date else [x],
                y=[out.size / max(len(values), 1)], width=[width / (1e6 if date else 1.0)],
                name=f"{label} outside the real range", legendgroup=f"outside-{label}",
                showlegend=low or not parts["below"].size, opacity=0.8,
                marker=dict(color=color, pattern_shape="/", line=dict(color=OUTSIDE, width=1.5)),
                text=[f"{out.size:,} {where}"], textposition="outside", cliponaxis=False,
                hovertemplate=f"{words}<br>%{{y:.1%}} of {label.lower()} rows<extra></extra>",
            )  # fmt: skip
            notes.append(words)
            drawn.add(where)
    for where in drawn:
        x0, x1 = sorted((at[where] - step, at[where] + step))
        fig.add_vrect(
            x0=_as_dates(np.array([x0]))[0] if date else x0,
            x1=_as_dates(np.array([x1]))[0] if date else x1,
            fillcolor="#FEE2E2", opacity=0.6, line_width=0, layer="below",
        )  # fmt: skip
    if drawn and not date:
        # The outside bars stand at made-up positions: their ticks say what they hold.
        ticks = [(t, _value_text(t, kind)) for t in _nice_ticks(edges[0], edges[-1])]
        ticks += [(at[w], ("< " if w == "below" else "> ") + _value_text(span[w == "above"], kind))
                  for w in sorted(drawn)]  # fmt: skip
        fig.update_xaxes(tickvals=[t for t, _ in ticks], ticktext=[x for _, x in ticks])
    if notes:
        real = f"{_value_text(span[0], kind)} to {_value_text(span[1], kind)}"
        fig.add_annotation(
            text=f"Outside the real range {real} (hatched): " + "; ".join(notes) + ".",
            xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top", yshift=-26,
            showarrow=False, align="left", font=dict(size=12, color=OUTSIDE),
        )  # fmt: skip


def _category_distribution(fig: go.Figure, enc: Encoded, column: str, sides) -> None:
    cats = enc.categories.get(column, [])
    real_counts = _code_counts(enc.real.codes[column], len(cats))
    order = np.argsort(-real_counts[:-1], kind="stable")
    shown = order[:TOP_CATEGORIES]
    labels = plotly_labels(cats[i] for i in shown)
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


def _code_counts(codes: np.ndarray, n_levels: int) -> np.ndarray:
    """Counts per level with missing (code -1) last."""
    shifted = np.where(codes == MISSING, n_levels, codes)
    return np.bincount(shifted, minlength=n_levels + 1)


def pair_matrix(details: pd.DataFrame, value: str, names: list[str]) -> pd.DataFrame:
    """A symmetric column x column matrix of one value of the pair details (1 on the diagonal)."""
    m = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    for a, b, v in zip(details["column_a"], details["column_b"], details[value], strict=True):
        m.loc[a, b] = m.loc[b, a] = v
    return m


def correlation_heatmaps(real: pd.DataFrame, synthetic: pd.DataFrame) -> go.Figure:
    """Real, synthetic and difference correlation matrices side by side."""
    diff = synthetic - real
    labels = plotly_labels(real.columns)
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
                # Names go through meta: a template substitutes them as text, never re-parsed.
                meta=[plotly_label(a), plotly_label(b)],
                hovertemplate="%{meta[0]}=%{x}<br>%{meta[1]}=%{y}<br>%{z:.1%}<extra></extra>",
                row=1,
                col=col,
            )
        else:
            cat, num = (a, b) if ka not in cont else (b, a)
            _boxes(fig, enc, side, cat, num, color, label, col)
    fig.update_layout(**_LAYOUT, height=420, showlegend=False)
    # Box plots put the category on x whichever column was named first.
    x_title, y_title = (a, b) if (ka in cont) == (kb in cont) or ka not in cont else (b, a)
    fig.update_xaxes(title_text=plotly_label(x_title))
    fig.update_yaxes(title_text=plotly_label(y_title), col=1)
    return fig


def _contingency(enc: Encoded, side, a: str, b: str) -> tuple[np.ndarray, list[str], list[str]]:
    cats_a = enc.categories[a][:TOP_CATEGORIES]
    cats_b = enc.categories[b][:TOP_CATEGORIES]
    ca, cb = side.codes[a], side.codes[b]
    keep = (ca >= 0) & (ca < len(cats_a)) & (cb >= 0) & (cb < len(cats_b))
    flat = np.bincount(cb[keep] * len(cats_a) + ca[keep], minlength=len(cats_a) * len(cats_b))
    table = flat.reshape(len(cats_b), len(cats_a)) / max(len(ca), 1)
    return table, plotly_labels(cats_a), plotly_labels(cats_b)


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
        names.append(plotly_label(cats[i]))
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
            y=plotly_labels(d[label_col]),
            orientation="h",
            marker_color=colors,
            hovertemplate="%{y}: %{x:.3f}<extra></extra>",
        )
    )
    fig.update_layout(**_LAYOUT, height=max(240, 22 * len(d) + 80), xaxis_range=[0, 1])
    fig.update_yaxes(autorange="reversed")
    return fig
