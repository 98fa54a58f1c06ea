"""Figures of the Privacy page's attacks: success on training records against control records.

Pure: no Streamlit here. Each figure is a handful of numbers, whatever the table's size. Column
names reach the figures only through :func:`outputs.escape.plotly_label`.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from metrics.attacks import AttackResult
from metrics.membership import Membership
from outputs.charts import _LAYOUT, HOLDOUT, REAL
from outputs.escape import plotly_label

BASELINE = "#94A3B8"  # the random-guess attack: grey, it is a reference, not a side
COIN = "#64748B"
# Bars top to bottom: what the attacker gets on the people the generator saw, on people it
# never saw, and by guessing at random. The risk is the gap between the first two.
TRAINING, CONTROL, RANDOM = "Training records", "Control records", "Random guess"


def _errors(rate: float, interval: tuple[float, float] | None) -> tuple[float, float]:
    """Distances from ``rate`` to its interval's ends (0, 0 when there is no interval)."""
    if interval is None or not all(map(math.isfinite, interval)):
        return 0.0, 0.0
    return max(interval[1] - rate, 0.0), max(rate - interval[0], 0.0)


def attack_rates(attack: AttackResult, title: str) -> go.Figure:
    """Horizontal bars of an attack's success rate on training records, on control records
    (each with its Wilson interval) and of the random-guess baseline.

    Parameters
    ----------
    attack:
        One attack's result (``metrics.attacks.AttackResult``).
    title:
        The chart's title; it may hold a column name (escaped here).
    """
    rates = [attack.train_rate, attack.control_rate, attack.baseline_rate]
    # The numbers go in the labels: on the bars they would sit under the interval whiskers.
    names = [f"{n}: {r:.1%}" for n, r in zip((TRAINING, CONTROL, RANDOM), rates, strict=True)]
    bounds = [attack.train_interval, attack.control_interval, None]
    plus, minus = zip(*(_errors(r, b) for r, b in zip(rates, bounds, strict=True)), strict=True)
    fig = go.Figure(
        go.Bar(
            x=rates,
            y=names,
            orientation="h",
            marker_color=[REAL, HOLDOUT, BASELINE],
            error_x=dict(
                type="data",
                symmetric=False,
                array=list(plus),
                arrayminus=list(minus),
                color="#334155",
                thickness=1.5,
                width=6,
            ),  # fmt: skip
            hovertemplate="%{y} of attacks succeed<extra></extra>",
        )
    )
    top = max([*rates, *(r + p for r, p in zip(rates, plus, strict=True))])
    fig.update_layout(
        **_LAYOUT,
        height=200,
        showlegend=False,
        title=dict(text=plotly_label(title), font=dict(size=14)),
        xaxis=dict(
            title="share of attacks that succeed",
            tickformat=".0%",
            range=[0, min(1.0, top * 1.1 + 0.005)] if top > 0 else [0, 0.05],
        ),  # fmt: skip
        yaxis=dict(autorange="reversed"),
    )
    return fig


def membership_auc(member: Membership) -> go.Figure:
    """The membership attack's ROC AUC with its interval, against the coin's 0.5."""
    low, high = member.interval if member.interval is not None else (member.auc, member.auc)
    fig = go.Figure(
        go.Scatter(
            x=[member.auc],
            y=["AUC"],
            mode="markers+text",
            marker=dict(size=14, color=REAL),
            error_x=dict(
                type="data",
                symmetric=False,
                array=[max(high - member.auc, 0.0)],
                arrayminus=[max(member.auc - low, 0.0)],
                color="#334155",
                thickness=1.5,
                width=8,
            ),  # fmt: skip
            text=[f"{member.auc:.3f}"],
            textposition="top center",
            hovertemplate=f"AUC %{{x:.3f}} (interval {low:.3f}-{high:.3f})<extra></extra>",
        )
    )
    fig.add_vline(x=0.5, line_dash="dash", line_color=COIN, annotation_text="0.5: a coin",
                  annotation_position="bottom right")  # fmt: skip
    fig.update_layout(
        **_LAYOUT,
        height=170,
        showlegend=False,
        title=dict(text="Training records told from control records", font=dict(size=14)),
        xaxis=dict(
            title="ROC AUC (0.5 = no better than a coin, 1 = every member found)",
            range=[0, 1.02],
            dtick=0.1,
        ),  # fmt: skip
        yaxis=dict(showticklabels=False),
    )
    return fig
