"""The subgroups section of the HTML report, and the chart of one subgroup test that the
Subgroups page draws too. Pure: no Streamlit here.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from metrics.encode import Encoded, Side
from metrics.results import MetricResult
from metrics.schema import Kind
from metrics.subgroups import info as subgroups_info
from metrics.subgroups_groups import Grouping, level_mask
from metrics.suite import Assessment
from outputs import charts
from outputs.escape import plotly_label
from outputs.html_parts import Figures, count, e, num, para, table

MAX_ROWS = 25  # tests listed in the report (the JSON report has up to 200)
METRIC_WORDS = {"column shape": "column shape", "correlation": "rank correlation",
                "contingency": "contingency table"}  # fmt: skip


def test_label(row: pd.Series) -> str:
    """``income`` or ``income ~ age``."""
    return f"{row['column']} ~ {row['partner']}" if row.get("partner") else str(row["column"])


def level_label(row: pd.Series, groupings: tuple[Grouping, ...]) -> str:
    """``region = 'North'`` or ``age above 29 up to 41``."""
    g = next((x for x in groupings if x.column == row["group_column"]), None)
    if g is not None and g.kind in (Kind.NUMERICAL, Kind.DATETIME):
        return f"{row['group_column']} {row['level']}"
    return f"{row['group_column']} = '{row['level']}'"


def _side(side: Side, mask: np.ndarray, columns: list[str]) -> Side:
    return Side(
        n_rows=int(mask.sum()),
        numeric={c: side.numeric[c][mask] for c in columns if c in side.numeric},
        codes={c: side.codes[c][mask] for c in columns if c in side.codes},
        binned={c: side.binned[c][mask] for c in columns if c in side.binned},
        unparsed={c: 0 for c in columns},
        unparsed_rows={c: np.empty(0, dtype=np.int64) for c in columns},
    )


def level_encoded(enc: Encoded, g: Grouping, level: str, columns: list[str]) -> Encoded:
    """The pair restricted to one level of a grouping column (``columns`` only), so the
    usual distribution and joint charts draw the level."""
    masks = [level_mask(enc, g, level, side) for side in ("real", "synthetic")]
    return replace(enc, real=_side(enc.real, masks[0], columns),
                   synthetic=_side(enc.synthetic, masks[1], columns), holdout=None)  # fmt: skip


def level_figure(enc: Encoded, result: MetricResult | None, row: pd.Series) -> go.Figure | None:
    """Real against synthetic inside the level of one test: the column's two distributions,
    or the pair's joint views. None when the grouping column is unknown."""
    groupings = subgroups_info(result).groupings
    g = next((x for x in groupings if x.column == row["group_column"]), None)
    if g is None:
        return None
    cols = [row["column"]] + ([row["partner"]] if row.get("partner") else [])
    sub = level_encoded(enc, g, str(row["level"]), cols)
    fig = charts.joint_view(sub, *cols) if len(cols) == 2 else charts.distribution(sub, cols[0])
    title = f"{test_label(row)} among {level_label(row, groupings)}"
    fig.update_layout(title=dict(text=plotly_label(title), x=0, font=dict(size=15)))
    return fig


def finding_test(
    result: MetricResult | None, columns: tuple[str, ...], key: str
) -> pd.Series | None:
    """The test behind a subgroup finding (its review item's columns and key): the worst test of
    its column inside its level, for :func:`level_figure`; None when the run has no such test."""
    if result is None or result.details is None or result.details.empty or len(columns) < 2:
        return None
    head = "|".join(["subgroup", "subgroups", ",".join(columns)]) + "|"
    group = columns[-1]
    if not key.startswith(head + group + "="):
        return None
    level = key[len(head) + len(group) + 1 :].split("#")[0]  # "#2": a repeated key's suffix
    d = result.details
    same = d[(d["group_column"] == group) & (d["level"].astype(str) == level)
             & (d["column"] == columns[0])]  # fmt: skip
    if same.empty:
        return None
    return same.sort_values("beyond", ascending=False, kind="stable").iloc[0]


def _row_cells(r: pd.Series, groupings: tuple[Grouping, ...]) -> list[str]:
    interval = f"{r['low']:.3f}-{r['high']:.3f}" if np.isfinite([r["low"], r["high"]]).all() else ""
    return [e(level_label(r, groupings)), e(test_label(r)), e(METRIC_WORDS.get(r["metric"], "")),
            count(r["rows_real"]), count(r["rows_synthetic"]), num(r["score"]), e(interval),
            num(r["whole_table_score"]), num(r["q_value"]),
            e("beyond noise" if r["discovered"] else "within noise")]  # fmt: skip


def subgroups_section(a: Assessment, enc: Encoded | None, figs: Figures) -> str:
    """The report's subgroups section body: what was searched, the findings, the tests that
    fall farthest below the whole table, and a chart of the worst one."""
    res = a.result("subgroups")
    if res is None:
        return para("Subgroups were not searched in this run.", "muted")
    extra = subgroups_info(res)
    if res.error or res.details.empty:
        return para(f"Subgroups could not be searched: {res.error or 'no test was run'}.", "muted")
    parts = [para(" ".join(x for x in (extra.searched, extra.sample_note, *extra.notes) if x))]
    if res.findings:
        items = "".join(f"<li><span class='sev-{e(f.severity)}'>{e(f.severity)}</span> "
                        f"{e(f.message)}</li>" for f in res.findings)  # fmt: skip
        parts.append(f"<ul>{items}</ul>")
    d = res.details
    parts.append(para(
        "Each row compares a score inside one level of a grouping column with the same score on "
        "the whole table. Interval: where the level's score would land, noise of its size "
        "included; beyond noise: the whole table's score lies above it and the test survives "
        "the false discovery control (q-value at most 5%) with a gap of at least 0.05. "
        f"Discoveries first, then the rest by how far they fall short; {min(MAX_ROWS, len(d))} "
        f"of {len(d):,} tests shown, the JSON report lists up to 200.", "muted"))  # fmt: skip
    rows = [_row_cells(r, extra.groupings) for _, r in d.head(MAX_ROWS).iterrows()]
    parts.append(table(["Group", "Column or pair", "Measure", "Real rows", "Synthetic rows",
                        "Score", "Interval", "Whole table", "q-value", "Verdict"], rows,
                       (3, 4, 5, 7, 8)))  # fmt: skip
    if enc is not None and bool(d["discovered"].iloc[0]):
        fig = level_figure(enc, res, d.iloc[0])
        if fig is not None:
            parts.append(f"<h3>{e(test_label(d.iloc[0]))} among "
                         f"{e(level_label(d.iloc[0], extra.groupings))}</h3>")  # fmt: skip
            parts.append(figs.add(fig))
    return "".join(parts)
