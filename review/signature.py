"""The rules a sign-off must pass before it is stored, and the words that show it.

:func:`check_sign_off` returns every refusal as a sentence a user reads (an empty list means
the sign-off may be stored). :func:`signature_words` writes the signature the way 21 CFR Part 11
asks it to be shown: the signer's name, the time and what the signature means. Waivers that
expire and due dates are judged by :func:`waiver_state` and :func:`due_state`. Nothing here
imports Streamlit.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from review.roles import Identity, can

# The policy keys (above [gates]) that set the sign-off rules.
RULE_KEYS: tuple[str, ...] = ("forbid_unverified_sign_off", "separation_of_duties",
                              "sign_off_meanings")  # fmt: skip
MAX_MEANING = 200  # a meaning is a short phrase; the comment holds the rest
MAX_MEANINGS = 50
DEFAULT_MEANINGS: tuple[str, ...] = ("approved for training models",
                                     "approved for testing and demos only")  # fmt: skip
# A rejection means one thing; the policy's meanings are for approvals.
REJECTED_MEANING = "not approved for training"


@dataclass(frozen=True)
class SignOffRules:
    """What the policy asks of a sign-off beyond its gates.

    Attributes
    ----------
    forbid_unverified:
        Typed (unverified) names may not sign off.
    separation_of_duties:
        The signer may not be the only person who reviewed the high-severity items.
    meanings:
        What a sign-off may mean, e.g. ``"approved for training model X"``; empty: any
        short phrase the signer writes.
    """

    forbid_unverified: bool = False
    separation_of_duties: bool = False
    meanings: tuple[str, ...] = ()


def read_rules(data: Mapping[str, Any], problems: list[str]) -> SignOffRules:
    """The sign-off rules in a parsed policy; each problem is appended as a sentence.

    Parameters
    ----------
    data:
        The policy's top-level TOML table (keys not in :data:`RULE_KEYS` are ignored here).
    problems:
        Collects what is wrong, in the style of :func:`review.policy.load_policy`.
    """
    flags = {}
    for key in RULE_KEYS[:2]:
        value = data.get(key, False)
        if not isinstance(value, bool):
            problems.append(f"{key} must be true or false, not {value!r}.")
            value = False
        flags[key] = value
    raw = data.get("sign_off_meanings", list(DEFAULT_MEANINGS))
    meanings: list[str] = []
    if not isinstance(raw, list) or not all(isinstance(m, str) for m in raw):
        problems.append('sign_off_meanings must be a list of phrases, e.g. ["approved for '
                        'training model X"].')  # fmt: skip
    elif len(raw) > MAX_MEANINGS:
        problems.append(f"sign_off_meanings may list at most {MAX_MEANINGS} phrases.")
    else:
        for text in (" ".join(m.split()) for m in raw):
            if not text or len(text) > MAX_MEANING:
                problems.append(f"Each sign-off meaning must be 1 to {MAX_MEANING} characters.")
            elif text not in meanings:
                meanings.append(text)
    return SignOffRules(
        forbid_unverified=flags["forbid_unverified_sign_off"],
        separation_of_duties=flags["separation_of_duties"],
        meanings=tuple(meanings),
    )


def _person_keys(text: str) -> set[str]:
    """How a recorded reviewer may name a person: ``"Ada <ada@x.org>"`` gives both parts."""
    text = text.strip()
    keys = {text.casefold()}
    if text.endswith(">") and "<" in text:
        name, _, email = text[:-1].rpartition("<")
        keys |= {name.strip().casefold(), email.strip().casefold()}
    return keys - {""}


def _same_person(identity: Identity, reviewer: str) -> bool:
    # Matching on the name as well as the email errs towards refusing: two people called Ana
    # count as one, so separation of duties is never granted by a coincidence of names.
    mine = {identity.key, " ".join(identity.name.split()).casefold()} - {""}
    return bool(mine & _person_keys(" ".join(reviewer.split())))


def check_sign_off(
    identity: Identity,
    role: str | None,
    policy_rules: SignOffRules,
    reviewers_of_high_items: Collection[str],
    meaning: str | None,
    meanings_allowed: Sequence[str] | None = None,
) -> list[str]:
    """Every reason this sign-off may not be stored, each a sentence; empty when allowed.

    Parameters
    ----------
    identity:
        The signer.
    role:
        The signer's role (:func:`review.roles.role_of`); ``None`` for no role.
    policy_rules:
        The policy's sign-off rules.
    reviewers_of_high_items:
        Who decided the run's high-severity items (names or emails, as recorded; one entry
        per decided item is enough). Empty when there are none: nothing to separate.
    meaning:
        What the signer chose this sign-off to mean.
    meanings_allowed:
        The phrases to choose from; ``None`` takes ``policy_rules.meanings``.

    Returns
    -------
    list[str]
        The refusals, in the order a user should fix them.
    """
    refusals: list[str] = []
    if not can(role, "sign_off"):
        who = f"you are a {role}" if role else "you have no role here"
        refusals.append(f"Only approvers sign off: {who}.")
    if policy_rules.forbid_unverified and not identity.verified:
        refusals.append(
            "This policy forbids sign-offs by unverified names: log in with the company account."
        )
    reviewers = [r for r in reviewers_of_high_items if r and r.strip()]
    if (
        policy_rules.separation_of_duties
        and reviewers
        and all(_same_person(identity, r) for r in reviewers)
    ):
        refusals.append(
            "Separation of duties: you reviewed every high-severity item yourself; "
            "another person must have reviewed at least one."
        )
    allowed = policy_rules.meanings if meanings_allowed is None else tuple(meanings_allowed)
    chosen = " ".join((meaning or "").split())
    if allowed and chosen not in allowed:
        refusals.append(f"Choose what this sign-off means: {_either(allowed)}.")
    elif not allowed and not chosen:
        refusals.append('Say what this sign-off means, e.g. "approved for training model X".')
    elif len(chosen) > MAX_MEANING:
        refusals.append(f"Say what this sign-off means in at most {MAX_MEANING} characters.")
    return refusals


def _either(options: Sequence[str]) -> str:
    quoted = [f'"{o}"' for o in options]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already (as SQLite returns it)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def signature_words(
    signer_name: str,
    email: str,
    verified: bool,
    when_utc: datetime,
    meaning: str,
    assessment_version: int | str,
    policy_version: int | str,
    comment: str | None = None,
    *,
    source: str | None = None,
) -> str:
    """The signature in one sentence: who, how verified, when (UTC), what it means, and on what.

    Parameters
    ----------
    signer_name, email:
        As recorded; the email may be empty.
    verified:
        Whether a login or a trusted proxy vouched for the name.
    when_utc:
        When it was signed; naive datetimes are taken as UTC.
    meaning:
        The meaning chosen, e.g. ``"approved for training model X"``.
    assessment_version, policy_version:
        The versions it was judged against.
    comment:
        The signer's free comment, if any.
    source:
        ``"proxy"`` says the company proxy vouched instead of the company login.

    Returns
    -------
    str
        E.g. ``Signed by Ada Lovelace <ada@x.org> (verified by the company login) on
        2026-11-29 14:02 UTC: approved for training model X; assessment version 3, policy
        version 2. Comment: fine.`` Line breaks inside fields become spaces.
    """
    who = _one_line(signer_name) or "(no name)"
    address = _one_line(email)
    if address and address.casefold() != who.casefold():
        who += f" <{address}>"
    if verified:
        how = (
            "verified by the company proxy"
            if source == "proxy"
            else "verified by the company login"
        )
    else:
        how = "unverified: a typed name"
    when = as_utc(when_utc).strftime("%Y-%m-%d %H:%M UTC")
    words = (
        f"Signed by {who} ({how}) on {when}: {_one_line(meaning) or '(no meaning given)'}; "
        f"assessment version {_one_line(assessment_version)}, "
        f"policy version {_one_line(policy_version)}."
    )
    said = _one_line(comment or "")
    return f"{words} Comment: {said}" if said else words


def waiver_state(
    decided_at: datetime, expires_at: datetime | None, now: datetime
) -> Literal["active", "expired"]:
    """Whether a waiver still holds: ``"expired"`` from ``expires_at`` on (inclusive).

    A waiver without an expiry never expires; one whose expiry is not after the moment it was
    given was never in force, so it is expired too. Naive datetimes are taken as UTC.
    """
    if expires_at is None:
        return "active"
    end = as_utc(expires_at)
    return "expired" if as_utc(now) >= end or end <= as_utc(decided_at) else "active"


def due_state(
    due_at: datetime | date | None, now: datetime
) -> Literal["none", "on_time", "overdue"]:
    """Whether an assignment is overdue at ``now``.

    A ``date`` is due by the end of that day in UTC; a ``datetime`` at that moment (overdue
    once it has passed). ``"none"`` when there is no due date.
    """
    if due_at is None:
        return "none"
    if isinstance(due_at, datetime):
        late = as_utc(now) > as_utc(due_at)
    else:  # the whole day is allowed: late from the next midnight (UTC) on
        late = as_utc(now) >= datetime.combine(due_at + timedelta(days=1), time(), tzinfo=UTC)
    return "overdue" if late else "on_time"
