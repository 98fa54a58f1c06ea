"""The HTML report's scores and findings: each family score with its interval, floor and verdict
in words, how every interval and floor was made, and the findings grouped by root cause with the
first ten in view and the rest behind one click. Pure: no Streamlit here."""

from __future__ import annotations

from metrics.detection import info as detection_info
from metrics.results import Finding
from metrics.suite import FAMILY_LABELS, FAMILY_MEANINGS, Assessment
from outputs import score_words as sw
from outputs.finding_groups import Group, beyond_number, columns_text, first_and_rest
from outputs.html_parts import e, para, table


def _card(a: Assessment, family: str) -> str:
    """One family's card: the value with the precision that matters, and its verdict."""
    label = FAMILY_LABELS[family]
    value = a.scores.get(family, float("nan"))
    excluded = sw.excluded_result(a, family)
    if excluded is not None:
        shown, word, css = sw.score_text(excluded.score), "not counted in Overall", "vc-gray"
    else:
        word, highs = sw.family_verdict(a, family)
        shown, css = sw.score_text(value), "vc-red" if highs else f"vc-{sw.verdict_color(word)}"
        word = sw.verdict_text(word, highs)
    return (
        f'<div class="card"><div>{e(label)}</div><div class="v">{e(shown)}</div>'
        f'<div class="w {css}">{e(word)}</div>'
        f'<div class="m">{e(FAMILY_MEANINGS[family])}</div></div>'
    )


def _family_line(a: Assessment, family: str) -> str:
    """A family's score in a sentence; privacy adds the rule that decided it (copies, unique
    copies, memorisation or the attacks), which the privacy result carries once it knows it."""
    line = sw.family_words(a, family)
    res = a.result("privacy") if family == "privacy" else None
    if res is None or res.error:
        return line
    rule = str(getattr(res.extra, "score_rule_sentence", "") or "")
    return f"{line} {rule}" if rule else line


def scores(a: Assessment) -> str:
    """The score cards, each family's score in a sentence with its interval and floor, the
    metrics that failed, and how the intervals and floors were made."""
    cards = "".join(_card(a, f) for f in FAMILY_LABELS)
    lines = "".join(f"<li>{e(_family_line(a, f))}</li>" for f in FAMILY_LABELS)
    parts = [
        para("Every score runs from 0 to 1; higher is better. n/a: the family could not be "
             "computed (utility needs a target column). Each score comes with its interval "
             "(the range the score would take on other samples of the same data) and what an "
             "independent real sample of the same size scores: a synthetic set cannot be "
             "expected to do better than that."),
        f'<div class="cards">{cards}</div>',
        f"<ul class='scores'>{lines}</ul>",
    ]  # fmt: skip
    parts.append(detection(a))
    errors = {n: r.error for n, r in a.results.items() if r.error}
    if errors:
        parts.append(table(["Metric", "Could not be computed because"],
                           [[e(n), e(msg)] for n, msg in errors.items()]))  # fmt: skip
    parts.append(methods(a))
    return "".join(parts)


def detection(a: Assessment) -> str:
    """What detection measured and, for the columns that give the synthetic rows away, where
    the two sides differ most (every sentence escaped: column names and categories are the
    user's). "" when detection did not classify."""
    found = detection_info(a.result("detection"))
    if not found.message:
        return ""
    out = para(f"Detection: {found.message}")
    if found.explanation:
        items = "".join(
            f"<li><b>{e(c.column)}</b> (the AUC drops by {c.importance:.3f} when it is "
            f"shuffled): {e(c.text)}</li>"
            for c in found.explanation
        )
        out += para("Where synthetic and real rows differ most, in the columns that give the "
                     "synthetic rows away:") + f"<ul class='detection'>{items}</ul>"  # fmt: skip
    return out


def methods(a: Assessment) -> str:
    """How each interval and floor was made: the shared rules, then each metric's method."""
    rows = [[e(name.replace("_", " ").capitalize()), e(text)] for name, text in sw.methods().items()
            if a.result(name) is not None]  # fmt: skip
    head = "<h3>How the intervals and floors were made</h3>" + para(sw.method_summary(a.options))
    if not rows:
        return head
    return head + table(["Metric", "How its interval and its floor are made"], rows)


def _columns_cell(f: Finding) -> str:
    head, rest = columns_text(f.columns)
    if not rest:
        return e(head)
    return f"<details><summary>{e(head)}</summary>{e(rest)}</details>"


def _table(findings: list[Finding], groups: list[Group]) -> str:
    """One table: a heading row per cause (with its count), then its findings."""
    head = "".join(f"<th>{e(h)}</th>" for h in HEADERS)
    body = []
    for g in groups:
        n = len(g.members)
        label = f"{g.title} ({n})" if n > 1 else g.title
        body.append(f"<tr class='group'><th colspan='{len(HEADERS)}'>{e(label)}</th></tr>")
        for i in g.members:
            f = findings[i]
            body.append(
                f'<tr><td><span class="sev-{e(f.severity)}">{e(f.severity)}</span></td>'
                f"<td>{_columns_cell(f)}</td><td>{e(f.message)}</td>"
                f"<td class='n'>{e(beyond_number(f))}</td></tr>"
            )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


HEADERS = ["Severity", "Columns", "What is wrong", "Below a real sample by"]


def findings(a: Assessment) -> str:
    """The findings, most serious first, grouped by root cause: the first ten in a table and
    the rest inside one ``<details>``."""
    found = list(a.findings)
    if not found:
        return "<p>No findings.</p>"
    shown, rest = first_and_rest(found)
    intro = para(
        "What departs from the real data, most serious first and, within a severity, farthest "
        "below what an independent real sample scores (beyond the score's interval: the last "
        "column); grouped by cause. High: blocks approval until a reviewer accepts, waives or "
        "rejects it."
    )
    parts = [intro, _table(found, shown)]
    if rest:
        n = sum(len(g.members) for g in rest)
        more = f"{n} more finding{'s' if n != 1 else ''}"
        parts.append(
            f"<details class='more'><summary>{e(more)}</summary>{_table(found, rest)}</details>"
        )
    return "".join(parts)
