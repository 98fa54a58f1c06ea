"""What the privacy attacks measured, typed (:class:`AttacksInfo`), and its JSON section.

The ``extra`` of the ``privacy_attacks`` result (:mod:`metrics.privacy_attacks`). Pages, the
reports and the gates read it; none of them recomputes anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from metrics.attacks import AttackResult
from metrics.membership import Membership, membership_json
from metrics.quasi_identifiers import QuasiIdentifiers, quasi_identifiers_json

# The three attacks whose risk is (train - control) / (1 - control), in the order reports show
# them; membership is reported as an AUC beside them.
RISK_ATTACKS = ("singling_out", "linkability", "inference")
ATTACK_LABELS = {
    "singling_out": "Singling out",
    "linkability": "Linkability",
    "inference": "Attribute inference",
    "membership": "Membership inference",
}
# One plain sentence per attack: what the attacker does and what counts as a success.
ATTACK_MEANINGS = {
    "singling_out": "Someone holding the synthetic data writes conditions on a few columns "
    '("age 61 and postcode 1043 and nurse") that pick out exactly one person; it counts '
    "when exactly one training record meets them.",
    "linkability": "Someone who knows some columns of a person from one source and the other "
    "columns from another joins them through the closest synthetic rows; it counts when both "
    "halves lead to the same person.",
    "inference": "Someone who knows every column of a person but a secret one guesses the "
    "secret from the closest synthetic row; it counts when the guess is right (numbers within "
    "5%).",
    "membership": "Someone holding a person's record tells from its distance to the closest "
    "synthetic row whether the person was in the training data; AUC 0.5 = no better than a coin.",
}


@dataclass(frozen=True)
class AttacksInfo:
    """The privacy attacks' results (the ``extra`` of the ``privacy_attacks`` result).

    Attributes
    ----------
    control:
        ``"holdout"`` (the uploaded holdout), ``"split"`` (the last ``unseen_share`` of the real
        rows, which the user confirmed the generator never saw) or ``"none"`` (no attack run:
        a risk is never shown without its control).
    control_note:
        The control in a sentence, for the page and the reports.
    singling_out, linkability, inference:
        Each attack's result (None when not run); ``inference.by_secret`` holds one result per
        secret column, and ``inference`` itself is the secret with the largest risk.
    membership:
        The distance-based membership attack (None when not run).
    quasi:
        Unique exact matches and small groups on the marked quasi-identifiers (None when none
        are marked).
    max_risk, max_risk_high, max_risk_attack:
        The largest risk among the counted attacks (:meth:`counted`), the largest upper bound
        of their intervals and the attack it belongs to: the privacy score is at most
        ``1 - max_risk_high`` (NaN when no attack can show a risk).
    n_attacks:
        Attacks per kind asked for (``Options.n_attacks``).
    secrets:
        The secret columns of the inference attack, and ``secrets_note`` how they were chosen.
    notes:
        What was sampled or left out, in sentences.
    message:
        The whole result in a few sentences.
    """

    control: str = "none"
    control_note: str = ""
    singling_out: AttackResult | None = None
    linkability: AttackResult | None = None
    inference: AttackResult | None = None
    membership: Membership | None = None
    quasi: QuasiIdentifiers | None = None
    max_risk: float = math.nan
    max_risk_high: float = math.nan
    max_risk_attack: str = ""
    n_attacks: int = 0
    secrets: tuple[str, ...] = ()
    secrets_note: str = ""
    unseen_share: float = 0.0
    notes: tuple[str, ...] = ()
    message: str = ""

    def attack(self, name: str) -> AttackResult | None:
        """One of :data:`RISK_ATTACKS` by name."""
        return getattr(self, name) if name in RISK_ATTACKS else None

    def ran(self) -> list[AttackResult]:
        """The risk attacks that ran, in :data:`RISK_ATTACKS` order."""
        return [a for a in (self.attack(n) for n in RISK_ATTACKS) if a is not None]

    def counted(self) -> list[AttackResult]:
        """The attacks that ran and can show a risk (``AttackResult.informative``): these set
        ``max_risk`` and the score."""
        return [a for a in self.ran() if a.informative]


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    return None if isinstance(v, float) and not math.isfinite(v) else v


def attacks_json(found: AttacksInfo) -> dict[str, Any]:
    """``privacy.attacks``: {singling_out, linkability, inference, membership} (each None when
    not run), each {risk, interval, train_rate, control_rate, baseline_rate, n_attacks, columns,
    note}; ``inference`` adds ``by_secret``; ``membership``'s ``risk`` is its AUC. Plus
    ``control``, ``control_note``, ``max_risk``, ``max_risk_high``, ``max_risk_attack``,
    ``secrets``, ``secrets_note`` and ``notes``."""
    out: dict[str, Any] = {
        n: (a.to_dict() if (a := found.attack(n)) else None) for n in RISK_ATTACKS
    }
    m = found.membership
    out["membership"] = membership_json(m) if m is not None and m.control != "none" else None
    out.update(
        control=found.control,
        control_note=found.control_note,
        unseen_share=found.unseen_share,
        max_risk=found.max_risk,
        max_risk_high=found.max_risk_high,
        max_risk_attack=found.max_risk_attack or None,
        secrets=list(found.secrets),
        secrets_note=found.secrets_note,
        notes=list(found.notes),
        message=found.message,
    )
    return _plain(out)


def quasi_json(found: AttacksInfo) -> dict[str, Any] | None:
    """``privacy.quasi_identifiers`` (None when no quasi-identifier is marked)."""
    return None if found.quasi is None else _plain(quasi_identifiers_json(found.quasi))
