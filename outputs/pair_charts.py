"""Figures of how one column's median moves across another's groups, real beside synthetic:
a peak that is gone, a rise that no longer falls, a group whose median moved (the Pairs page
and the HTML report draw the same one)."""

from __future__ import annotations

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
    for side, name, color in (("real", "Real", charts.REAL),
                              ("synthetic", "Synthetic", charts.SYNTHETIC)):  # fmt: skip
        median = table[f"{side}_median"]
        fig.add_scatter(
            x=labels, y=median, name=name, mode="lines+markers",
            line=dict(color=color, width=2),
            error_y=dict(type="data", symmetric=False, color=color, thickness=1,
                         array=table[f"{side}_q75"] - median,
                         arrayminus=median - table[f"{side}_q25"]),
            customdata=table[f"{side}_rows"],
            hovertemplate="%{x}<br>median %{y}<br>%{customdata} rows<extra>" + name + "</extra>",
        )  # fmt: skip
    fig.update_layout(
        height=380, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h"),
        title=dict(text=f"Median of {plotly_label(target)} by {plotly_label(grouped)} "
                        "(bars: middle half)", x=0, font=dict(size=14)),
    )  # fmt: skip
    fig.update_xaxes(title_text=plotly_label(grouped), type="category")
    fig.update_yaxes(title_text=plotly_label(target))
    return fig
