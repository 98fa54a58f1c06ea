"""The self-contained HTML report: one file, plotly inlined once, opens offline.

Every user-supplied string (file and column names, values, reviewer statements) goes through
``html.escape``; figures are embedded as JSON, which plotly renders as text, never as markup.
Pure: no Streamlit here, so the CLI uses it too.
"""

from __future__ import annotations

import html
import json
import math
from typing import Any

import plotly.io as pio
from plotly.offline import get_plotlyjs

from components import charts
from metrics.encode import Encoded
from metrics.suite import FAMILY_LABELS, FAMILY_MEANINGS, Assessment

MAX_COLUMN_CHARTS = 12
_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1f2937;background:#f8f9fc}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{margin:0 0 4px} h2{margin-top:32px;border-bottom:1px solid #e5e7eb;padding-bottom:6px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:12px 16px;min-width:150px;flex:1}
.card .v{font-size:28px;font-weight:600}.card .m{font-size:12px;color:#6b7280}
table{border-collapse:collapse;width:100%;background:#fff;font-size:14px}
th,td{border:1px solid #e5e7eb;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f4f5fb}.sev-high{color:#b91c1c;font-weight:600}.sev-medium{color:#b45309;font-weight:600}
.sev-low{color:#1d4ed8}.pass{color:#15803d;font-weight:600}.fail{color:#b91c1c;font-weight:600}
.fig{background:#fff;border:1px solid #e5e7eb;border-radius:10px;margin:12px 0;padding:6px}
.muted{color:#6b7280;font-size:13px}
blockquote{background:#fff;border-left:4px solid #4F46E5;margin:8px 0;padding:8px 12px}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: Any, digits: int = 3) -> str:
    if isinstance(value, float):
        return "n/a" if not math.isfinite(value) else f"{value:.{digits}f}"
    return _e(value)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class _Figures:
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
            "<script>const FIGS=" + payload + ";for(const [id,f] of Object.entries(FIGS))"
            "{Plotly.newPlot(id,f.data,f.layout,{displaylogo:false,responsive:true});}</script>"
        )


def _scores(a: Assessment) -> str:
    cards = []
    for name, label in FAMILY_LABELS.items():
        v = a.scores.get(name, float("nan"))
        cards.append(
            f'<div class="card"><div>{_e(label)}</div><div class="v">{_fmt(v, 2)}</div>'
            f'<div class="m">{_e(FAMILY_MEANINGS[name])}</div></div>'
        )
    return '<div class="cards">' + "".join(cards) + "</div>"


def _inputs(a: Assessment) -> str:
    rows = [
        [_e(r), _e(i.name), f"{i.rows:,}", f"{i.columns:,}", f"<code>{_e(i.sha256)}</code>"]
        for r, i in a.inputs.items()
    ]
    return _table(["Role", "File", "Rows", "Columns", "SHA-256"], rows)


def _findings(a: Assessment) -> str:
    if not a.findings:
        return "<p>No findings.</p>"
    rows = [
        [
            f'<span class="sev-{_e(f.severity)}">{_e(f.severity)}</span>',
            _e(f.kind),
            _e(", ".join(f.columns)),
            _e(f.message),
        ]
        for f in a.findings
    ]
    return _table(["Severity", "Kind", "Columns", "What is wrong"], rows)


def _columns(a: Assessment, enc: Encoded | None, figs: _Figures) -> str:
    res = a.result("column_shapes")
    if res is None or res.details.empty:
        return "<p>No column scores.</p>"
    d = res.details.sort_values("score", na_position="first")
    parts = [
        _table(
            ["Column", "Kind", "Metric", "Score"],
            [
                [
                    _e(r["column"]),
                    _e(r.get("kind", "")),
                    _e(r.get("metric", "")),
                    _fmt(r.get("score")),
                ]
                for _, r in d.iterrows()
            ],
        )
    ]
    parts.append(figs.add(charts.score_bars(d, "column")))
    if enc is not None:
        for name in d["column"].head(MAX_COLUMN_CHARTS):
            fig = charts.distribution(enc, name)
            fig.update_layout(title=str(name))
            parts.append(figs.add(fig))
    return "".join(parts)


_RESULT = {True: ("pass", "pass"), False: ("fail", "fail"), None: ("muted", "not evaluated")}


def _when(iso: Any) -> str:
    """An ISO timestamp as ``2026-01-31 14:05 UTC`` (stored times are UTC)."""
    text = str(iso or "")
    return _e(f"{text[:10]} {text[11:16]} UTC" if len(text) >= 16 and text[10] == "T" else text)


def _gate_value(g: dict[str, Any], key: str) -> str:
    value = g.get(key)
    if value is None:
        return "n/a"
    return f"{value:.0f}" if str(g.get("name", "")).startswith("max_open") else _fmt(value)


def _gate_rows(gates: list[dict[str, Any]]) -> str:
    rows = []
    for g in gates:
        css, word = _RESULT.get(g.get("passed"), ("muted", "not evaluated"))
        rows.append([_e(g.get("label") or g.get("name")), _gate_value(g, "threshold"),
                     _gate_value(g, "value"),
                     f'<span class="{css}">{word}</span>', _e(g.get("message", ""))])  # fmt: skip
    return _table(["Gate", "Threshold", "Value", "Result", "What it means"], rows)


def _sign_off(so: dict[str, Any] | None) -> str:
    if not so:
        return "<p><b>Not signed off.</b> No one has approved or rejected this run yet.</p>"
    decision = str(so.get("decision", ""))
    css = "pass" if decision == "approved" else "fail"
    blocking = [g for g in so.get("gates") or [] if g.get("blocking")]
    gates = (f"{len(blocking)} gates blocked approval at signing" if blocking
             else "every gate passed at signing")  # fmt: skip
    inputs = ", ".join(f"{_e(r)} <code>{_e(h)}</code>" for r, h in (so.get("inputs") or {}).items())
    supersedes = f" It supersedes sign-off #{_e(so['supersedes'])}." if so.get("supersedes") else ""
    return (
        f"<p id='sign-off'><span class='{css}'>{_e(decision.upper())}</span> by "
        f"<b>{_e(so.get('name', ''))}</b> on {_when(so.get('created_at'))} "
        f"(sign-off #{_e(so.get('id', ''))}; {gates}).{supersedes}</p>"
        f"<blockquote>{_e(so.get('statement', ''))}</blockquote>"
        f"<p class='muted'>Signed for the inputs {inputs}.</p>"
    )


def _decided(decisions: list[dict[str, Any]]) -> str:
    done = [d for d in decisions if d.get("status") != "open"]
    still_open = len(decisions) - len(done)
    rejected_rows = sum(
        1 for d in done if d.get("status") == "rejected" and d.get("row") is not None
    )
    head = (f"<p>{len(done)} of {len(decisions)} review items decided; {still_open} open; "
            f"{rejected_rows} synthetic {'row' if rejected_rows == 1 else 'rows'} rejected (left out "
            "of the cleaned dataset).</p>")  # fmt: skip
    if not done:
        return head
    rows = []
    for d in done:
        what = f"row {d['row']}" if d.get("row") is not None else ", ".join(d.get("columns") or [])
        notes = "; ".join(f"{c.get('by')}: {c.get('text')}" for c in d.get("comments") or [])
        rows.append([_e(str(d.get("kind", "")).replace("_", " ")), _e(what),
                     _e(d.get("message") or d.get("key")), _e(d.get("status")),
                     _e(d.get("decided_by") or ""), _e(d.get("reason") or ""), _e(notes),
                     _when(d.get("decided_at"))])  # fmt: skip
    headers = ["Kind", "Where", "Item", "Decision", "Reviewer", "Reason", "Comments", "When"]
    return head + _table(headers, rows)


def _verdict(review: dict[str, Any] | None) -> str:
    """One line under the title: the sign-off in force, so a reader sees the verdict first."""
    if not review or "sign_off" not in review:
        return ""
    so = review.get("sign_off")
    if not so:
        return "<p><b>Not signed off.</b> <a href='#sign-off-section'>Review and gates</a></p>"
    decision = str(so.get("decision", ""))
    css = "pass" if decision == "approved" else "fail"
    return (f"<p>Sign-off: <span class='{css}'>{_e(decision.upper())}</span> by "
            f"{_e(so.get('name', ''))} on {_when(so.get('created_at'))}. "
            "<a href='#sign-off-section'>Details</a></p>")  # fmt: skip


def _review(review: dict[str, Any] | None) -> str:
    """Sign-off, gates, decisions and sign-off history, as ``review_report.review_dict`` gives
    them (the CLI passes only ``policy`` and ``gates``)."""
    if not review:
        return "<p class='muted'>No review decisions or sign-off recorded with this report.</p>"
    out = []
    if "sign_off" in review:
        out.append(_sign_off(review.get("sign_off")))
    gates = review.get("gates") or []
    if gates:
        out.append("<h3>Gates</h3>" + _gate_rows(gates))
    if "decisions" in review:
        out.append("<h3>Decisions</h3>" + _decided(review.get("decisions") or []))
    history = review.get("sign_off_history") or []
    if len(history) > 1:
        out.append("<h3>Sign-off history</h3>" + _table(
            ["#", "Decision", "By", "When", "Statement", "Superseded by"],
            [[_e(h.get("id")), _e(h.get("decision")), _e(h.get("name")), _when(h.get("created_at")),
              _e(h.get("statement")), _e(h.get("superseded_by") or "")] for h in history]))  # fmt: skip
    return "".join(out) or "<p class='muted'>No review recorded.</p>"


def render(a: Assessment, enc: Encoded | None = None, review: dict[str, Any] | None = None) -> str:
    """The whole report as one HTML string."""
    figs = _Figures()
    body = [
        "<h1>SynthLens report</h1>",
        f"<p class='muted'>SynthLens {_e(a.version)} &middot; seed {_e(a.options.seed)}</p>",
        _verdict(review),
        "<h2>Scores</h2>",
        _scores(a),
        "<h2>Inputs</h2>",
        _inputs(a),
        "<h2>Findings</h2>",
        _findings(a),
        "<h2>Columns</h2>",
        _columns(a, enc, figs),
        "<h2 id='sign-off-section'>Review and sign-off</h2>",
        _review(review),
    ]
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>SynthLens report</title>"
        f"<style>{_CSS}</style><script>{get_plotlyjs()}</script></head>"
        f"<body><main>{''.join(body)}</main>{figs.script()}</body></html>"
    )
