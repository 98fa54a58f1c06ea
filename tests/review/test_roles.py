"""Roles: the roles file (good and hostile), matching emails and groups, caps and permissions."""

from __future__ import annotations

import pytest

from review.roles import (
    OPEN_ROLES,
    ROLES,
    Identity,
    Roles,
    RolesError,
    can,
    check_grant,
    read_roles,
    role_of,
)

FILE = """\
default = "viewer"
[roles]
admin = ["Ada@Example.org"]
approver = ["grace@example.org", "group:Data-Stewards"]
reviewer = ["group:analysts", "ada@example.org"]
viewer = []
"""


def oidc(email: str, *groups: str, name: str = "Someone") -> Identity:
    return Identity(name=name, email=email, verified=True, source="oidc", groups=groups)


@pytest.fixture
def roles() -> Roles:
    return read_roles(FILE)


def test_a_listed_email_gets_its_highest_role_whatever_the_case(roles):
    assert role_of(oidc("ada@example.org"), roles) == "admin"
    assert role_of(oidc("ADA@EXAMPLE.ORG"), roles) == "admin"
    assert role_of(oidc(" Grace@example.ORG "), roles) == "approver"


def test_groups_from_the_provider_match_case_insensitively(roles):
    assert role_of(oidc("bob@example.org", "data-stewards"), roles) == "approver"
    assert role_of(oidc("bob@example.org", "ANALYSTS"), roles) == "reviewer"
    # The highest of several groups and the email wins.
    assert role_of(oidc("ada@example.org", "analysts"), roles) == "admin"
    assert role_of(oidc("bob@example.org", "analysts", "Data-Stewards"), roles) == "approver"


def test_unlisted_people_get_the_default_or_no_role(roles):
    assert role_of(oidc("eve@example.org", "marketing"), roles) == "viewer"
    closed = read_roles('[roles]\nadmin = ["ada@example.org"]\n')
    assert role_of(oidc("eve@example.org"), closed) is None
    assert role_of(Identity.typed("Eve"), closed) is None


def test_a_grant_from_the_database_adds_a_role_case_insensitively(roles):
    granted = {"EVE@example.org": "admin"}
    assert role_of(oidc("eve@example.org"), roles, granted) == "admin"
    # A grant never lowers what the file gives.
    assert role_of(oidc("ada@example.org"), roles, {"ada@example.org": "viewer"}) == "admin"
    with pytest.raises(RolesError, match="Unknown role 'boss'"):
        role_of(oidc("eve@example.org"), roles, {"eve@example.org": "boss"})


def test_a_typed_name_is_at_most_a_reviewer_unless_the_policy_allows_unverified_approval(roles):
    typed_ada = Identity.typed("Ada", "ada@example.org")  # claims the admin's email
    assert role_of(typed_ada, roles) == "reviewer"
    assert role_of(typed_ada, roles, allow_unverified_approval=True) == "approver"
    # Never an admin, not even by a grant.
    assert (
        role_of(typed_ada, roles, {"ada@example.org": "admin"}, allow_unverified_approval=True)
        == "approver"
    )
    # The cap only lowers: a typed viewer stays a viewer.
    assert role_of(Identity.typed("Eve"), roles, allow_unverified_approval=True) == "viewer"


def test_without_a_roles_file_everyone_is_an_approver_capped_when_typed():
    assert role_of(oidc("eve@example.org"), OPEN_ROLES) == "approver"
    assert role_of(Identity.typed("Eve"), OPEN_ROLES) == "reviewer"
    assert role_of(Identity.typed("Eve"), OPEN_ROLES, allow_unverified_approval=True) == "approver"
    assert role_of(oidc("ada@example.org"), OPEN_ROLES, {"ada@example.org": "admin"}) == "admin"


def test_a_proxy_identity_is_verified_and_its_groups_count(roles):
    who = Identity(name="Bob", email="bob@example.org", verified=True, source="proxy",
                   groups=("data-stewards",))  # fmt: skip
    assert role_of(who, roles) == "approver"


def test_identity_from_claims_reads_name_email_and_groups():
    who = Identity.from_claims(
        {"name": "Ada Lovelace", "email": "ada@example.org", "groups": ["a", "b"]}
    )
    assert (who.name, who.key, who.verified, who.source, who.groups) == (
        "Ada Lovelace", "ada@example.org", True, "oidc", ("a", "b"))  # fmt: skip
    single = Identity.from_claims({"email": "x@y.z", "roles": "admins"}, groups_claim="roles")
    assert (single.name, single.groups) == ("x@y.z", ("admins",))


def test_the_record_says_whether_the_name_was_verified():
    assert Identity.typed(" Eve ").as_record() == {
        "name": "Eve", "email": "", "verified": False, "source": "typed"}  # fmt: skip
    assert oidc("ada@example.org", "g", name="Ada").as_record()["verified"] is True


def test_a_typed_identity_cannot_claim_verification_or_groups():
    with pytest.raises(ValueError):
        Identity(name="Eve", verified=True)
    with pytest.raises(ValueError):
        Identity(name="Eve", groups=("admins",))
    with pytest.raises(ValueError):
        Identity(name="Eve", source="ldap")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (None, set()),
        ("viewer", {"view"}),
        ("reviewer", {"view", "review"}),
        ("approver", {"view", "review", "assign", "sign_off"}),
        ("admin", {"view", "review", "assign", "sign_off", "edit_policy", "grant"}),
    ],
)
def test_each_role_may_do_exactly_its_actions(role, allowed):
    actions = ("view", "review", "assign", "sign_off", "edit_policy", "grant")
    assert {a for a in actions if can(role, a)} == allowed


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown action"):
        can("admin", "delete_everything")


def test_roles_are_ordered_lowest_first():
    assert ROLES == ("viewer", "reviewer", "approver", "admin")


def test_default_may_be_written_inside_roles_and_file_paths_are_read(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text('[roles]\ndefault = "reviewer"\nadmin = ["a@x.org"]\n', encoding="utf-8")
    for source in (path, str(path)):
        read = read_roles(source)
        assert read.default == "reviewer" and read.emails == {"a@x.org": "admin"}
    assert read_roles("") == Roles()


HOSTILE = {
    "not toml": ("[roles\nadmin = ", "not valid TOML"),
    "unknown role": ('[roles]\naprover = ["a@x.org"]\n', "did you mean 'approver'"),
    "unknown role far off": ('[roles]\nking = ["a@x.org"]\n', "Unknown role 'king'"),
    "unknown top key": ('admins = ["a@x.org"]\n', "Unknown key 'admins'"),
    "roles not a table": ('roles = ["a@x.org"]\n', "roles must be a table"),
    "role not a list": ('[roles]\nadmin = "a@x.org"\n', "admin must be a list"),
    "entry not a string": ("[roles]\nadmin = [42]\n", "must be an email or group:NAME"),
    "entry a table": ("[roles]\nadmin = [{a = 1}]\n", "must be an email or group:NAME"),
    "bad email": ('[roles]\nadmin = ["ada at x.org"]\n', "neither an email nor group:NAME"),
    "two ats": ('[roles]\nadmin = ["a@b@x.org"]\n', "neither an email nor group:NAME"),
    "empty group": ('[roles]\nadmin = ["group: "]\n', "names no group"),
    "huge entry": (f'[roles]\nadmin = ["{"a" * 300}@x.org"]\n', "longer than 254"),
    "everyone admin": ('default = "admin"\n[roles]\n', "default may be viewer or reviewer"),
    "unknown default": ('default = "guest"\n', "Unknown role 'guest' as default"),
    "default twice": ('default = "viewer"\n[roles]\ndefault = "reviewer"\n', "set twice"),
    "default not text": ("default = 3\n", "Unknown role '3'"),
    "deep nesting": ("x = " + "[" * 5000 + "]" * 5000 + "\n", "roles file"),
    "nul bytes": ('[roles]\nadmin = ["a@x.org\x00"]\n', "not valid TOML"),
    "too large": ("# " + "x" * 300_000 + "\n[roles]\n", "larger than 256 KiB"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_bad_roles_file_is_refused_with_one_sentence(case):
    text, expected = HOSTILE[case]
    with pytest.raises(RolesError) as caught:
        read_roles(text)
    message = str(caught.value)
    assert expected in message
    assert isinstance(caught.value, ValueError)
    assert "\n" not in message and len(message) < 400  # one sentence, never a dump


def test_unreadable_files_are_refused_with_one_sentence(tmp_path):
    with pytest.raises(RolesError, match="Cannot read the roles file .*missing"):
        read_roles(tmp_path / "missing.toml")
    with pytest.raises(RolesError, match="Cannot read the roles file"):
        read_roles(tmp_path)  # a directory
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'[roles]\nadmin = ["caf\xe9@x.org"]\n')
    with pytest.raises(RolesError, match="not UTF-8"):
        read_roles(latin)
    big = tmp_path / "big.toml"
    big.write_text("#" + "x" * 300_000, encoding="utf-8")
    with pytest.raises(RolesError, match="larger than 256 KiB"):
        read_roles(big)


def test_check_grant_normalises_and_refuses_what_cannot_be_granted():
    assert check_grant(" Ada@Example.ORG ", "admin") == ("ada@example.org", "admin")
    with pytest.raises(RolesError, match="Unknown role 'owner'"):
        check_grant("ada@example.org", "owner")
    with pytest.raises(RolesError, match="neither an email"):
        check_grant("ada", "admin")
    with pytest.raises(RolesError, match="Grant a role to an email"):
        check_grant("group:admins", "admin")
