"""Figures of how one column's median moves across another's groups, real beside synthetic:
a peak that is gone, a rise that no longer falls, a group whose median moved (the Pairs page
and the HTML report draw the same one)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from outputs import charts
from outputs.escape import plotly_label, plotly_labels


def profile_chart(table: pd.DataFrame, grouped: str, target: str) -> go.Figure:
    """Median of ``target`` per group of ``grouped`` (a category's levels, a date's months, the
    real-quantile bins of a number), real and synthetic side by side, with their middle halves:
    a peak that is gone, a rise that no longer falls, a group whose median moved.
    """
    fig = go.Figure()
    labels = plotly_labels(table["group"].astype(str).tolist())
    # A column of few values (0, 1, 2, 3) can keep every median while its means move: the
    # chart then draws the means, or the two lines would lie on top of each other.
    stat = "median" if _medians_differ(table) else "mean"
    for side, name, color in (("real", "Real", charts.REAL),
                              ("synthetic", "Synthetic", charts.SYNTHETIC)):  # fmt: skip
        centre = table[f"{side}_{stat}"]
        fig.add_scatter(
            x=labels, y=centre, name=name, mode="lines+markers",
            line=dict(color=color, width=2, dash="solid" if side == "real" else "dash"),
            error_y=dict(type="data", symmetric=False, color=color, thickness=1,
                         array=(table[f"{side}_q75"] - centre).clip(lower=0),
                         arrayminus=(centre - table[f"{side}_q25"]).clip(lower=0)),
            customdata=table[f"{side}_rows"],
            hovertemplate="%{x}<br>" + stat + " %{y}<br>%{customdata} rows<extra>" + name
            + "</extra>",
        )  # fmt: skip
    fig.update_layout(
        height=380, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h"),
        title=dict(text=f"{stat.capitalize()} of {plotly_label(target)} by {plotly_label(grouped)} "
                        "(bars: middle half)", x=0, font=dict(size=14)),
    )  # fmt: skip
    fig.update_xaxes(title_text=plotly_label(grouped), type="category")
    fig.update_yaxes(title_text=plotly_label(target))
    return fig


def _medians_differ(table: pd.DataFrame) -> bool:
    """Whether real and synthetic medians differ in some group (else means are drawn)."""
    real, syn = table["real_median"].to_numpy(float), table["synthetic_median"].to_numpy(float)
    both = np.isfinite(real) & np.isfinite(syn)
    return bool(both.any() and not np.allclose(real[both], syn[both]))
