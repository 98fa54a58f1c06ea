"""A review belongs to its input files; each set of settings (target, kinds, scoring) is a
version of it. These functions say which version a run is, what it took over from the run it
carries decisions from, and what every version of the same files holds.

Pure reads over a :class:`~review.store.Store`; the pages and the CLI share them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from review.records import Item, Run, SignOff
from review.store import Store

# Settings shown to people, in the order they read them; anything else is "other settings".
SETTING_WORDS = {
    "target": "target",
    "correlation": "correlation",
    "sdmetrics_compatible": "sdmetrics-compatible scoring",
    "schema": "column kinds",
    "skip": "skipped checks",
    "seed": "seed",
    "max_model_rows": "model rows",
    "cleaned_from_run": "cleaned from run",
    "constraints": "declared rules",
    "dropped_rules": "dropped discovered rules",
    "n_attacks": "privacy attacks",
    "secrets": "secret columns",
    "quasi_identifiers": "quasi-identifiers",
    "sensitive": "sensitive columns",
    "unseen_share": "real rows confirmed unseen",
}


@dataclass(frozen=True)
class Version:
    """One run among the runs on the same real, synthetic and holdout files."""

    number: int  # 1 for the oldest
    run: Run
    items: int
    decided: int
    sign_off: SignOff | None  # the one in force, if any


@dataclass(frozen=True)
class CarryOver:
    """What a run took over from the run it carries decisions from."""

    source: Run
    carried: int  # decisions copied as they were
    reopened: int  # decided before, open again because the finding got worse
    new: int  # items the source run did not have


def same_files(a: Run, b: Run) -> bool:
    return a.inputs == b.inputs


def versions(store: Store, run: Run) -> list[Version]:
    """Every run on the same input files as ``run``, oldest first, numbered from 1."""
    runs = sorted((r for r in store.runs() if same_files(r, run)), key=lambda r: r.id)
    out = []
    for n, r in enumerate(runs, start=1):
        decided, total = store.progress(r.id)
        out.append(Version(n, r, total, decided, store.current_sign_off(r.id)))
    return out


def carry_over(store: Store, run: Run) -> CarryOver | None:
    """What ``run`` took over from its ``carry_from_run_id`` run; None for a first run."""
    if run.carry_from_run_id is None:
        return None
    source = store.run(run.carry_from_run_id)
    return summarise(source, store.items(run.id), store.items(source.id))


def summarise(source: Run, items: Sequence[Item], source_items: Sequence[Item]) -> CarryOver:
    before = {i.key for i in source_items}
    carried = sum(i.carried_from_item_id is not None for i in items)
    reopened = sum("earlier_decision" in (i.evidence or {}) for i in items)
    new = sum(i.key not in before for i in items)
    return CarryOver(source, carried, reopened, new)


def setting_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """How ``new`` settings differ from ``old``, in words: ``["target: salary (was none)"]``."""
    out = []
    for key in sorted(set(old) | set(new), key=lambda k: list(SETTING_WORDS).index(k)
                      if k in SETTING_WORDS else len(SETTING_WORDS)):  # fmt: skip
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        word = SETTING_WORDS.get(key, key.replace("_", " "))
        if key == "schema" and isinstance(before, dict) and isinstance(after, dict):
            changed = [c for c in after if before.get(c) != after.get(c)]
            out.append(f"{word}: {len(changed)} changed ("
                       + ", ".join(f"{c} {before.get(c) or 'absent'} -> {after[c]}"
                                   for c in changed[:3])
                       + (", ..." if len(changed) > 3 else "") + ")")  # fmt: skip
        else:
            out.append(f"{word}: {_shown(after)} (was {_shown(before)})")
    return out


def describe(settings: dict[str, Any]) -> str:
    """The settings that tell versions apart, in a short phrase."""
    target = settings.get("target")
    corr = str(settings.get("correlation") or "pearson").capitalize()
    mode = "sdmetrics-compatible" if settings.get("sdmetrics_compatible") else "SynthLens scoring"
    parts = [f"target {target}" if target else "no target", corr, mode]
    if settings.get("cleaned_from_run"):
        parts.append(f"cleaned from run {settings['cleaned_from_run']}")
    return ", ".join(parts)


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)
