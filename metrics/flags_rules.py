"""Row flags, reason ``broken_rule``: rows breaking a declared or discovered rule.

Reads the ``rules`` metric's result duck-typed (its ``extra`` is a ``RulesInfo`` whose
``checks`` are ``RuleCheck`` records: ``rows``, ``row_words``, ``columns``, ``text``, ``source``,
``real_violations``), so this module does not import :mod:`metrics.rules`. The rules metric raises
one finding per rule with its count and examples; here each violating row gets a flag with the
rule and that row's values, so it can be looked at and decided on like any flagged row.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from metrics.flags_kinds import BROKEN_RULE, Events

DECLARED_SCORE = 0.9  # a rule the user declared: breaking it is as sure as an invalid value
DISCOVERED_SCORE = 0.8  # a rule every real row obeys
LOOSE_SCORE = 0.7  # a discovered rule a few real rows break too (at most 0.1% of them)


def flag_broken_rules(rules: Any, n_rows: int, ev: Events, notes: list[str]) -> int:
    """Flag the synthetic rows each checked rule of ``rules`` (the rules metric's result, or
    None) says they break; the number of rules with at least one such row."""
    if rules is None:
        return 0
    if getattr(rules, "error", None):
        notes.append(f"Rules not checked row by row: {rules.error}")
        return 0
    broken = 0
    for check in getattr(getattr(rules, "extra", None), "checks", None) or []:
        rows = np.asarray(getattr(check, "rows", ()), dtype=np.int64).ravel()
        words = list(getattr(check, "row_words", ()) or ())
        inside = (rows >= 0) & (rows < n_rows)
        if not inside.any():
            continue
        broken += 1
        rule = str(getattr(check, "text", "") or getattr(check, "rule_id", "a rule"))
        said = {int(r): words[i] for i, r in enumerate(rows) if i < len(words) and inside[i]}

        def text(r: int, rule: str = rule, said: dict[int, str] = said) -> str:
            values = said.get(int(r), "")
            return f"breaks the rule '{rule}'" + (f": {values}" if values else "")

        source = getattr(check, "source", "discovered")
        score = (DECLARED_SCORE if source == "declared"
                 else LOOSE_SCORE if getattr(check, "real_violations", 0) else DISCOVERED_SCORE)  # fmt: skip
        cols = tuple(str(c) for c in getattr(check, "columns", ()) or ())
        ev.add(BROKEN_RULE, "", np.unique(rows[inside]), score, text, columns=cols)
    return broken
