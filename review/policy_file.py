"""The policy as commented TOML: what the Sign-off page's editor shows and what
``review/default_policy.toml`` holds (:func:`dump_policy`); :mod:`review.policy` reads it back."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from review.gate_specs import ATTACKS, GATES

if TYPE_CHECKING:  # the policy module imports this one: only its type is needed here
    from review.policy import Policy

HEADER = f"""\
# SynthLens sign-off policy.
#
# A run can be approved only when no gate below blocks it. The Sign-off page and
# `python cli.py report --policy FILE` read this file. Scores are between 0 and 1,
# higher is better; gates named max_* set the most a count, a share or a privacy
# attack's result may reach. Turn a gate off with false, e.g. utility_min = false.
# Keys left out take SynthLens' defaults.

# Score families that may be missing without blocking approval: their gates show as
# "not evaluated" with the reason. Any other missing score blocks approval.
# Utility needs a target column, so it is optional by default. The privacy attacks
# need a control (a holdout, or real rows the generator never saw): add
# "{ATTACKS}" to let a run without one be approved.
optional_scores = [{{families}}]

# How a score gate decides. Each score comes with a 95% interval: how far it could
# move with another sample of the same size.
#   "estimate": the score itself is compared with the threshold, but when its interval
#               reaches both sides of the threshold (e.g. 0.81, interval 0.78-0.84,
#               against 0.80) the gate is "undecided": the data cannot tell.
#   "bound":    the worse end of the interval is compared (the low end of a score,
#               the high end of the exact-copy rate or of an attack's risk): a gate
#               passes only when even that end clears the threshold. Stricter; a gate
#               is never undecided.
# A score without an interval is compared as it is.
decide_on = "{{decide_on}}"

# May an undecided gate let the run be approved? false: it blocks approval (and
# `cli.py report` exits with 1) until more rows narrow the interval.
allow_undecided = {{allow_undecided}}

# Who may sign. true: a name typed into the box (not vouched for by the company login
# or proxy) cannot approve or reject.
forbid_unverified_sign_off = {{forbid_unverified}}

# true: the approver may not be the only person who reviewed the high-severity items.
separation_of_duties = {{separation}}

# What an approval may mean: the signer picks one, and the record and reports show it.
# An empty list lets the signer write a short phrase of their own.
sign_off_meanings = [{{meanings}}]

[gates]
"""


def _quoted(text: str) -> str:
    # A TOML basic string is a JSON string for any text (escapes and all).
    return json.dumps(text, ensure_ascii=False)


def _toml_value(value: float | int | None) -> str:
    if value is None:
        return "false"
    if isinstance(value, int):
        return str(value)
    text = f"{value:.2f}"
    return text if float(text) == value else repr(float(value))


def dump_policy(policy: Policy) -> str:
    """The policy as commented TOML, for the editable page and ``default_policy.toml``.

    Parameters
    ----------
    policy:
        The policy to write; every gate is written, with its explanation above it.

    Returns
    -------
    str
        TOML that :func:`review.policy.load_policy` reads back to an equal policy.
    """
    lines = [
        HEADER.format(
            families=", ".join(f'"{f}"' for f in policy.optional_scores),
            decide_on=policy.decide_on,
            allow_undecided="true" if policy.allow_undecided else "false",
            forbid_unverified="true" if policy.sign_off.forbid_unverified else "false",
            separation="true" if policy.sign_off.separation_of_duties else "false",
            meanings=", ".join(_quoted(m) for m in policy.sign_off.meanings),
        ).rstrip("\n")
    ]
    for spec in GATES:
        lines += [f"# {line}" for line in spec.help.splitlines()]
        lines += [
            f"{spec.name} = {_toml_value(policy.thresholds.get(spec.name, spec.default))}",
            "",
        ]
    return "\n".join(lines[:-1]) + "\n"
