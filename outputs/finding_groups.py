"""Findings for a wide table: the first ten (ranked by the suite: severity, then distance beyond
the noise floor), grouped by root cause, with the rest one click away.

A table with 28 columns can give thirty findings; a reader needs the worst few, seen as causes
("Column distribution differs: 6") rather than as a flat list, and every other finding still
reachable. The Overview page puts the rest in an expander, the HTML report in a ``<details>``.
Pure (no Streamlit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from metrics.results import Finding
from outputs.review_items import kind_title
from outputs.score_words import score_text

FIRST = 10  # findings shown before "more"
SHOWN_COLUMNS = 4  # column names listed before "and N more"


@dataclass(frozen=True)
class Group:
    """Findings of one root cause (``kind``): their positions in the ranked list, in order."""

    kind: str
    title: str
    members: tuple[int, ...]


def _grouped(findings: Sequence[Finding], positions: Sequence[int]) -> list[Group]:
    """The findings at ``positions`` grouped by kind, each group where its worst finding
    ranks (groups keep the suite's order, and so do their members)."""
    order: dict[str, list[int]] = {}
    for i in positions:
        order.setdefault(findings[i].kind, []).append(i)
    return [Group(k, kind_title(k), tuple(v)) for k, v in order.items()]


def first_and_rest(
    findings: Sequence[Finding], first: int = FIRST
) -> tuple[list[Group], list[Group]]:
    """``(shown, rest)``: the first ``first`` findings of the ranked list grouped by kind, and
    the others grouped the same way. ``findings`` is ranked already (``Assessment.findings``);
    a group's members are positions in it, so callers can pair each with its review item."""
    cut = min(first, len(findings))
    return (
        _grouped(findings, range(cut)),
        _grouped(findings, range(cut, len(findings))),
    )


def columns_text(columns: Sequence[str], shown: int = SHOWN_COLUMNS) -> tuple[str, str]:
    """``(head, rest)``: the first column names and ``and N more``, and the others (empty when
    every name fits), so a finding about twenty columns stays one short line with the rest
    reachable."""
    names = [str(c) for c in columns]
    if len(names) <= shown:
        return ", ".join(names), ""
    return f"{', '.join(names[:shown])} and {len(names) - shown} more", ", ".join(names[shown:])


def beyond_number(f: Finding) -> str:
    """How far below what an independent real sample scores the finding's score sits, beyond
    its uncertainty ("" when the finding has no such distance)."""
    if f.beyond is None or not f.beyond > 0:
        return ""
    return score_text(f.beyond)


def beyond_text(f: Finding) -> str:
    """:func:`beyond_number` as a short phrase: ``0.14 below a real sample``."""
    number = beyond_number(f)
    return f"{number} below a real sample" if number else ""
