"""Gates for a whole assessment, and gates and policies as plain data for reports.

The bridge between a metrics ``Assessment`` and :func:`review.policy.evaluate`, shared by the CLI
(``--policy``) and the Sign-off page. Duck-typed, so ``review`` does not import ``metrics``.
"""

from __future__ import annotations

from typing import Any

from review.gate_specs import ATTACKS
from review.policy import GATES, Gate, Policy, evaluate

_KINDS = {spec.name: spec.kind for spec in GATES}
# Gate source -> the attribute of the privacy attacks' ``extra`` (``AttacksInfo``) holding an
# attack result with ``risk`` and ``interval``; the membership attack has ``auc`` instead.
ATTACK_RISKS = {
    "singling_out_risk": "singling_out",
    "linkability_risk": "linkability",
    "inference_risk": "inference",
}
MEMBERSHIP_AUC = "membership_auc"


def _reason(text: str) -> str:
    """The first sentence of an error, to sit in brackets after "... was not computed"."""
    first = text.strip().split(". ")[0].rstrip(".")
    # "No privacy attack was run: ..." reads on as "(no privacy attack ...)"; an acronym stays.
    return first[:1].lower() + first[1:] if first[1:2].islower() else first


def attack_values(assessment: Any) -> dict[str, tuple[float | None, Any, str | None]]:
    """Gate source -> ``(value, interval, why)`` of the privacy attacks' gates.

    ``value`` is an attack's risk, or the membership AUC; ``why`` is set (and ``value`` None)
    when it was not computed: no ``privacy_attacks`` result, a result with an ``error`` (no
    control: a risk is never shown without one), or an attack that did not run.
    """
    result = (getattr(assessment, "results", None) or {}).get(ATTACKS)
    sources = [*ATTACK_RISKS, MEMBERSHIP_AUC]
    if result is None:
        return dict.fromkeys(sources, (None, None, "the privacy attacks were not run"))
    if error := getattr(result, "error", None):
        return dict.fromkeys(sources, (None, None, _reason(str(error))))
    found = getattr(result, "extra", None)
    out: dict[str, tuple[float | None, Any, str | None]] = {}
    for source, attr in ATTACK_RISKS.items():
        attack = getattr(found, attr, None)
        if attack is None:
            out[source] = (None, None, "this attack did not run")
        elif getattr(attack, "informative", True) is False:
            # Control records guessed right nearly always: its interval spans [0, 1] whatever
            # the synthetic data does, so it can neither pass nor fail (choose other secrets).
            why = "control records are guessed right too often for this attack to show a risk"
            out[source] = (None, None, why)
        else:
            out[source] = (getattr(attack, "risk", None), getattr(attack, "interval", None), None)
    member = getattr(found, "membership", None)
    interval = getattr(member, "interval", None)
    if member is None or interval is None:  # no AUC without control rows (its note says why)
        note = getattr(member, "note", "") or "the membership attack did not run"
        out[MEMBERSHIP_AUC] = (None, None, _reason(str(note)))
    else:
        out[MEMBERSHIP_AUC] = (getattr(member, "auc", None), interval, None)
    return out


def open_high_findings(assessment: Any) -> int:
    """High-severity findings of an assessment: all of them are open before any review."""
    return sum(1 for f in getattr(assessment, "findings", ()) if f.severity == "high")


def assessment_extra(assessment: Any) -> dict[str, Any]:
    """The measured values gates read besides the scores (``exact_copy_rate``, the attacks'
    risks and the membership AUC)."""
    privacy = (getattr(assessment, "results", None) or {}).get("privacy")
    # The privacy result's typed ``extra`` (``PrivacyInfo``), read by attribute: a failed or
    # missing result gives None or NaN, which the gate reports as not computed.
    found = getattr(privacy, "extra", None)
    attacks = {source: value for source, (value, _, _) in attack_values(assessment).items()}
    return {"exact_copy_rate": getattr(found, "exact_copy_rate", None), **attacks}


# The privacy result's attribute with the interval of the exact-copy rate (Wilson, from the
# privacy metric); without it the copy gate decides on the rate itself.
COPY_RATE_INTERVAL = "exact_copy_rate_interval"


def assessment_intervals(assessment: Any) -> dict[str, Any]:
    """Family (and ``"overall"``, ``"exact_copy_rate"``, the attack gates' sources) ->
    ``(low, high)`` of the values the gates compare; a value without one is left out (its gate
    decides on the estimate)."""
    intervals: dict[str, Any] = dict(getattr(assessment, "intervals", None) or {})
    privacy = (getattr(assessment, "results", None) or {}).get("privacy")
    copy_interval = getattr(getattr(privacy, "extra", None), COPY_RATE_INTERVAL, None)
    if copy_interval is not None:
        intervals["exact_copy_rate"] = copy_interval
    for source, (_, interval, _) in attack_values(assessment).items():
        if interval is not None:
            intervals[source] = interval
    return intervals


def assessment_reasons(assessment: Any) -> dict[str, str]:
    """Family -> why its score is missing: the first error of its metrics, else a hint; and
    each attack gate's source -> why its value is missing."""
    reasons: dict[str, str] = {}
    for res in (getattr(assessment, "results", None) or {}).values():
        # A metric's error, or why its computed score is kept out (a target at chance...).
        why = getattr(res, "error", None) or getattr(res, "excluded", None)
        if why and res.family not in reasons:
            reasons[res.family] = str(why)
    options = getattr(assessment, "options", None)
    if "utility" not in reasons and getattr(options, "target", "") is None:
        reasons["utility"] = "no target column chosen"
    reasons.update({s: why for s, (_, _, why) in attack_values(assessment).items() if why})
    return reasons


def assessment_kept_out(assessment: Any) -> set[str]:
    """Families with a computed score that its metric keeps out (and no other score)."""
    results = (getattr(assessment, "results", None) or {}).values()
    scores = getattr(assessment, "scores", None) or {}
    return {r.family for r in results
            if getattr(r, "excluded", None) and not getattr(r, "error", None)
            and r.family not in scores}  # fmt: skip


def evaluate_assessment(
    policy: Policy, assessment: Any, open_high: int | None = None, rejected: int = 0
) -> list[Gate]:
    """:func:`evaluate` on an assessment-like object, as the CLI and the Sign-off page use it.

    Parameters
    ----------
    assessment:
        Anything with ``scores`` (family -> score), ``findings`` (objects with ``severity``)
        and ``results`` (name -> object with ``family``, ``error``, ``excluded``, ``extra``);
        the privacy result's ``extra.exact_copy_rate`` feeds the copy gate, the
        ``privacy_attacks`` result's ``extra`` the attack gates (:func:`attack_values`). Optional:
        ``intervals`` (family -> (low, high)), ``extra.exact_copy_rate_interval`` and
        ``options.confidence``, with which the gates decide (see :mod:`review.policy`).
    open_high:
        High-severity findings still open after review; ``None`` (no review, as in the CLI)
        counts every high-severity finding as open.
    rejected:
        Findings a reviewer rejected (0 before any review).
    """
    if open_high is None:
        open_high = open_high_findings(assessment)
    return evaluate(
        policy,
        dict(getattr(assessment, "scores", None) or {}),
        open_high,
        assessment_extra(assessment) | {"rejected_findings": rejected},
        assessment_reasons(assessment),
        assessment_intervals(assessment),
        float(getattr(getattr(assessment, "options", None), "confidence", 0.95)),
        assessment_kept_out(assessment),
    )


def policy_dict(policy: Policy) -> dict[str, Any]:
    """The policy as plain data for reports and sign-off records (``None`` = gate off)."""
    return policy.to_dict()


def gate_dict(gate: Gate) -> dict[str, Any]:
    """One gate as plain data, with its display ``status`` (passed, failed, undecided, not
    evaluated) and the ``interval`` ``[low, high]`` of its value (``None`` when it has none).

    ``kind`` is ``"min"`` (a score), ``"max_rate"`` (a share, shown as a percentage),
    ``"max_value"`` (an attack's risk or AUC, shown as a number) or ``"max_count"``; the threshold
    and value of a count gate are whole numbers, so reports print ``1``, never ``1.000``.
    """
    kind = _KINDS.get(gate.name, "min")
    threshold, value = gate.threshold, gate.value
    if kind == "max_count":
        threshold = int(round(threshold))
        value = None if value is None else int(round(value))
    return {
        "name": gate.name,
        "label": gate.label,
        "kind": kind,
        "threshold": threshold,
        "value": value,
        "interval": None if gate.interval is None else [*gate.interval],
        "passed": gate.passed,
        "blocking": gate.blocking,
        "status": gate.status,
        "message": gate.message,
    }
