"""The verdict, gates, review decisions and sign-off of the HTML report.

``review`` is the dict ``review_report.review_dict`` gives (the CLI passes only ``policy`` and
``gates``); without gates the report evaluates the default policy so that a reader still sees
whether the data is ready and why. Pure: no Streamlit here.
"""

from __future__ import annotations

from typing import Any

from metrics.suite import Assessment
from outputs.html_parts import count, e, num, pct, table
from outputs.review_items import kind_title
from outputs.review_report import signature_sentence
from review.gating import evaluate_assessment, gate_dict
from review.policy import GATES, default_policy

_SPECS = {g.name: g for g in GATES}
_RESULT = {True: ("pass", "pass"), False: ("fail", "fail"), None: ("muted", "not evaluated")}
# By display status (records from before the undecided status have only ``passed``).
_STATUS = {"passed": ("pass", "pass"), "failed": ("fail", "fail"),
           "undecided": ("warn", "undecided"), "not evaluated": ("muted", "not evaluated")}  # fmt: skip


def when(iso: Any) -> str:
    """An ISO timestamp as ``2026-01-31 14:05 UTC`` (stored times are UTC)."""
    text = str(iso or "")
    return e(f"{text[:10]} {text[11:16]} UTC" if len(text) >= 16 and text[10] == "T" else text)


def gates_of(a: Assessment, review: dict[str, Any] | None) -> tuple[list[dict[str, Any]], str]:
    """The gates to show and where they come from: the review's, else the default policy's
    evaluated on the assessment alone (every high-severity finding counts as open)."""
    if review and review.get("gates"):
        return list(review["gates"]), "the policy the review used"
    gates = [gate_dict(g) for g in evaluate_assessment(default_policy(), a)]
    return gates, ("SynthLens' default policy, with no review recorded: every high-severity "
                   "finding counts as open")  # fmt: skip


def verdict(a: Assessment, review: dict[str, Any] | None) -> str:
    """Ready or not ready, and why: the sign-off in force, else the gates that block."""
    gates, source = gates_of(a, review)
    blocking = [g for g in gates if g.get("blocking")]
    so = (review or {}).get("sign_off")
    if so:
        decision = str(so.get("decision", ""))
        ready = decision == "approved"
        head = (f"{'Ready' if ready else 'Not ready'}: {e(decision)} by {e(so.get('name', ''))} "
                f"on {when(so.get('created_at'))}")  # fmt: skip
        why = f"<blockquote>{e(so.get('statement', ''))}</blockquote>"
    elif blocking:
        ready = False
        head = f"Not ready: {len(blocking)} of {len(gates)} gates block approval"
        why = "<ul>" + "".join(
            f"<li><b>{e(g.get('label') or g.get('name'))}</b>: {e(g.get('message', ''))}</li>"
            for g in blocking) + "</ul>"  # fmt: skip
    else:
        ready = True
        head = f"Ready for sign-off: none of the {len(gates)} gates blocks approval"
        why = ""
    signed = "" if so or not review or "sign_off" not in review else " Not signed off yet."
    high = sum(1 for f in a.findings if f.severity == "high")
    facts = (f"Overall score {num(a.scores.get('overall'), 2)}; {len(a.findings)} findings, "
             f"{high} of high severity. Gates from {e(source)}.{signed} "
             "<a href='#gates'>Gates</a> &middot; <a href='#findings'>Findings</a> &middot; "
             "<a href='#sign-off-section'>Review and sign-off</a>")  # fmt: skip
    css = "ready" if ready else "not-ready"
    return (f"<div class='verdict {css}'><div class='big'>{head}</div>{why}"
            f"<p class='muted'>{facts}</p></div>")  # fmt: skip


def _kind(g: dict[str, Any]) -> str:
    spec = _SPECS.get(str(g.get("name")))
    return str(g.get("kind") or (spec.kind if spec else "min"))


def _gate_value(g: dict[str, Any], key: str) -> str:
    value = g.get(key)
    if value is None:
        return "n/a"
    kind = _kind(g)
    if kind == "max_count":
        return count(round(float(value)))
    if kind == "max_rate":
        return pct(value)
    text = num(value, 2 if key == "threshold" else 3)
    interval = g.get("interval") if key == "value" else None
    if interval and len(interval) == 2 and None not in interval:
        low, high = (pct(v) if kind == "max_rate" else num(v, 3) for v in interval)
        text += f" ({low}-{high})"
    return text


def gates_table(a: Assessment, review: dict[str, Any] | None) -> str:
    """Each gate with its meaning, threshold, value and result."""
    gates, source = gates_of(a, review)
    if not gates:
        return "<p class='muted'>The policy turns every gate off.</p>"
    rows = []
    for g in gates:
        css, word = _STATUS.get(str(g.get("status")), _RESULT.get(g.get("passed"), _RESULT[None]))
        spec = _SPECS.get(str(g.get("name")))
        meaning = " ".join(spec.help.split()) if spec else ""
        rows.append([f"<b>{e(g.get('label') or g.get('name'))}</b>", e(meaning),
                     _gate_value(g, "threshold"), _gate_value(g, "value"),
                     f'<span class="{css}">{word}</span>', e(g.get("message", ""))])  # fmt: skip
    intro = (f"<p>A run can be approved only when no gate blocks it: none failed, none undecided "
             "(its score's interval straddles the threshold) unless the policy allows it, and no "
             f"required score missing. Gates from {e(source)}. Scores must reach the minimum; "
             "counts, rates, attack risks and AUCs must not exceed the maximum. The value's interval is in "
             "brackets.</p>")  # fmt: skip
    headers = ["Gate", "What it checks", "Threshold", "Value", "Result", "Outcome"]
    return intro + table(headers, rows, (2, 3))


def chain_line(chain: dict[str, Any] | None) -> str:
    """The audit chain's state and head, as carried by a signed report."""
    if not chain:
        return ""
    intact = _tri(chain.get("intact"))
    css = {True: "pass", False: "fail", None: "muted"}[intact]
    word = {True: "intact", False: "BROKEN", None: "not checked"}[intact]
    head = chain.get("head_hash")
    at = f" head <code>{e(head)}</code> (link {e(chain.get('head_seq'))})" if head else ""
    return (f"<p class='muted'>Audit chain: <span class='{css}'>{word}</span>;{at}. "
            f"{e(chain.get('summary') or '')}</p>")  # fmt: skip


def _sign_off(so: dict[str, Any] | None, chain: dict[str, Any] | None = None) -> str:
    if not so:
        return ("<p><b>Not signed off.</b> No one has approved or rejected this run yet.</p>"
                + chain_line(chain))  # fmt: skip
    decision = str(so.get("decision", ""))
    css = "pass" if decision == "approved" else "fail"
    blocking = [g for g in so.get("gates") or [] if g.get("blocking")]
    gates = (f"{len(blocking)} gates blocked approval at signing" if blocking
             else "every gate passed at signing")  # fmt: skip
    inputs = ", ".join(f"{e(r)} <code>{e(h)}</code>" for r, h in (so.get("inputs") or {}).items())
    supersedes = f" It supersedes sign-off #{e(so['supersedes'])}." if so.get("supersedes") else ""
    return (
        f"<p id='sign-off'><span class='{css}'>{e(decision.upper())}</span> by "
        f"<b>{e(so.get('name', ''))}</b> on {when(so.get('created_at'))} "
        f"(sign-off #{e(so.get('id', ''))}; {gates}).{supersedes}</p>"
        f"<p class='signature'><b>{e(so.get('signature') or signature_sentence(so))}</b></p>"
        f"<blockquote>{e(so.get('statement', ''))}</blockquote>"
        f"<p class='muted'>Signed for the inputs {inputs}.</p>{chain_line(chain)}"
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
        rows.append([e(kind_title(str(d.get("kind", "")))), e(what),
                     e(d.get("message") or d.get("key")), e(d.get("status")),
                     e(d.get("decided_by") or ""), e(d.get("reason") or ""), e(notes),
                     when(d.get("decided_at"))])  # fmt: skip
    headers = ["Kind", "Where", "Item", "Decision", "Reviewer", "Reason", "Comments", "When"]
    return head + table(headers, rows)


def review_section(review: dict[str, Any] | None) -> str:
    """Sign-off, decisions and sign-off history, as ``review_report.review_dict`` gives them."""
    if not review or not ({"sign_off", "decisions"} & set(review)):
        return ("<p class='muted'>No review decisions or sign-off recorded with this report "
                "(a report written from the command line carries at most the gates).</p>")  # fmt: skip
    out = []
    if "sign_off" in review:
        out.append(_sign_off(review.get("sign_off"), review.get("audit_chain")))
    if "decisions" in review:
        out.append("<h3>Decisions</h3>" + _decided(review.get("decisions") or []))
    history = review.get("sign_off_history") or []
    if len(history) > 1:
        out.append("<h3>Sign-off history</h3>" + table(
            ["#", "Decision", "By", "When", "Statement", "Superseded by"],
            [[e(h.get("id")), e(h.get("decision")), e(h.get("name")), when(h.get("created_at")),
              e(h.get("statement")), e(h.get("superseded_by") or "")] for h in history]))  # fmt: skip
    return "".join(out)


def _tri(value: object) -> bool | None:
    """True, False, or None for "not checked"."""
    return value if isinstance(value, bool) else None
