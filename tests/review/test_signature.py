"""Sign-off rules (roles, unverified names, separation of duties, meanings), the signature's
words, and the time rules for waivers and due dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from review.roles import Identity
from review.signature import (
    DEFAULT_MEANINGS,
    SignOffRules,
    check_sign_off,
    due_state,
    read_rules,
    signature_words,
    waiver_state,
)

ADA = Identity(name="Ada Lovelace", email="ada@x.org", verified=True, source="oidc")
TYPED = Identity.typed("Ada Lovelace")
MODEL_X = "approved for training model X"
STRICT = SignOffRules(forbid_unverified=True, separation_of_duties=True, meanings=(MODEL_X,))
ONLY_APPROVERS = "Only approvers sign off: you are a reviewer."
UNVERIFIED = "This policy forbids sign-offs by unverified names: log in with the company account."
SEPARATION = (
    "Separation of duties: you reviewed every high-severity item yourself; "
    "another person must have reviewed at least one."
)


def test_an_approver_who_meets_every_rule_may_sign():
    assert check_sign_off(ADA, "approver", STRICT, ["Grace", "ada@x.org"], MODEL_X) == []
    assert check_sign_off(ADA, "admin", STRICT, [], MODEL_X) == []


@pytest.mark.parametrize(
    ("role", "sentence"),
    [
        ("reviewer", ONLY_APPROVERS),
        ("viewer", "Only approvers sign off: you are a viewer."),
        (None, "Only approvers sign off: you have no role here."),
    ],
)
def test_only_approvers_sign_off(role, sentence):
    assert check_sign_off(ADA, role, SignOffRules(), [], "ok") == [sentence]


def test_an_unverified_name_is_refused_only_when_the_policy_forbids_it():
    assert check_sign_off(TYPED, "approver", STRICT, [], MODEL_X) == [UNVERIFIED]
    assert check_sign_off(TYPED, "approver", SignOffRules(), [], "ok") == []


@pytest.mark.parametrize(
    ("reviewers", "refused"),
    [
        (["ada@x.org", "ada@x.org"], True),  # every high item by the signer
        (["ADA@X.ORG"], True),  # emails in any case
        (["Ada Lovelace"], True),  # recorded by name
        (["  ada   lovelace "], True),  # spacing and case do not hide the signer
        (["Ada Lovelace <ada@x.org>"], True),
        (["ada@x.org", "grace@x.org"], False),  # another person reviewed one
        (["Grace Hopper <grace@x.org>"], False),
        ([], False),  # no high-severity item decided: nothing to separate
        (["", "  "], False),
    ],
)
def test_separation_of_duties(reviewers, refused):
    rules = SignOffRules(separation_of_duties=True)
    assert check_sign_off(ADA, "approver", rules, reviewers, "ok") == (
        [SEPARATION] if refused else []
    )


def test_separation_of_duties_is_off_unless_the_policy_asks():
    assert check_sign_off(ADA, "approver", SignOffRules(), ["ada@x.org"], "ok") == []


def test_the_meaning_must_be_one_the_policy_lists():
    rules = SignOffRules(meanings=(MODEL_X, "approved for sharing"))
    choose = (
        'Choose what this sign-off means: "approved for training model X" or '
        '"approved for sharing".'
    )
    assert check_sign_off(ADA, "approver", rules, [], "approved for everything") == [choose]
    assert check_sign_off(ADA, "approver", rules, [], None) == [choose]
    assert check_sign_off(ADA, "approver", rules, [], f"  {MODEL_X}\n") == []
    # meanings_allowed, when given, is the list to choose from.
    assert check_sign_off(ADA, "approver", rules, [], "other", ["other"]) == []


def test_without_a_list_any_short_meaning_will_do_but_not_none():
    assert check_sign_off(ADA, "approver", SignOffRules(), [], "fit for the pilot") == []
    assert check_sign_off(ADA, "approver", SignOffRules(), [], " ") == [
        'Say what this sign-off means, e.g. "approved for training model X".'
    ]
    assert "at most 200" in check_sign_off(ADA, "approver", SignOffRules(), [], "x" * 201)[0]


def test_every_refusal_is_listed_in_the_order_to_fix_them():
    assert check_sign_off(TYPED, "reviewer", STRICT, ["Ada Lovelace"], "") == [
        ONLY_APPROVERS,
        UNVERIFIED,
        SEPARATION,
        'Choose what this sign-off means: "approved for training model X".',
    ]


def test_read_rules_takes_the_policy_keys_and_defaults():
    problems: list[str] = []
    rules = read_rules(
        {
            "forbid_unverified_sign_off": True,
            "separation_of_duties": True,
            "sign_off_meanings": [MODEL_X, "  approved  for sharing ", MODEL_X],
        },
        problems,
    )
    assert problems == []
    assert rules == SignOffRules(True, True, (MODEL_X, "approved for sharing"))
    assert read_rules({}, problems) == SignOffRules(meanings=DEFAULT_MEANINGS) and problems == []


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"forbid_unverified_sign_off": "yes"}, "must be true or false"),
        ({"separation_of_duties": 1}, "must be true or false"),
        ({"sign_off_meanings": "approved"}, "must be a list of phrases"),
        ({"sign_off_meanings": [1]}, "must be a list of phrases"),
        ({"sign_off_meanings": [""]}, "1 to 200 characters"),
        ({"sign_off_meanings": ["x" * 201]}, "1 to 200 characters"),
        ({"sign_off_meanings": ["x"] * 51}, "at most 50"),
    ],
)
def test_read_rules_reports_bad_values(data, problem):
    problems: list[str] = []
    rules = read_rules(data, problems)
    assert (rules.forbid_unverified, rules.separation_of_duties) == (False, False)
    assert len(problems) == 1 and problem in problems[0]


WHEN = datetime(2026, 11, 29, 14, 2, 59, tzinfo=UTC)


def test_signature_words_name_the_signer_time_meaning_and_versions():
    assert signature_words("Ada Lovelace", "ada@x.org", True, WHEN, MODEL_X, 3, 2, "Fine.") == (
        "Signed by Ada Lovelace <ada@x.org> (verified by the company login) on "
        "2026-11-29 14:02 UTC: approved for training model X; assessment version 3, "
        "policy version 2. Comment: Fine."
    )


def test_signature_words_for_a_typed_name_a_proxy_and_no_comment():
    typed = signature_words("Ada", "", False, WHEN, "ok", "3", "2", None)
    assert typed == (
        "Signed by Ada (unverified: a typed name) on 2026-11-29 14:02 UTC: ok; "
        "assessment version 3, policy version 2."
    )
    proxy = signature_words("ada@x.org", "ADA@x.org", True, WHEN, "ok", 1, 1, "  ", source="proxy")
    assert proxy.startswith("Signed by ada@x.org (verified by the company proxy) on")
    assert proxy.endswith("policy version 1.")


def test_signature_words_keep_one_line_and_read_times_as_utc():
    naive = datetime(2026, 11, 29, 14, 2)
    plus_two = datetime(2026, 11, 29, 16, 2, tzinfo=timezone(timedelta(hours=2)))
    for when in (naive, plus_two):
        words = signature_words("Ada\nLovelace", "ada@x.org", True, when, "ok\n", 3, 2, "a\n\nb")
        assert "\n" not in words
        assert "Ada Lovelace <ada@x.org>" in words and "on 2026-11-29 14:02 UTC: ok;" in words
        assert words.endswith("Comment: a b")


GIVEN = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expires_at", "now", "state"),
    [
        (None, GIVEN + timedelta(days=3650), "active"),  # no expiry: holds until changed
        (GIVEN + timedelta(days=30), GIVEN + timedelta(days=29), "active"),
        (GIVEN + timedelta(days=30), GIVEN + timedelta(days=30), "expired"),  # at the moment
        (GIVEN + timedelta(days=30), GIVEN + timedelta(days=31), "expired"),
        (GIVEN, GIVEN - timedelta(days=1), "expired"),  # expired as it was given
        (GIVEN - timedelta(days=1), GIVEN - timedelta(days=2), "expired"),
    ],
)
def test_waiver_state(expires_at, now, state):
    assert waiver_state(GIVEN, expires_at, now) == state


def test_waiver_state_mixes_naive_utc_and_aware_times():
    naive_expiry = datetime(2026, 12, 1, 9, 0)  # as SQLite hands it back
    assert waiver_state(GIVEN, naive_expiry, datetime(2026, 12, 1, 8, 59, tzinfo=UTC)) == "active"
    cet = timezone(timedelta(hours=1))
    assert waiver_state(GIVEN, naive_expiry, datetime(2026, 12, 1, 10, 0, tzinfo=cet)) == "expired"


@pytest.mark.parametrize(
    ("due_at", "now", "state"),
    [
        (None, GIVEN, "none"),
        (GIVEN, GIVEN, "on_time"),  # due at this moment: not yet late
        (GIVEN, GIVEN + timedelta(seconds=1), "overdue"),
        (date(2026, 11, 1), datetime(2026, 11, 1, 23, 59, 59, tzinfo=UTC), "on_time"),
        (date(2026, 11, 1), datetime(2026, 11, 2, tzinfo=UTC), "overdue"),
        (date(2026, 11, 1), datetime(2026, 10, 31, 12, 0), "on_time"),
    ],
)
def test_due_state(due_at, now, state):
    assert due_state(due_at, now) == state
