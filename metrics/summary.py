"""Summary statistics of each column, real and synthetic side by side."""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.encode import Encoded, Side
from metrics.marginal import category_counts, fmt_share, fmt_value, quantile_sorted
from metrics.schema import Kind

CONTINUOUS_STATS = ("mean", "std", "min", "25%", "50%", "75%", "max")
_COLUMNS = ["column", "kind", "statistic", "real", "synthetic", "real_text", "synthetic_text"]


def _continuous(side: Side, col: str) -> dict[str, float]:
    values = np.sort(side.numeric[col])
    values = values[: len(values) - int(np.isnan(values).sum())]
    out = {"missing share": _share(side.n_rows - len(values), side.n_rows)}
    if len(values) == 0:
        return out | {s: np.nan for s in CONTINUOUS_STATS} | {"distinct": 0.0}
    finite = values[np.isfinite(values)]
    out.update(
        {
            "mean": float(finite.mean()) if finite.size else np.nan,
            "std": float(finite.std(ddof=1)) if finite.size > 1 else np.nan,
            "min": float(values[0]),
            "25%": quantile_sorted(values, 0.25),
            "50%": quantile_sorted(values, 0.5),
            "75%": quantile_sorted(values, 0.75),
            "max": float(values[-1]),
            "distinct": float(1 + np.count_nonzero(values[1:] != values[:-1])),
        }
    )
    return out


def _share(part: int, whole: int) -> float:
    return part / whole if whole else np.nan


def _discrete(enc: Encoded, side: Side, col: str) -> tuple[dict[str, float], str]:
    counts = category_counts(side.codes[col], len(enc.categories[col]))
    present = int(counts.sum())
    out = {
        "missing share": _share(side.n_rows - present, side.n_rows),
        "distinct": float((counts > 0).sum()),
    }
    if present == 0:
        return out | {"top share": np.nan}, ""
    top = int(np.argmax(counts))
    return out | {"top share": counts[top] / present}, enc.categories[col][top]


def _text(statistic: str, value: float, kind: Kind) -> str:
    if not np.isfinite(value):
        return "n/a"
    if statistic in ("missing share", "top share"):
        return fmt_share(value)
    if statistic == "distinct":
        return f"{value:,.0f}"
    if kind is Kind.DATETIME and statistic == "std":
        return f"{value / 86_400e9:,.1f} days"
    return fmt_value(value, kind)


def summary_statistics(enc: Encoded) -> pd.DataFrame:
    """One row per column and statistic, with the real and synthetic values side by side.

    Numerical and datetime columns: mean, std, min, quartiles, max, distinct values, missing
    share (datetimes in nanoseconds since the epoch in ``real``/``synthetic``, as dates in
    the ``*_text`` columns). Categorical and boolean columns: distinct categories, missing
    share, the most frequent category (``top``, text only) and its share. Id and text
    columns: distinct values and missing share.
    """
    rows = []
    for spec in enc.schema.columns:
        col, kind = spec.name, spec.kind
        texts: dict[str, tuple[str, str]] = {}
        if kind in (Kind.NUMERICAL, Kind.DATETIME):
            try:
                real, syn = _continuous(enc.real, col), _continuous(enc.synthetic, col)
            except Exception:  # noqa: BLE001 - a column that cannot be summarised is left out
                continue
        elif kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
            (real, top_r), (syn, top_s) = (
                _discrete(enc, enc.real, col),
                _discrete(enc, enc.synthetic, col),
            )
            texts["top"] = (top_r, top_s)
        else:
            real, syn = (
                {
                    "distinct": float(pd.Series(side.strings[col]).nunique()),
                    "missing share": _share(sum(v is None for v in side.strings[col]), side.n_rows),
                }
                for side in (enc.real, enc.synthetic)
            )
        for stat, value in real.items():
            rows.append(
                [
                    col,
                    str(kind),
                    stat,
                    value,
                    syn[stat],
                    _text(stat, value, kind),
                    _text(stat, syn[stat], kind),
                ]
            )
        for stat, (text_r, text_s) in texts.items():
            rows.append([col, str(kind), stat, np.nan, np.nan, text_r, text_s])
    return pd.DataFrame(rows, columns=_COLUMNS)
