"""Scores drawn with their uncertainty: a bar per column (or pair), its interval as a whisker and
what an independent real sample scores as a tick, so a reader sees at once which departures are
more than sampling noise. Pure (no Streamlit); labels go through ``plotly_label``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from outputs import score_words as sw
from outputs.charts import score_bars
from outputs.escape import plotly_labels

GREEN, AMBER, RED, INDIGO = "#16A34A", "#F59E0B", "#DC2626", "#4F46E5"
# The verdict's colour as a bar colour (a score slightly below its floor is drawn amber too).
COLORS = {"green": GREEN, "blue": AMBER, "orange": AMBER, "red": RED}


def _numbers(d: pd.DataFrame, col: str) -> np.ndarray:
    if col not in d:
        return np.full(len(d), np.nan)
    return pd.to_numeric(d[col], errors="coerce").to_numpy(dtype=float)


def interval_bars(details: pd.DataFrame, label_col: str) -> go.Figure:
    """Horizontal bars of scores in the given order (worst first), each with its interval and
    its floor when the metric computed them; the plain score bars otherwise.

    Colour: the verdict's (:func:`outputs.score_words.verdict`): green when the interval
    reaches the floor (as good as a real sample), red far below it, amber in between; by the
    score's level where there is no floor.
    """
    d = details[pd.to_numeric(details["score"], errors="coerce").notna()]
    low, high, floor = _numbers(d, "low"), _numbers(d, "high"), _numbers(d, "floor")
    if d.empty or np.isnan(low).all():
        return score_bars(details, label_col)
    score = _numbers(d, "score")
    words = [sw.verdict(v, None if np.isnan(lo) else (lo, hi), None if np.isnan(f) else f)
             for v, lo, hi, f in zip(score, low, high, floor, strict=True)]  # fmt: skip
    colors = [COLORS.get(sw.verdict_color(w), AMBER) for w in words]
    labels = plotly_labels(d[label_col])
    fig = go.Figure(
        go.Bar(
            x=score, y=labels, orientation="h", marker_color=colors, name="Synthetic score",
            error_x=dict(type="data", symmetric=False, array=np.nan_to_num(high - score),
                         arrayminus=np.nan_to_num(score - low), color="#374151", thickness=1.2),
            customdata=np.stack([low, high], axis=1),
            hovertemplate="%{y}: %{x:.3f} (interval %{customdata[0]:.3f}-%{customdata[1]:.3f})"
                          "<extra></extra>",
        )
    )  # fmt: skip
    if np.isfinite(floor).any():
        fig.add_trace(go.Scatter(
            x=floor, y=labels, mode="markers", name="An independent real sample",
            marker=dict(symbol="line-ns-open", size=16, color=INDIGO,
                        line=dict(width=3, color=INDIGO)),
            hovertemplate="%{y}: a real sample scores about %{x:.3f}<extra></extra>",
        ))  # fmt: skip
    fig.update_layout(
        template="plotly_white", margin=dict(l=10, r=10, t=40, b=10), font=dict(size=13),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1),
        height=max(240, 22 * len(d) + 80), xaxis_range=[0, 1.02],
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed")
    return fig
