"""Figures of the detection section: which columns give the synthetic rows away, and where.

Pure: no Streamlit here. Both figures are a few dozen numbers, whatever the table's size.
"""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go

from metrics.detection_explain import ColumnExplanation
from outputs.charts import _LAYOUT, REAL, SYNTHETIC
from outputs.escape import plotly_label, plotly_labels

HIGHLIGHT = "rgba(185, 28, 28, 0.10)"  # the range the explanation names, behind its bars
HIGHLIGHT_LINE = "#B91C1C"
TOP_IMPORTANCES = 10


def importance_bars(importances: Mapping[str, float], top: int = TOP_IMPORTANCES) -> go.Figure:
    """Horizontal bars of the AUC lost when each column is shuffled, largest first (the
    ``top`` columns; columns the classifier does not lean on at all are left out)."""
    ranked = sorted((c for c in importances if importances[c] > 0), key=lambda c: -importances[c])
    shown = ranked[:top]
    fig = go.Figure(
        go.Bar(
            x=[importances[c] for c in shown],
            y=plotly_labels(shown),
            orientation="h",
            marker_color=SYNTHETIC,
            hovertemplate="%{y}: the AUC drops by %{x:.3f} when it is shuffled<extra></extra>",
        )
    )
    fig.update_layout(
        **_LAYOUT,
        height=max(200, 26 * len(shown) + 90),
        title=dict(text="AUC lost when the column is shuffled", font=dict(size=14)),
        xaxis_title="drop in ROC AUC",
        xaxis_rangemode="tozero",
    )
    fig.update_yaxes(autorange="reversed")
    return fig


def share_bars(explained: ColumnExplanation) -> go.Figure:
    """Share of real and synthetic rows per value bin (or category) of one column, with the
    ranges the explanation names shaded and outlined."""
    labels = plotly_labels(explained.bars)
    # Positions, not labels, on the axis: two bins may print alike, and a category label may
    # be any text.
    x = list(range(len(labels)))
    fig = go.Figure()
    for name, shares, color in (
        ("Real rows", explained.real, REAL),
        ("Synthetic rows", explained.synthetic, SYNTHETIC),
    ):
        fig.add_bar(
            x=x,
            y=list(shares),
            name=name,
            marker_color=color,
            customdata=labels,
            hovertemplate="%{customdata}<br>%{y:.1%} of " + name.lower() + "<extra></extra>",
        )
    for r in explained.ranges:
        if r.first < 0 or r.last < 0:
            continue
        fig.add_vrect(
            x0=r.first - 0.5,
            x1=r.last + 0.5,
            fillcolor=HIGHLIGHT,
            line=dict(color=HIGHLIGHT_LINE, width=1, dash="dot"),
            layer="below",
        )
    fig.update_layout(
        **_LAYOUT,
        barmode="group",
        height=300,
        title=dict(text=plotly_label(explained.column), font=dict(size=14)),
        yaxis_tickformat=".0%",
        yaxis_title="share of rows",
    )
    fig.update_xaxes(tickmode="array", tickvals=x, ticktext=labels, tickangle=-35)
    return fig
