"""Sign-off policy: thresholds per score family, read from TOML, and the gates they give.

A policy file has optional ``optional_scores``, ``decide_on`` and ``allow_undecided`` keys and
a ``[gates]`` table (see ``review/default_policy.toml``, which :func:`dump_policy` writes). Keys
left out take the defaults; a gate set to ``false`` is turned off.

Missing scores: a gate whose value was not computed (no utility without a target column, a
family skipped in the settings, a utility score its metric kept out because the real data
does not beat chance) is *not evaluated*: ``Gate.passed`` is ``None`` and the message says why.
It blocks approval unless its family is listed in ``optional_scores`` (utility by default), so
a missing score never passes silently and never blocks without saying so. The privacy attacks'
gates (``max_singling_out_risk``, ``max_linkability_risk``, ``max_inference_risk``,
``max_membership_auc``) are not evaluated when the attacks did not run (no holdout and no real
rows confirmed unseen: no control); ``optional_scores = [..., "privacy_attacks"]`` lets such a
run be approved.

Deciding with the interval (:func:`review.deciding.decide`). A score gate compares a value
``v`` with its threshold ``t``: a ``min`` gate passes when ``v >= t``, the exact-copy gate
(``max_rate``) and the attack gates (``max_value``: a risk, a membership AUC) when ``v <= t``
(all up to float noise). When ``v`` has an interval
``[low, high]`` (the assessment's 95% interval), let the *span* be
``[min(low, v), max(high, v)]``; it is the interval itself unless a skewed bootstrap left the
estimate outside it, and then the estimate must not decide alone.

* ``decide_on = "estimate"`` (the default): the gate is UNDECIDED when ``t`` lies strictly
  inside the span (``span_low < t < span_high``): values on both sides of the threshold are
  within the uncertainty, so 0.79 and 0.81 are not told apart, whichever the estimate is.
  Otherwise the span lies on one side of ``t`` (it may touch it) and the estimate decides, as
  it always did. So a straddle is never reported as passed or failed.
* ``decide_on = "bound"``: the unfavourable end of the span decides (``span_low`` for a
  ``min`` gate, ``span_high`` for a ``max_rate`` or ``max_value`` gate): passed when it clears ``t``, failed
  otherwise, never undecided. The policy writer asked the data to prove it clears the
  threshold, so a straddle is a failure there and ``allow_undecided`` has nothing to accept.
* A threshold at the end of the scale (``max_exact_copy_rate = 0``, a minimum of 1) is decided
  by the estimate in both modes: no interval on a rate reaches down to exactly 0, yet "no
  exact copy" is a question the synthetic rows at hand answer by their count. An attack's
  risk of 0 is not: it is estimated from sampled attacks, so its interval counts as usual
  (an attack gate passes when the upper bound is at most ``t``, fails when the lower bound
  is above it, and is undecided, or failed under ``"bound"``, in between).
* Gates without an interval, and the count gates (findings), decide on the value as before.

An undecided gate has ``passed = None`` and ``status == "undecided"``; it blocks approval
unless the policy sets ``allow_undecided = true``.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from metrics.catalogue import FAMILIES as SCORED_FAMILIES
from review import gate_words
from review.deciding import DECIDE_ON, EPS, clean_interval, decide
from review.gate_specs import ATTACKS, GATES, GateSpec  # GATES is also imported from here
from review.policy_file import dump_policy as dump_policy  # also imported from here
from review.signature import DEFAULT_MEANINGS, RULE_KEYS, SignOffRules, read_rules

DEFAULT_POLICY_PATH = Path(__file__).with_name("default_policy.toml")
# Every scored family of the catalogue can be gated (one list, so a new family cannot drift).
FAMILIES: tuple[str, ...] = ("overall", *SCORED_FAMILIES)
# What optional_scores may name: the score families and the privacy attacks' gates as a group.
OPTIONAL_NAMES: tuple[str, ...] = (*FAMILIES, ATTACKS)
_EPS = EPS  # scores that equal the threshold up to float noise pass
# The keys above [gates]: policy-wide settings, not thresholds.
SETTINGS: tuple[str, ...] = ("optional_scores", "decide_on", "allow_undecided", *RULE_KEYS)


class PolicyError(ValueError):
    """A policy the user wrote that cannot be used; the message lists every problem."""


_SPECS = {g.name: g for g in GATES}
DEFAULT_OPTIONAL: tuple[str, ...] = ("utility",)


@dataclass(frozen=True)
class Policy:
    """Gate thresholds (``None`` = gate turned off) and the families that may be missing."""

    thresholds: dict[str, float | int | None] = field(
        default_factory=lambda: {g.name: g.default for g in GATES}
    )
    optional_scores: tuple[str, ...] = DEFAULT_OPTIONAL
    # What a score gate compares with its threshold: the estimate (a straddling interval makes
    # the gate undecided) or the interval's unfavourable bound. See the module docstring.
    decide_on: Literal["estimate", "bound"] = "estimate"
    allow_undecided: bool = False  # True: an undecided gate does not block approval
    # Who may sign and what a signature may mean (review/signature.py).
    sign_off: SignOffRules = field(default_factory=lambda: SignOffRules(meanings=DEFAULT_MEANINGS))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON reports and sign-off records (``None`` = gate off)."""
        return {
            "optional_scores": list(self.optional_scores),
            "decide_on": self.decide_on,
            "allow_undecided": self.allow_undecided,
            "forbid_unverified_sign_off": self.sign_off.forbid_unverified,
            "separation_of_duties": self.sign_off.separation_of_duties,
            "sign_off_meanings": list(self.sign_off.meanings),
            "gates": dict(self.thresholds),
        }


@dataclass(frozen=True)
class Gate:
    """The outcome of one gate for one run.

    ``passed`` is ``None`` when the gate could not be evaluated or is undecided (its interval
    straddles the threshold); ``blocking`` says whether this gate prevents approval (failed,
    undecided unless the policy allows it, or not evaluated for a required score).
    """

    name: str
    label: str
    threshold: float
    value: float | None
    passed: bool | None
    blocking: bool
    message: str
    interval: tuple[float, float] | None = None  # of the value, when it has one
    undecided: bool = False

    @property
    def status(self) -> str:
        """``"passed"``, ``"failed"``, ``"undecided"`` or ``"not evaluated"``, for display."""
        if self.undecided:
            return "undecided"
        return {True: "passed", False: "failed", None: "not evaluated"}[self.passed]


def default_policy() -> Policy:
    return Policy()


def load_policy(source: str | Path | None = None) -> Policy:
    """Read a policy from TOML text or a file; missing keys take the defaults.

    Parameters
    ----------
    source:
        ``None`` for the defaults; a ``Path``; or a string, read as TOML text when it contains a
        newline, ``=`` or ``[`` (or is blank), otherwise as a file path.

    Raises
    ------
    PolicyError
        Unreadable file, invalid TOML, unknown keys or out-of-range values, all listed.
    """
    if source is None:
        return default_policy()
    if isinstance(source, Path) or not (source.strip() == "" or any(c in source for c in "\n=[")):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"Cannot read the policy file {path}: {exc}") from exc
    else:
        text = source
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"The policy is not valid TOML: {exc}") from exc
    return _from_dict(data)


def _unknown(key: str, known: Sequence[str], where: str) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else f" Known keys: {', '.join(known)}."
    return f"Unknown key '{key}' in {where}.{hint}"


def _from_dict(data: Mapping[str, Any]) -> Policy:
    problems: list[str] = []
    for key in data:
        if key in SETTINGS or key == "gates":
            continue
        if key in _SPECS or difflib.get_close_matches(key, list(_SPECS), n=1):
            name = key if key in _SPECS else difflib.get_close_matches(key, list(_SPECS), n=1)[0]
            problems.append(f"'{key}' is outside [gates]: write {name} below the [gates] line.")
        else:
            problems.append(_unknown(key, [*SETTINGS, "gates"], "the policy"))
    optional = data.get("optional_scores", list(DEFAULT_OPTIONAL))
    if not isinstance(optional, list) or not all(isinstance(f, str) for f in optional):
        problems.append('optional_scores must be a list of family names, e.g. ["utility"].')
        optional = list(DEFAULT_OPTIONAL)
    for family in optional:
        if family not in OPTIONAL_NAMES:
            problems.append(_unknown(family, OPTIONAL_NAMES, "optional_scores"))
    decide_on, allow_undecided = _decision_settings(data, problems)
    rules = read_rules(data, problems)
    gates = data.get("gates", {})
    if not isinstance(gates, dict):
        problems.append("gates must be a table: put the thresholds under a [gates] line.")
        gates = {}
    thresholds: dict[str, float | int | None] = {g.name: g.default for g in GATES}
    for key, value in gates.items():
        spec = _SPECS.get(key)
        if key in SETTINGS:
            problems.append(f"{key} must come before the [gates] line.")
            continue
        if spec is None:
            problems.append(_unknown(key, list(_SPECS), "[gates]"))
            continue
        problem = _check_value(spec, value)
        if problem:
            problems.append(problem)
        else:
            thresholds[key] = None if value is False else value
    if problems:
        raise PolicyError("The policy has problems:\n" + "\n".join(f"- {p}" for p in problems))
    return Policy(thresholds, tuple(dict.fromkeys(optional)), decide_on, allow_undecided, rules)


def _decision_settings(
    data: Mapping[str, Any], problems: list[str]
) -> tuple[Literal["estimate", "bound"], bool]:
    """``decide_on`` and ``allow_undecided``, checked (a problem is added, the default kept)."""
    decide_on = data.get("decide_on", "estimate")
    if decide_on not in DECIDE_ON:
        allowed = " or ".join(f'"{d}"' for d in DECIDE_ON)
        problems.append(
            f"decide_on must be {allowed} (got {decide_on!r}): "
            '"estimate" compares the score itself and calls a gate undecided when its interval '
            'straddles the threshold; "bound" compares the unfavourable end of the interval.'
        )
        decide_on = "estimate"
    allow = data.get("allow_undecided", False)
    if not isinstance(allow, bool):
        problems.append(f"allow_undecided must be true or false (got {allow!r}).")
        allow = False
    return decide_on, allow


def _check_value(spec: GateSpec, value: Any) -> str | None:
    if value is False:
        return None
    if value is True:
        return f"{spec.name} = true has no meaning: give a number, or false to turn it off."
    if spec.kind == "max_count":
        if not isinstance(value, int) or value < 0:
            return f"{spec.name} must be a whole number of 0 or more (got {value!r})."
        return None
    if not isinstance(value, int | float) or math.isnan(value) or not 0 <= value <= 1:
        return f"{spec.name} must be a number between 0 and 1 (got {value!r})."
    return None


# long: the parameters' docstring; the loop is 30 lines.
def evaluate(
    policy: Policy,
    scores: Mapping[str, float | None],
    open_high: int,
    extra: Mapping[str, Any] | None = None,
    reasons: Mapping[str, str] | None = None,
    intervals: Mapping[str, Any] | None = None,
    confidence: float = 0.95,
    kept_out: Collection[str] = (),
) -> list[Gate]:
    """Check each gate of ``policy`` that is turned on against a run.

    Parameters
    ----------
    scores:
        Family -> score in [0, 1] (``overall``, ``fidelity``, ``detection``, ``privacy``,
        ``utility``); missing, ``None`` or NaN means not computed.
    open_high:
        Number of high-severity review items still open.
    extra:
        Other measured values, e.g. ``{"exact_copy_rate": 0.0, "rejected_findings": 1,
        "singling_out_risk": 0.02, "membership_auc": 0.51}`` (a count left out is 0; a rate,
        risk or AUC left out is not evaluated).
    reasons:
        Family -> why it was not computed (``{"utility": "no target column chosen"}``),
        shown in the message of a gate that cannot be evaluated; a gate's ``source`` key
        (``"singling_out_risk"``) is looked up before its family.
    intervals:
        Family (or an ``extra`` key) -> ``(low, high)`` of that value. A value without a
        usable interval decides on its estimate; see the module docstring for the rule.
    confidence:
        The level of the intervals, for the words ("95% interval").
    kept_out:
        Families whose score was computed but kept out by its metric (a utility target at
        chance): their gate is not evaluated, and says "kept out" rather than "not computed".
    """
    extra, reasons, intervals = extra or {}, reasons or {}, intervals or {}
    gates: list[Gate] = []
    for spec in GATES:
        threshold = policy.thresholds.get(spec.name, spec.default)
        if threshold is None:
            continue
        if spec.source == "open_high":
            raw: Any = open_high
        elif spec.kind == "min":
            raw = scores.get(spec.source)
        else:  # a count nobody supplied (no review yet) is 0; a missing rate is unknown
            raw = extra.get(spec.source, 0 if spec.kind == "max_count" else None)
        value = _number(raw)
        if value is None:
            gates.append(_not_evaluated(spec, float(threshold), policy, reasons, kept_out))
        elif spec.kind == "max_count":
            passed = value <= threshold + _EPS
            message = gate_words.count_message(spec, value, float(threshold), passed)
            gates.append(
                Gate(spec.name, spec.label, float(threshold), value, passed, not passed, message)
            )
        else:
            gates.append(_score_gate(spec, value, float(threshold), policy, intervals, confidence))
    return gates


def _score_gate(
    spec: GateSpec,
    value: float,
    threshold: float,
    policy: Policy,
    intervals: Mapping[str, Any],
    confidence: float,
) -> Gate:
    """A ``min`` or ``max_rate`` gate, decided with the value's interval when it has one."""
    interval = clean_interval(intervals.get(spec.source))
    decision = decide(spec.kind, value, interval, threshold, policy.decide_on)
    message = gate_words.score_message(
        spec, value, threshold, decision, interval, confidence=confidence,
        decide_on=policy.decide_on, allow_undecided=policy.allow_undecided,
    )  # fmt: skip
    blocks = decision.passed is False or (decision.undecided and not policy.allow_undecided)
    return Gate(spec.name, spec.label, threshold, value, decision.passed, blocks, message,
                interval, decision.undecided)  # fmt: skip


def _number(raw: Any) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _not_evaluated(
    spec: GateSpec,
    threshold: float,
    policy: Policy,
    reasons: Mapping[str, str],
    kept_out: Collection[str],
) -> Gate:
    optional = spec.family in policy.optional_scores
    # The gate's own reason first: an attack that did not run says why, whatever else the
    # privacy family reports.
    why = reasons.get(spec.source) or reasons.get(spec.family)
    text = gate_words.not_evaluated_message(spec, optional, why, spec.source in kept_out)
    return Gate(spec.name, spec.label, threshold, None, None, not optional, text)


def blocking(gates: Sequence[Gate]) -> list[Gate]:
    """The gates that prevent approval: failed, undecided (unless the policy allows it), or
    not evaluated for a required score."""
    return [g for g in gates if g.blocking]


def gates_pass(gates: Sequence[Gate]) -> bool:
    """True when no gate blocks approval: the CLI exits 0 on this, 1 otherwise."""
    return not blocking(gates)
