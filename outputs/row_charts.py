"""Figures of the Outliers, Privacy and Utility pages. Pure: no Streamlit here.

Histograms are computed in numpy and sent as bars, so a 100,000-row distance array costs the
browser a few dozen numbers.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from outputs.charts import _LAYOUT, HOLDOUT, REAL, SYNTHETIC
from outputs.escape import plotly_label, plotly_labels

AUGMENTED = "#64748B"
TRAIN_SETS = {  # details "train" value -> (legend label, colour)
    "trtr": ("Trained on real (TRTR)", REAL),
    "tstr": ("Trained on synthetic (TSTR)", SYNTHETIC),
    "augmented": ("Trained on real + synthetic", AUGMENTED),
}
METRIC_LABELS = {
    "accuracy": "Accuracy",
    "f1_macro": "Macro F1",
    "roc_auc": "ROC AUC",
    "average_precision": "Average precision",
    "r2": "R²",
    "mae": "Mean absolute error",
}
LOWER_IS_BETTER = frozenset({"mae"})
_BELOW = dict(orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0)


def distance_edges(*arrays: np.ndarray, bins: int = 40) -> np.ndarray:
    """Shared bin edges from 0 to the 99.5th percentile of the finite distances (the far tail
    is counted in the last bin, so one odd row does not squash the chart)."""
    finite = np.concatenate([a[np.isfinite(a)] for a in arrays]) if arrays else np.array([])
    if finite.size == 0:
        return np.array([0.0, 1.0])
    hi = float(np.percentile(finite, 99.5))
    return np.linspace(0.0, hi if hi > 0 else 1.0, bins + 1)


def _shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    finite = values[np.isfinite(values)]
    counts, _ = np.histogram(np.clip(finite, edges[0], edges[-1]), edges)
    return counts / max(finite.size, 1)


def distance_histogram(
    synthetic: np.ndarray, holdout: np.ndarray, threshold: float, max_bins: int = 40
) -> go.Figure:
    """Distance to the closest training record: synthetic rows against holdout rows.

    Parameters
    ----------
    synthetic, holdout:
        Distances per row (NaN where not searched); ``holdout`` may be empty.
    threshold:
        The near-copy threshold, drawn as a dashed line (skipped when not finite).
    max_bins:
        Upper bound on the bars per side; small samples get fewer (twice the square root of
        the smaller side, at least 10) so the bars are not mostly noise.
    """
    synthetic = np.asarray(synthetic, dtype=float)
    holdout = np.asarray(holdout, dtype=float)
    sides = [("Synthetic rows", synthetic, SYNTHETIC), ("Real holdout rows", holdout, HOLDOUT)]
    sides = [s for s in sides if np.isfinite(s[1]).any()]
    smallest = min((int(np.isfinite(v).sum()) for _, v, _ in sides), default=0)
    bins = int(np.clip(2 * np.sqrt(smallest), 10, max_bins))
    edges = distance_edges(synthetic, holdout, bins=bins)
    centers = (edges[:-1] + edges[1:]) / 2
    fig = go.Figure()
    for label, values, color in sides:
        fig.add_bar(
            x=centers, y=_shares(values, edges), name=label, marker_color=color,
            customdata=np.c_[edges[:-1], edges[1:]],
            hovertemplate="distance %{customdata[0]:.3f} to %{customdata[1]:.3f}<br>"
            "%{y:.1%} of rows<extra>" + label + "</extra>",
        )  # fmt: skip
    if np.isfinite(threshold):
        fig.add_vline(
            x=threshold, line_dash="dash", line_color="#DC2626",
            annotation_text=f"near-copy threshold {threshold:.3g}",
            annotation_position="top right", annotation_font_color="#DC2626",
        )  # fmt: skip
    fig.update_layout(**_LAYOUT, height=340, barmode="group", bargap=0.15, bargroupgap=0.0)
    fig.update_layout(margin=dict(l=10, r=10, t=60, b=10))
    fig.update_xaxes(
        title_text="distance to the closest training record (0 = identical row)",
        type="linear", range=[edges[0], edges[-1]], tickformat=".2f", nticks=12,
    )  # fmt: skip
    fig.update_yaxes(title_text="share of rows", tickformat=".0%")
    return fig


def flag_share_bars(counts: Mapping[str, int], n_rows: int, labels: Mapping[str, str]) -> go.Figure:
    """One horizontal bar per reason: the share of synthetic rows flagged for it."""
    kinds = list(labels)
    shares = [counts.get(k, 0) / max(n_rows, 1) for k in kinds]
    fig = go.Figure(
        go.Bar(
            x=shares, y=[plotly_label(labels[k]) for k in kinds], orientation="h", marker_color=SYNTHETIC,
            text=[f"{counts.get(k, 0):,} row{'' if counts.get(k, 0) == 1 else 's'} ({s:.1%})"
                  for k, s in zip(kinds, shares, strict=True)],
            textposition="auto", hovertemplate="%{y}: %{x:.1%} of synthetic rows<extra></extra>",
        )
    )  # fmt: skip
    top = max(shares + [0.01])
    fig.update_layout(**_LAYOUT, height=60 + 40 * len(kinds), showlegend=False)
    fig.update_xaxes(tickformat=".0%", range=[0, top * 1.35], title_text="share of synthetic rows")
    fig.update_yaxes(autorange="reversed")
    return fig


def model_metrics(details: pd.DataFrame) -> list[str]:
    """The metric columns of the utility details, in a fixed readable order."""
    return [m for m in METRIC_LABELS if m in details.columns and details[m].notna().any()]


def utility_bars(details: pd.DataFrame, settings: tuple[str, ...] = ("trtr", "tstr")) -> go.Figure:
    """One panel per metric; in each, one group of bars per model, one bar per training set."""
    metrics = model_metrics(details)
    fig = make_subplots(
        rows=1, cols=max(len(metrics), 1), horizontal_spacing=0.08,
        subplot_titles=[
            METRIC_LABELS[m] + (" (lower is better)" if m in LOWER_IS_BETTER else "")
            for m in metrics
        ],
    )  # fmt: skip
    for col, metric in enumerate(metrics, start=1):
        for setting in settings:
            part = details[details["train"] == setting]
            label, color = TRAIN_SETS[setting]
            fig.add_bar(
                x=plotly_labels(part["model"]), y=part[metric], name=label, marker_color=color,
                legendgroup=setting, showlegend=col == 1,
                text=[f"{v:.2f}" if np.isfinite(v) else "" for v in part[metric]],
                textposition="outside",
                hovertemplate="%{x}: %{y:.3f}<extra>" + label + "</extra>",
                row=1, col=col,
            )  # fmt: skip
        if metric not in LOWER_IS_BETTER:
            low = float(np.nanmin(np.r_[details[metric].to_numpy(dtype=float), 0.0]))
            fig.update_yaxes(range=[min(low, 0.0), 1.12], row=1, col=col)
    fig.update_layout(**_LAYOUT, height=380, barmode="group")
    fig.update_layout(margin=dict(l=10, r=10, t=40, b=10), legend=_BELOW)
    return fig


def recall_bars(recall: Mapping[str, Mapping[str, Mapping[str, float]]]) -> go.Figure:
    """Per-class recall on the real holdout, real-trained against synthetic-trained, per model.

    ``recall``: model -> training set -> class -> recall (``UtilityInfo.per_class_recall``).
    """
    models = list(recall)
    fig = make_subplots(
        rows=1, cols=max(len(models), 1), subplot_titles=[f"{plotly_label(m)} model" for m in models],
        shared_yaxes=True, horizontal_spacing=0.05,
    )  # fmt: skip
    for col, model in enumerate(models, start=1):
        for setting in ("trtr", "tstr"):
            per = recall[model].get(setting, {})
            label, color = TRAIN_SETS[setting]
            fig.add_bar(
                x=plotly_labels(per), y=list(per.values()), name=label, marker_color=color,
                legendgroup=setting, showlegend=col == 1,
                hovertemplate="class %{x}: recall %{y:.2f}<extra>" + label + "</extra>",
                row=1, col=col,
            )  # fmt: skip
    fig.update_layout(**_LAYOUT, height=360, barmode="group")
    fig.update_layout(margin=dict(l=10, r=10, t=40, b=10), legend=_BELOW)
    fig.update_yaxes(range=[0, 1.05], title_text="recall", row=1, col=1)
    fig.update_xaxes(type="category")
    return fig


def importance_bars(importances: Mapping[str, Mapping[str, float]], top: int = 12) -> go.Figure:
    """Permutation importance per feature, TRTR against TSTR, the most important first.

    ``importances``: ``{"trtr": {feature: drop}, "tstr": {feature: drop}}`` for one model.
    Features neither model relies on (importance 0 on both sides) are left out.
    """
    trtr, tstr = importances.get("trtr", {}), importances.get("tstr", {})
    weight = {f: max(abs(trtr.get(f, 0.0)), abs(tstr.get(f, 0.0))) for f in [*trtr, *tstr]}
    shown = [f for f in sorted(weight, key=lambda f: -weight[f]) if weight[f] > 0][:top]
    fig = go.Figure()
    for setting, values in (("trtr", trtr), ("tstr", tstr)):
        label, color = TRAIN_SETS[setting]
        fig.add_bar(
            y=plotly_labels(shown), x=[values.get(f, np.nan) for f in shown], name=label, orientation="h",
            marker_color=color,
            hovertemplate="%{y}: score drops by %{x:.3f} when shuffled<extra>" + label + "</extra>",
        )  # fmt: skip
    fig.update_layout(**_LAYOUT, height=110 + 40 * len(shown), barmode="group")
    fig.update_xaxes(title_text="drop in score when the feature is shuffled")
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def relied_on(importances: Mapping[str, Mapping[str, float]]) -> int:
    """How many features either model relies on (a non-zero importance)."""
    both = [*importances.get("trtr", {}).items(), *importances.get("tstr", {}).items()]
    return len({f for f, v in both if v})
