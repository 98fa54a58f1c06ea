"""Building blocks of the HTML report: escaping, numbers, tables, sections and inlined figures.

Every string that reaches the page from a user's file or a reviewer goes through :func:`e`
(``outputs.escape.html_text``); figures are embedded as JSON inside one script block and drawn by
the inlined plotly.js, so nothing is fetched from anywhere. Pure: no Streamlit here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import plotly.io as pio

from outputs.escape import html_text

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1f2937;background:#f8f9fc;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{margin:0 0 4px} h2{margin-top:36px;border-bottom:1px solid #e5e7eb;padding-bottom:6px}
h3{margin:20px 0 6px}
nav{font-size:14px;margin:8px 0 0}nav a{margin-right:12px;color:#4338ca}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:12px 16px;min-width:150px;flex:1}
.card .v{font-size:28px;font-weight:600}.card .m{font-size:12px;color:#6b7280}
table{border-collapse:collapse;width:100%;background:#fff;font-size:14px;margin:8px 0}
th,td{border:1px solid #e5e7eb;padding:6px 8px;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th{background:#f4f5fb}.sev-high{color:#b91c1c;font-weight:600}.sev-medium{color:#b45309;font-weight:600}
.sev-low{color:#1d4ed8}.pass{color:#15803d;font-weight:600}.fail{color:#b91c1c;font-weight:600}
.fig{background:#fff;border:1px solid #e5e7eb;border-radius:10px;margin:12px 0;padding:6px}
.muted{color:#6b7280;font-size:13px}
.meaning{min-width:250px;font-size:13px;color:#4b5563;margin-top:2px}
.verdict{border-radius:10px;padding:14px 18px;margin:16px 0;border:1px solid}
.verdict.ready{background:#f0fdf4;border-color:#86efac}.verdict.not-ready{background:#fef2f2;border-color:#fca5a5}
.verdict .big{font-size:22px;font-weight:700}
.card .w{font-size:13px;font-weight:600;margin:2px 0 4px}
.vc-green{color:#15803d}.vc-orange{color:#b45309}.vc-red{color:#b91c1c}.vc-gray{color:#6b7280}.vc-blue{color:#1d4ed8}
ul.scores li{margin:4px 0}tr.group th{background:#eef0fb;font-weight:600}
details summary{cursor:pointer;color:#4338ca}details.more{margin:8px 0}
blockquote{background:#fff;border-left:4px solid #4F46E5;margin:8px 0;padding:8px 12px}
"""


# plotly.js offers to upload a chart to Plotly Cloud (its "Share chart" button) and typesets
# "$...$" labels as LaTeX: neither belongs in an offline report of confidential data.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "plotlyServerURL": "",
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "typesetMath": False,
    "modeBarButtonsToRemove": ["sendChartToCloud", "sendDataToCloud", "lasso2d", "select2d"],
}


def e(value: Any) -> str:
    """``value`` as literal text in the page."""
    return html_text(value)


def num(value: Any, digits: int = 3) -> str:
    """A score or measure with ``digits`` decimals; ``n/a`` when missing."""
    if value is None:
        return "n/a"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return e(value)
    return f"{x:.{digits}f}" if math.isfinite(x) else "n/a"


def count(value: Any) -> str:
    """A count as a whole number with thousands separators."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "n/a"


def pct(value: Any) -> str:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "n/a"
    return f"{100 * x:.1f}%" if math.isfinite(x) else "n/a"


def para(text: str, css: str = "") -> str:
    """A paragraph of text that is escaped here."""
    return f"<p class='{css}'>{e(text)}</p>" if css else f"<p>{e(text)}</p>"


def table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = ()
) -> str:
    """A table; ``headers`` are escaped here, cells must already be HTML (escaped values).

    ``numeric``: indexes of the columns to right-align.
    """
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='n'>{c}</td>" if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def section(anchor: str, title: str, body: str) -> str:
    return f"<section id='{anchor}'><h2>{e(title)}</h2>{body}</section>"


class Figures:
    """Collects figures as JSON; one inline script renders them all."""

    def __init__(self) -> None:
        self.specs: list[tuple[str, str]] = []

    def add(self, fig) -> str:
        div = f"fig{len(self.specs)}"
        self.specs.append((div, pio.to_json(fig, validate=False)))
        return f'<div class="fig" id="{div}"></div>'

    def script(self) -> str:
        # JSON inside <script>: "<", ">" and "&" as \u escapes (they only occur inside JSON
        # strings), so neither "</script>" nor "<!--<script>" in a value can end or stall the block.
        payload = json.dumps({d: json.loads(s) for d, s in self.specs})
        for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
            payload = payload.replace(ch, esc)
        return (
            "<script>const FIGS=" + payload + ";const CONFIG=" + json.dumps(PLOTLY_CONFIG) + ";"
            "for(const [id,f] of Object.entries(FIGS)){Plotly.newPlot(id,f.data,f.layout,CONFIG);}"
            "</script>"
        )
