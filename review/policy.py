"""Sign-off policy: thresholds per score family, read from TOML, and the gates they give.

A policy file has an optional ``optional_scores`` list and a ``[gates]`` table (see
``review/default_policy.toml``, which :func:`dump_policy` writes). Keys left out take the
defaults; a gate set to ``false`` is turned off.

Missing scores: a gate whose value was not computed (no utility without a target column, a
family skipped in the settings) is *not evaluated*: ``Gate.passed`` is ``None`` and the message
says why. It blocks approval unless its family is listed in ``optional_scores`` (utility by
default), so a missing score never passes silently and never blocks without saying so.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from metrics.catalogue import FAMILIES as SCORED_FAMILIES

DEFAULT_POLICY_PATH = Path(__file__).with_name("default_policy.toml")
# Every scored family of the catalogue can be gated (one list, so a new family cannot drift).
FAMILIES: tuple[str, ...] = ("overall", *SCORED_FAMILIES)
_EPS = 1e-12  # scores that equal the threshold up to float noise pass


class PolicyError(ValueError):
    """A policy the user wrote that cannot be used; the message lists every problem."""


@dataclass(frozen=True)
class GateSpec:
    """One gate a policy can set: where its value comes from and how it is compared."""

    name: str  # the key in [gates]
    label: str
    source: str  # key in ``scores`` ("min"), in ``extra`` ("max_rate"), or "open_high"
    family: str  # the score family whose absence makes the gate "not evaluated"
    kind: Literal["min", "max_rate", "max_count"]
    default: float | int
    help: str  # the comment above the key in the TOML file


GATES: tuple[GateSpec, ...] = (
    GateSpec("overall_min", "Overall score", "overall", "overall", "min", 0.80,
             "Overall score of the assessment (all families together)."),
    GateSpec("fidelity_min", "Fidelity score", "fidelity", "fidelity", "min", 0.80,
             "Fidelity: column distributions and pairwise relations match the real data."),
    GateSpec("coverage_min", "Coverage score", "coverage", "coverage", "min", 0.80,
             "Coverage: the real ranges and categories are covered, missing values as often\n"
             "as in the real data, no values the real data rules out."),
    GateSpec("detection_min", "Detection score", "detection", "detection", "min", 0.50,
             "Detection: a classifier cannot tell synthetic rows from real ones\n"
             "(1.0 = indistinguishable, 0.0 = trivially separated)."),
    GateSpec("privacy_min", "Privacy score", "privacy", "privacy", "min", 0.60,
             "Privacy: synthetic rows are not closer to the real rows than new real data is."),
    GateSpec("utility_min", "Utility score", "utility", "utility", "min", 0.70,
             "Utility: a model trained on synthetic data does about as well on real data as one\n"
             "trained on real data (TSTR / TRTR). Needs a target column."),
    GateSpec("max_open_high_findings", "Open high-severity findings", "open_high", "review",
             "max_count", 0,
             "Review: how many high-severity findings may still be open (not yet accepted,\n"
             "rejected or waived) at sign-off."),
    GateSpec("max_rejected_findings", "Rejected findings", "rejected_findings", "review",
             "max_count", 0,
             "Review: how many findings a reviewer may have rejected (\"must be fixed before\n"
             "the data is used\"). Rejected flagged rows do not count: they are left out of\n"
             "the cleaned dataset."),
    GateSpec("max_exact_copy_rate", "Exact copies of real rows", "exact_copy_rate", "privacy",
             "max_rate", 0.0,
             "Privacy: the largest share of synthetic rows that may be exact copies of real rows\n"
             "(0.0 = none; raise it for data with few, coarse columns where real rows repeat)."),
)  # fmt: skip
_SPECS = {g.name: g for g in GATES}
DEFAULT_OPTIONAL: tuple[str, ...] = ("utility",)


@dataclass(frozen=True)
class Policy:
    """Gate thresholds (``None`` = gate turned off) and the families that may be missing."""

    thresholds: dict[str, float | int | None] = field(
        default_factory=lambda: {g.name: g.default for g in GATES}
    )
    optional_scores: tuple[str, ...] = DEFAULT_OPTIONAL

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON reports and sign-off records (``None`` = gate off)."""
        return {"optional_scores": list(self.optional_scores), "gates": dict(self.thresholds)}


@dataclass(frozen=True)
class Gate:
    """The outcome of one gate for one run.

    ``passed`` is ``None`` when the gate could not be evaluated; ``blocking`` says whether
    this gate prevents approval (failed, or not evaluated for a required score).
    """

    name: str
    label: str
    threshold: float
    value: float | None
    passed: bool | None
    blocking: bool
    message: str

    @property
    def status(self) -> str:
        """``"passed"``, ``"failed"`` or ``"not evaluated"``, for display."""
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
        if key in _SPECS or difflib.get_close_matches(key, list(_SPECS), n=1):
            name = key if key in _SPECS else difflib.get_close_matches(key, list(_SPECS), n=1)[0]
            problems.append(f"'{key}' is outside [gates]: write {name} below the [gates] line.")
        elif key not in ("optional_scores", "gates"):
            problems.append(_unknown(key, ["optional_scores", "gates"], "the policy"))
    optional = data.get("optional_scores", list(DEFAULT_OPTIONAL))
    if not isinstance(optional, list) or not all(isinstance(f, str) for f in optional):
        problems.append('optional_scores must be a list of family names, e.g. ["utility"].')
        optional = list(DEFAULT_OPTIONAL)
    for family in optional:
        if family not in FAMILIES:
            problems.append(_unknown(family, FAMILIES, "optional_scores"))
    gates = data.get("gates", {})
    if not isinstance(gates, dict):
        problems.append("gates must be a table: put the thresholds under a [gates] line.")
        gates = {}
    thresholds: dict[str, float | int | None] = {g.name: g.default for g in GATES}
    for key, value in gates.items():
        spec = _SPECS.get(key)
        if key == "optional_scores":
            problems.append("optional_scores must come before the [gates] line.")
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
    return Policy(thresholds, tuple(dict.fromkeys(optional)))


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


def _pair(value: float, threshold: float, scale: float = 1.0, unit: str = "") -> tuple[str, str]:
    """Format value and threshold with enough decimals that a failing pair never looks equal."""
    for digits in range(2, 7):
        a, b = f"{value * scale:.{digits}f}{unit}", f"{threshold * scale:.{digits}f}{unit}"
        if a != b or abs(value - threshold) <= _EPS:
            return a, b
    return a, b


def evaluate(
    policy: Policy,
    scores: Mapping[str, float | None],
    open_high: int,
    extra: Mapping[str, Any] | None = None,
    reasons: Mapping[str, str] | None = None,
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
        Other measured values, e.g. ``{"exact_copy_rate": 0.0, "rejected_findings": 1}``
        (a count left out is 0).
    reasons:
        Family -> why it was not computed (``{"utility": "no target column chosen"}``),
        shown in the message of a gate that cannot be evaluated.
    """
    extra, reasons = extra or {}, reasons or {}
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
            gates.append(_not_evaluated(spec, float(threshold), policy, reasons))
            continue
        passed = value >= threshold - _EPS if spec.kind == "min" else value <= threshold + _EPS
        gates.append(
            Gate(
                spec.name,
                spec.label,
                float(threshold),
                value,
                passed,
                not passed,
                _message(spec, value, float(threshold), passed),
            )  # fmt: skip
        )
    return gates


def _number(raw: Any) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _not_evaluated(
    spec: GateSpec, threshold: float, policy: Policy, reasons: Mapping[str, str]
) -> Gate:
    optional = spec.family in policy.optional_scores
    why = reasons.get(spec.family) or reasons.get(spec.source)
    text = f"{spec.label} was not computed" + (f" ({why})" if why else "")
    if optional:
        text += f", so this gate was not evaluated; the policy lists {spec.family} as optional."
    else:
        text += (
            ", so this gate was not evaluated and approval is blocked. Compute it, or turn the "
            f"gate off with {spec.name} = false."
        )
    return Gate(spec.name, spec.label, threshold, None, None, not optional, text)


def _message(spec: GateSpec, value: float, threshold: float, passed: bool) -> str:
    if spec.kind == "min":
        v, t = _pair(value, threshold)
        verdict = "meets the minimum of" if passed else "is below the minimum of"
        return f"{spec.label} {v} {verdict} {t}."
    if spec.kind == "max_rate":
        v, t = _pair(value, threshold, 100.0, "%")
        verdict = "within the maximum of" if passed else "above the maximum of"
        return f"{v} of synthetic rows are exact copies of real rows, {verdict} {t}."
    count = int(value)
    allowed = int(threshold)
    if spec.source == "rejected_findings":
        if count == 0:
            return "No findings were rejected."
        noun = "finding was" if count == 1 else "findings were"
        return f"{count} {noun} rejected by a reviewer; at most {allowed} may be" + (
            "."
            if passed
            else ": fix the synthetic data and assess it again, or change the "
            "decision on the Review page."
        )
    if count == 0:
        return "No high-severity findings are open."
    noun = "finding is" if count == 1 else "findings are"
    limit = f"at most {allowed} may be open at sign-off"
    return f"{count} high-severity {noun} still open; {limit}" + (
        "." if passed else ", so review them first."
    )


def blocking(gates: Sequence[Gate]) -> list[Gate]:
    """The gates that prevent approval (failed, or not evaluated for a required score)."""
    return [g for g in gates if g.blocking]


def gates_pass(gates: Sequence[Gate]) -> bool:
    """True when no gate blocks approval: the CLI exits 0 on this, 1 otherwise."""
    return not blocking(gates)


def _toml_value(value: float | int | None) -> str:
    if value is None:
        return "false"
    if isinstance(value, int):
        return str(value)
    text = f"{value:.2f}"
    return text if float(text) == value else repr(float(value))


def dump_policy(policy: Policy) -> str:
    """The policy as commented TOML, for the editable page and ``default_policy.toml``."""
    families = ", ".join(f'"{f}"' for f in policy.optional_scores)
    lines = [
        "# SynthLens sign-off policy.",
        "#",
        "# A run can be approved only when every gate below passes. The Sign-off page and",
        "# `python cli.py report --policy FILE` read this file. Scores are between 0 and 1,",
        "# higher is better. Turn a gate off with false, e.g. utility_min = false.",
        "# Keys left out take SynthLens' defaults.",
        "",
        "# Score families that may be missing without blocking approval: their gates show as",
        '# "not evaluated" with the reason. Any other missing score blocks approval.',
        "# Utility needs a target column, so it is optional by default.",
        f"optional_scores = [{families}]",
        "",
        "[gates]",
    ]
    for spec in GATES:
        lines += [f"# {line}" for line in spec.help.splitlines()]
        lines += [
            f"{spec.name} = {_toml_value(policy.thresholds.get(spec.name, spec.default))}",
            "",
        ]
    return "\n".join(lines[:-1]) + "\n"
