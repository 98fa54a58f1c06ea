"""The self-contained HTML report: one file, plotly inlined once, opens offline.

It holds what a stakeholder needs without the app: the verdict and why, the scores with what
they mean, the findings in words, columns, pairs, privacy, utility, flagged rows, the gates with
their meaning, and the review decisions and sign-off. Every user-supplied string (file, column
and category names, values, reviewer statements) goes through ``outputs.escape.html_text`` in
the page and ``outputs.escape.plotly_label`` in the figures, which are embedded as JSON. Nothing
is loaded from the network. Pure: no Streamlit here, so the CLI uses it too.
"""

from __future__ import annotations

from typing import Any

from plotly.offline import get_plotlyjs

from metrics.encode import Encoded
from metrics.suite import Assessment
from outputs import html_privacy, html_review, html_scores, html_sections
from outputs.html_parts import CSS, Figures, count, e, section, table
from outputs.html_rules import rules_section
from outputs.html_subgroups import subgroups_section
from outputs.scale_words import scale_html

SECTIONS = (  # anchor, heading
    ("summary", "Summary"),
    ("scores", "Scores"),
    ("findings", "Findings"),
    ("inputs", "Inputs"),
    ("columns", "Columns"),
    ("pairs", "Pairs"),
    ("subgroups", "Subgroups"),
    ("privacy", "Privacy"),
    ("utility", "Utility"),
    ("flagged-rows", "Flagged rows"),
    ("rules", "Rules"),
    ("more-metrics", "More metrics"),
    ("gates", "Gates"),
    ("sign-off-section", "Review and sign-off"),
)


def _inputs(a: Assessment) -> str:
    rows = [
        [e(r), e(i.name), count(i.rows), count(i.columns), f"<code>{e(i.sha256)}</code>"]
        for r, i in a.inputs.items()
    ]
    return table(["Role", "File", "Rows", "Columns", "SHA-256"], rows, (2, 3))


def _contents() -> str:
    links = " ".join(f"<a href='#{a}'>{e(t)}</a>" for a, t in SECTIONS[1:])
    return f"<nav>{links}</nav>"


def render(a: Assessment, enc: Encoded | None = None, review: dict[str, Any] | None = None) -> str:
    """The whole report as one HTML string.

    ``enc``: the encoded pair, for the charts drawn from the data (distributions, the worst
    pair); without it those charts are left out. ``review``: ``review_report.review_dict``'s
    dict, or the CLI's ``{policy, gates}``.
    """
    figs = Figures()
    inputs = ", ".join(f"{e(r)}: {e(i.name)}" for r, i in a.inputs.items())
    body = {
        "summary": html_review.verdict(a, review),
        "scores": html_scores.scores(a),
        "findings": html_scores.findings(a),
        "inputs": _inputs(a) + scale_html(a),
        "columns": html_sections.columns(a, enc, figs),
        "pairs": html_sections.pairs(a, enc, figs),
        "subgroups": subgroups_section(a, enc, figs),
        "privacy": html_privacy.privacy(a, enc, figs),
        "utility": html_sections.utility(a, figs),
        "flagged-rows": html_sections.flagged_rows(a, enc, figs),
        "rules": rules_section(a),
        "more-metrics": html_sections.default_metrics(a),
        "gates": html_review.gates_table(a, review),
        "sign-off-section": html_review.review_section(review),
    }
    head = (
        "<h1>SynthLens report</h1>"
        f"<p class='muted'>SynthLens {e(a.version)} &middot; seed {e(a.options.seed)}"
        f" &middot; target {e(a.options.target or 'none')} &middot; {inputs}</p>"
        + (f"<p class='muted'>{e(a.scale.sample_words())}</p>" if a.scale else "")
        + _contents()
    )
    sections = "".join(section(anchor, title, body[anchor]) for anchor, title in SECTIONS)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>SynthLens report</title>"
        f"<style>{CSS}</style><script>{get_plotlyjs()}</script></head>"
        f"<body><main>{head}{sections}</main>{figs.script()}</body></html>"
    )
