"""The sign-off record: one printable A4 page an auditor files with the dataset.

It holds the run and its input file hashes, the signature in the words of
``review.signature.signature_words``, the decision and its meaning, the policy version and its
gates with their outcomes at signing, how many review items were decided which way, and the
audit hash chain's head and state. Long lists are capped ("and 3 more") so a normal run fits
one page. Pure (no Streamlit): :func:`record` reads the store, :func:`render` only formats;
every stored value is escaped with ``outputs.escape.html_text``. No script, nothing fetched.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from outputs.escape import html_text as e
from outputs.review_report import chain_dict, sign_off_dict
from review import Store

MAX_GATES = 14  # the built-in policy has 13
MAX_COMMENT = 300  # beyond it the record points to the audit trail
STATUS_ORDER = ("accepted", "waived", "rejected", "open")

CSS = """
@page{size:A4;margin:12mm 13mm 14mm}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,'Segoe UI',Arial,sans-serif;color:#111;margin:0 auto;
font-size:9.5pt;line-height:1.3;max-width:190mm;padding:8mm}
h1{font-size:15pt;margin:0 0 1mm}h2{font-size:10.5pt;margin:3.5mm 0 1mm;
border-bottom:1px solid #999;padding-bottom:0.5mm}p{margin:1mm 0}
table{border-collapse:collapse;width:100%;font-size:8.5pt}
th,td{border:1px solid #bbb;padding:0.5mm 1.5mm;text-align:left;vertical-align:top}
th{background:#eee}code{font-size:8pt;word-break:break-all}td.h code{font-size:7.5pt;white-space:nowrap}
td.f{word-break:break-all}
.sig{border:2px solid #111;padding:2mm 3mm;margin:1.5mm 0;font-size:10pt}
.approved{color:#166534;font-weight:700}.rejected{color:#991b1b;font-weight:700}
.pass{color:#166534}.fail{color:#991b1b;font-weight:700}.muted{color:#555;font-size:8pt}
@media print{body{padding:0;max-width:none}h2,table,.sig{break-inside:avoid}}
"""


def record(store: Store, run_id: int) -> dict[str, Any]:
    """What the record shows, read from the store (raises ``NotFound`` for an unknown run)."""
    run = store.run(run_id)
    current = store.current_sign_off(run_id)
    return {
        "run": {
            "id": run.id,
            "created_at": run.created_at.isoformat(),
            "tool_version": run.tool_version,
        },  # fmt: skip
        "inputs": [
            {"role": role, "name": run.names.get(role, ""), "sha256": digest}
            for role, digest in run.inputs.items()
        ],  # fmt: skip
        "sign_off": sign_off_dict(current) if current else None,
        "chain": chain_dict(store),
    }


def html(store: Store, run_id: int, now: datetime | None = None) -> str:
    """The record of ``run_id`` as one HTML page."""
    return render(record(store, run_id), now)


def _gate_outcome(g: dict[str, Any]) -> tuple[str, str]:
    status = str(g.get("status") or "")
    if g.get("blocking"):
        return "fail", status or "failed"
    if status == "passed" or (not status and g.get("passed")):
        return "pass", "passed"
    return "muted", status or "not evaluated"


def _gates(so: dict[str, Any]) -> str:
    gates = list(so.get("gates") or [])
    if not gates:
        return "<p class='muted'>The policy turned every gate off.</p>"
    rows = []
    for g in gates[:MAX_GATES]:
        css, word = _gate_outcome(g)
        value = g.get("value")
        shown = f"{value:.3g}" if isinstance(value, int | float) else "n/a"
        rows.append(f"<tr><td>{e(g.get('label') or g.get('name'))}</td>"
                    f"<td>{e(g.get('threshold'))}</td><td>{e(shown)}</td>"
                    f"<td class='{css}'>{e(word)}</td></tr>")  # fmt: skip
    more = len(gates) - MAX_GATES
    tail = f"<tr><td colspan='4' class='muted'>and {more} more</td></tr>" if more > 0 else ""
    return ("<table><tr><th>Gate</th><th>Threshold</th><th>Value</th><th>Outcome at signing"
            f"</th></tr>{''.join(rows)}{tail}</table>")  # fmt: skip


def _decisions(so: dict[str, Any]) -> str:
    decisions = list(so.get("decisions") or [])
    counts = Counter(str(d.get("status") or "open") for d in decisions)
    order = [s for s in STATUS_ORDER if s in counts] + sorted(set(counts) - set(STATUS_ORDER))
    parts = ", ".join(f"{counts[s]} {e(s)}" for s in order) or "no review items"
    high_open = sum(
        1 for d in decisions if d.get("severity") == "high" and d.get("status") == "open"
    )
    return (f"<p>{len(decisions)} review items at signing: {parts}; {high_open} high-severity "
            "items open.</p>")  # fmt: skip


def _chain(chain: dict[str, Any]) -> str:
    words = {True: "<span class='pass'>intact</span>",
             False: "<span class='fail'>BROKEN</span>", None: "not checked"}  # fmt: skip
    word = words[_tri(chain.get("intact"))]
    return (f"<p>State: {word}. Head: <code>{e(chain.get('head_hash') or 'n/a')}</code> "
            f"(link {e(chain.get('head_seq'))}).</p><p class='muted'>{e(chain.get('summary'))}. "
            "Check it: <code>python cli.py verify-audit --review-db DATABASE</code>.</p>")  # fmt: skip


def _signature(so: dict[str, Any]) -> str:
    sentence = str(so.get("signature") or "")
    if len(sentence) > MAX_COMMENT + 300:
        sentence = _cut(sentence, MAX_COMMENT + 300) + " (the full comment is in the audit trail)"
    decision = str(so.get("decision") or "")
    css = "approved" if decision == "approved" else "rejected"
    supersedes = f"; it supersedes sign-off #{e(so['supersedes'])}" if so.get("supersedes") else ""
    superseded = (f" <span class='fail'>Superseded by sign-off #{e(so['superseded_by'])}.</span>"
                  if so.get("superseded_by") else "")  # fmt: skip
    return (
        f"<div class='sig'>{e(sentence)}</div>"
        f"<p>Decision: <span class='{css}'>{e(decision.upper())}</span> (sign-off "
        f"#{e(so.get('id'))}{supersedes}).{superseded} Meaning: "
        f"<b>{e(so.get('meaning') or 'not recorded')}</b>. Policy version: "
        f"<b>{e(so.get('policy_version') if so.get('policy_version') is not None else 'not recorded')}</b>; "
        f"assessment version {e(so.get('assessment_version') or 'not recorded')}; SynthLens "
        f"{e(so.get('tool_version') or '')}.</p>"
    )  # fmt: skip


def render(data: dict[str, Any], now: datetime | None = None) -> str:
    """The record as a self-contained HTML page (print CSS, no scripts)."""
    run, so, chain = data["run"], data.get("sign_off"), data.get("chain") or {}
    generated = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    inputs = "".join(f"<tr><td>{e(i['role'])}</td><td class='f'>{e(_cut(i['name'], 120))}</td>"
                     f"<td class='h'><code>{e(i['sha256'])}</code></td></tr>"
                     for i in data.get("inputs") or [])  # fmt: skip
    body = [
        f"<h1>SynthLens sign-off record: run {e(run['id'])}</h1>",
        f"<p class='muted'>Generated {e(generated)}; run assessed {e(str(run['created_at'])[:16].replace('T', ' '))}"
        f" UTC with SynthLens {e(run.get('tool_version'))}.</p>",
        "<h2>Input files (SHA-256)</h2><table><tr><th>Role</th><th>File</th><th>SHA-256</th>"
        f"</tr>{inputs}</table>",
        "<h2>Signature</h2>",
    ]
    if so is None:
        body.append("<p class='fail'>Not signed off: no one has approved or rejected this run.</p>")
    else:
        body += [_signature(so), "<h2>Policy gates at signing</h2>", _gates(so),
                 "<h2>Review decisions</h2>", _decisions(so)]  # fmt: skip
    body += ["<h2>Audit hash chain</h2>", _chain(chain)]
    title = f"SynthLens sign-off record, run {e(run['id'])}"
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>")  # fmt: skip


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tri(value: object) -> bool | None:
    """True, False, or None for "not checked"."""
    return value if isinstance(value, bool) else None
