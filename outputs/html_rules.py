"""The HTML report's rules section: every rule checked on the synthetic rows, declared or
discovered, with how many rows break it and examples."""

from __future__ import annotations

from metrics.rules import info as rules_info
from metrics.suite import Assessment
from outputs.html_parts import count, e, para, table

EXAMPLES = 3  # example rows per rule in the table


def rules_section(a: Assessment) -> str:
    """What was searched, then one row per rule: the rule in words, where it comes from, the
    synthetic and real rows breaking it and a few of the synthetic ones."""
    res = a.result("rules")
    if res is None:
        return para("Rules were not checked in this run.", "muted")
    if res.error:
        return para(f"Rules could not be checked: {res.error}", "muted")
    found = rules_info(res)
    notes = " ".join(x for x in (found.searched, *found.notes) if x)
    parts = [para(notes)] if notes else []
    if not found.checks:
        parts.append(para("No rule was declared, and none was found that the real data obeys."))
        return "".join(parts)
    n = a.inputs["synthetic"].rows if "synthetic" in a.inputs else 0
    rows = []
    for c in sorted(found.checks, key=lambda c: -c.violations):
        share = f" ({c.violations / n:.1%})" if n and c.violations else ""
        examples = "<br>".join(e(x) for x in c.examples[:EXAMPLES])
        rows.append([e(c.text), e(c.source), count(c.violations) + e(share),
                     count(c.real_violations), examples])  # fmt: skip
    parts.append(table(["Rule", "Source", "Synthetic rows breaking it", "Real rows breaking it",
                        "Examples"], rows, (2, 3)))  # fmt: skip
    return "".join(parts)
