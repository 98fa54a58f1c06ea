"""The governed sign-off in a real browser: log in at a real OpenID Connect provider, review,
sign off with a meaning, and the audit trail records the verified identity (issue 15).

The REAL ``app.py`` runs with secrets naming the local provider (tests/oidc/provider.py);
Chromium signs in at the provider's own form, so Streamlit's login is exercised, not mocked.
The stored policy is saved before the app starts: it forbids unverified sign-offs (so only
the login can sign) and turns the score gates off (so the demo pair can be approved).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest

from review import Store
from review.roles import Identity
from tests.e2e.conftest import (
    _free_port,
    assert_no_exception,
    goto_page,
    running_streamlit,
    shot,
    wait_idle,
)
from tests.e2e.test_oidc_login import write_auth_secrets
from tests.oidc.provider import OIDCProvider, TestUser

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

pytest.importorskip("authlib", reason="st.login needs Authlib (streamlit[auth])")
pytest.importorskip("httpx", reason="Authlib's Starlette client needs httpx (streamlit[auth])")

GRACE = TestUser(username="grace", password="navy compiler", name="Grace Hopper",
                 email="grace@example.test", groups=("data-stewards",))  # fmt: skip
MEANING = "approved for demos only"
COMMENT = "Demo pair checked; fine for the training demo."
GATES_OFF = [
    "overall_min", "fidelity_min", "coverage_min", "detection_min", "privacy_min",
    "utility_min", "max_open_high_findings", "max_rejected_findings", "max_exact_copy_rate",
    "max_singling_out_risk", "max_linkability_risk", "max_inference_risk", "max_membership_auc",
]  # fmt: skip
# Lenient on scores, strict on who signs: only a verified login may sign.
POLICY = (
    "forbid_unverified_sign_off = true\n"
    f'sign_off_meanings = ["approved for training model X", "{MEANING}"]\n'
    "[gates]\n" + "".join(f"{gate} = false\n" for gate in GATES_OFF)
)


@pytest.fixture(scope="module")
def governed_app(tmp_path_factory) -> Iterator[tuple[str, str, OIDCProvider]]:
    """The provider, a review database with the stored policy, and app.py configured for
    both; yields (app URL, database URL, provider)."""
    tmp = tmp_path_factory.mktemp("governed")
    db_url = f"sqlite+pysqlite:///{tmp / 'review.db'}"
    admin = Identity("Ops Admin", "ops@example.test", verified=True, source="oidc")
    with Store(db_url, webhooks=None) as store:
        saved = store.save_policy(POLICY, admin, "admin", "e2e: lenient gates", expected_version=0)
    assert saved.version == 1
    with OIDCProvider([GRACE]) as provider:
        port = _free_port()
        secrets_file = tmp / "secrets.toml"
        write_auth_secrets(secrets_file, provider, port)
        env = {**os.environ, "SYNTHLENS_DATABASE_URL": db_url, "SYNTHLENS_AUTOLOAD_DEMO": "0",
               "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}  # fmt: skip
        for name in ("SYNTHLENS_DB_PATH", "SYNTHLENS_ROLES_FILE", "SYNTHLENS_TRUSTED_HEADER",
                     "SYNTHLENS_WEBHOOK_URL"):  # fmt: skip
            env.pop(name, None)  # no roles file: a verified login is an approver
        extra = ("--secrets.files", str(secrets_file))
        log = tmp / "streamlit.log"
        with running_streamlit("app.py", env, log, *extra, port=port) as url:
            yield url, db_url, provider


def _log_in(page, url: str, provider: OIDCProvider) -> None:
    page.get_by_role("button", name="Log in").first.click()
    page.wait_for_url(re.compile("^" + re.escape(provider.issuer + "/authorize")))
    page.get_by_label("Username").fill(GRACE.username)
    page.get_by_label("Password").fill(GRACE.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile("^" + re.escape(url)))
    wait_idle(page)


def test_login_review_and_sign_off_record_the_verified_identity(browser, governed_app):
    from playwright.sync_api import expect

    url, db_url, provider = governed_app
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(url)
        wait_idle(page)
        _log_in(page, url, provider)
        sidebar = page.locator("[data-testid=stSidebar]")
        expect(sidebar.get_by_text("Signed in as")).to_be_visible()
        expect(sidebar.get_by_text("Grace Hopper")).to_be_visible()
        assert_no_exception(page)

        page.get_by_role("button", name="Load demo data").click()
        page.get_by_text("600 rows x 17 columns").first.wait_for()
        wait_idle(page)

        goto_page(page, "Review")
        # A verified user is not asked to type a name.
        expect(page.get_by_label("Your name")).to_have_count(0)
        page.get_by_text(re.compile(r"Reviewing as Grace Hopper")).first.wait_for()
        page.get_by_role("button", name="Accept").first.click()
        wait_idle(page)
        page.get_by_text(re.compile(r"^Saved: .* accepted by Grace Hopper")).first.wait_for()
        assert_no_exception(page)
        shot(page, "governed_review")

        goto_page(page, "Sign-off")
        page.get_by_text("verified by the company login").first.wait_for()
        form = page.locator("[data-testid=stForm]")
        expect(form.get_by_label("Signing as", exact=True)).to_have_value("Grace Hopper")
        form.get_by_label("What an approval means", exact=True).click()
        page.get_by_role("option", name=MEANING).click()
        form.get_by_label("Comment", exact=True).fill(COMMENT)
        form.get_by_role("button", name="Approve").click()
        wait_idle(page)
        page.get_by_text("Signed: approved.").first.wait_for()
        page.get_by_text(re.compile(f"Signed by Grace Hopper.*{MEANING}")).first.wait_for()
        page.get_by_text("Audit trail intact").first.wait_for()
        assert_no_exception(page)
        shot(page, "governed_signoff")
    except Exception:
        shot(page, "governed_failure")  # what the browser showed when a step failed
        raise
    finally:
        context.close()

    with Store(db_url, webhooks=None) as store:
        [run] = store.runs()
        signed = store.current_sign_off(run.id)
        assert signed is not None and signed.decision == "approved"
        assert (signed.name, signed.signer_email, signed.verified, signed.source) == (
            "Grace Hopper", "grace@example.test", True, "oidc")  # fmt: skip
        assert (signed.meaning, signed.statement, signed.policy_version) == (MEANING, COMMENT, 1)
        trail = store.audit(run_id=run.id)
        decided = [e for e in trail if e.action == "decide"]
        assert len(decided) == 1 and decided[0].after["status"] == "accepted"
        [signing] = [e for e in trail if e.action == "sign_off"]
        for entry in (decided[0], signing):
            assert (entry.actor, entry.actor_email, entry.actor_verified, entry.actor_source) == (
                "Grace Hopper", "grace@example.test", True, "oidc")  # fmt: skip
        state = store.chain_state()
        assert state.intact, state.summary()
