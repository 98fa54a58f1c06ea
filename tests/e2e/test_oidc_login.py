"""Streamlit's built-in ``st.login`` against a real OpenID Connect provider, in Chromium.

Nothing of Streamlit's login is mocked: the provider (tests/oidc/provider.py) runs on 127.0.0.1,
Streamlit discovers it from ``server_metadata_url``, the browser signs in at the provider's own
form, Streamlit exchanges the code (PKCE, client secret), verifies the RS256 ID token (issuer,
audience, nonce) and the page shows the claims from ``st.user``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    ROOT,
    _free_port,
    assert_no_exception,
    running_streamlit,
    shot,
    wait_idle,
)
from tests.oidc.provider import OIDCProvider, TestUser

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

pytest.importorskip("authlib", reason="st.login needs Authlib (streamlit[auth])")
pytest.importorskip("httpx", reason="Authlib's Starlette client needs httpx (streamlit[auth])")

LOGIN_APP = ROOT / "tests" / "oidc" / "login_app.py"
ADA = TestUser(
    username="ada",
    password="correct horse",
    name="Ada Lovelace",
    email="ada@example.test",
    groups=("synthlens-approvers", "analysts"),
)


def write_auth_secrets(path: Path, provider: OIDCProvider, app_port: int) -> str:
    """Write a secrets.toml whose ``[auth]`` section points at ``provider``; return redirect_uri.

    The redirect URI must use the host the browser uses (127.0.0.1 here): Streamlit stores its
    origin in the login cookie and drops the login when the WebSocket's Origin differs.
    """
    redirect_uri = f"http://127.0.0.1:{app_port}/oauth2callback"
    provider.register_redirect_uri(redirect_uri)
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "{redirect_uri}"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        f'client_id = "{provider.client_id}"\n'
        f'client_secret = "{provider.client_secret}"\n'
        f'server_metadata_url = "{provider.metadata_url}"\n'
    )
    return redirect_uri


@pytest.fixture(scope="module")
def oidc_app(tmp_path_factory) -> Iterator[tuple[str, OIDCProvider]]:
    """Start the provider, then the login app with a secrets file naming it; yield both."""
    tmp = tmp_path_factory.mktemp("oidc")
    with OIDCProvider([ADA]) as provider:
        port = _free_port()
        secrets_file = tmp / "secrets.toml"
        write_auth_secrets(secrets_file, provider, port)
        # The server-side token exchange goes through httpx, which honours proxy variables.
        env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
        # Replaces the default secrets search (~/.streamlit and ./.streamlit), so a developer's
        # own secrets cannot leak into the test.
        extra = ("--secrets.files", str(secrets_file))
        with running_streamlit(
            str(LOGIN_APP), env, tmp / "streamlit.log", *extra, port=port
        ) as url:
            yield url, provider


def _auth_cookies(context) -> dict[str, dict]:
    return {c["name"]: c for c in context.cookies() if c["name"].startswith("_streamlit_user")}


@pytest.fixture
def provider(oidc_app) -> Iterator[OIDCProvider]:
    """The shared provider, with a clean event log and its default behaviour restored after."""
    prov = oidc_app[1]
    prov.events.clear()
    yield prov
    prov.auto_approve = False
    prov.id_token_overrides = {}


def test_login_shows_verified_identity_then_logout(browser, oidc_app, provider):
    from playwright.sync_api import expect

    url = oidc_app[0]
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(url)
        wait_idle(page)
        expect(page.get_by_text("Not signed in.")).to_be_visible()

        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile("^" + re.escape(provider.issuer + "/authorize")))
        page.get_by_label("Username").fill("ada")
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
        page.get_by_label("Username").fill("ada")
        page.get_by_label("Password").fill(ADA.password)
        page.get_by_role("button", name="Sign in").click()

        page.wait_for_url(url + "/")
        wait_idle(page)
        expect(page.get_by_text("Name: Ada Lovelace")).to_be_visible()
        expect(page.get_by_text("Email: ada@example.test")).to_be_visible()
        expect(page.get_by_text("Email verified: True")).to_be_visible()
        expect(page.get_by_text("Groups: synthlens-approvers, analysts")).to_be_visible()
        expect(page.get_by_text(f"Issuer: {provider.issuer}")).to_be_visible()
        assert_no_exception(page)
        shot(page, "oidc_logged_in")

        # The flow was the real one: a nonce and an S256 PKCE challenge went out, and the ID
        # token Streamlit accepted carried that nonce back.
        authorize = next(e for e in provider.events if e["event"] == "authorize")
        token = next(e for e in provider.events if e["event"] == "token")
        assert authorize["nonce"] and authorize["code_challenge_method"] == "S256"
        assert token["claims"]["nonce"] == authorize["nonce"]
        cookie = _auth_cookies(context)["_streamlit_user"]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_text("Not signed in.")).to_be_visible()
        wait_idle(page)
        assert_no_exception(page)
        logout = [e for e in provider.events if e["event"] == "logout"]
        assert len(logout) == 1 and logout[0]["client_id"] == provider.client_id
        assert logout[0]["id_token_hint"], "RP-initiated logout should name the ID token"
        assert _auth_cookies(context) == {}
    finally:
        context.close()


@pytest.mark.parametrize(
    "override",
    [{"nonce": "replayed-nonce"}, {"aud": "another-client"}, {"iss": "http://127.0.0.1:9"}],
    ids=["wrong-nonce", "wrong-audience", "wrong-issuer"],
)
def test_untrustworthy_id_token_does_not_log_in(browser, oidc_app, provider, override):
    """Streamlit (through Authlib) refuses an ID token that fails its checks; nobody logs in."""
    from playwright.sync_api import expect

    url = oidc_app[0]
    provider.auto_approve = True
    provider.id_token_overrides = override
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(url)
        wait_idle(page)
        # Wait on the callback response itself, so the check below cannot run before it.
        with page.expect_response(lambda r: "/oauth2callback" in r.url) as callback:
            page.get_by_role("button", name="Log in").click()
        assert callback.value.status == 302
        page.wait_for_url(url + "/")
        wait_idle(page)
        expect(page.get_by_text("Not signed in.")).to_be_visible()
        assert [e["event"] for e in provider.events] == ["authorize", "token"]
        assert _auth_cookies(context) == {}
    finally:
        context.close()


def test_provider_enforces_the_protocol(oidc_app, provider):
    """The provider is strict where a real one is, so the browser test proves something."""
    import httpx

    base = provider.issuer
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    good = {
        "client_id": provider.client_id,
        "redirect_uri": next(iter(provider.redirect_uris)),
        "response_type": "code",
        "scope": "openid email",
        "state": "s",
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    with httpx.Client(trust_env=False) as http:
        bad = http.get(base + "/authorize", params={**good, "redirect_uri": "http://evil/cb"})
        assert bad.status_code == 400  # shown, never redirected to

        provider.auto_approve = True
        redirect = http.get(base + "/authorize", params=good)
        code = httpx.URL(redirect.headers["location"]).params["code"]
        auth = (provider.client_id, provider.client_secret)
        form = {"grant_type": "authorization_code", "code": code}
        form["redirect_uri"] = good["redirect_uri"]
        wrong_verifier = http.post(base + "/token", data={**form, "code_verifier": "x"}, auth=auth)
        assert wrong_verifier.json()["error"] == "invalid_grant"
        # The failed attempt above used the code up, so even the right verifier is refused.
        again = http.post(base + "/token", data={**form, "code_verifier": verifier}, auth=auth)
        assert again.json()["error"] == "invalid_grant"

        redirect = http.get(base + "/authorize", params=good)
        form["code"] = httpx.URL(redirect.headers["location"]).params["code"]
        bad_secret = http.post(base + "/token", data={**form, "code_verifier": verifier})
        assert bad_secret.status_code == 401
        ok = http.post(base + "/token", data={**form, "code_verifier": verifier}, auth=auth)
        assert ok.status_code == 200, ok.text
        info = http.get(
            base + "/userinfo", headers={"Authorization": "Bearer " + ok.json()["access_token"]}
        )
        assert info.json()["email"] == ADA.email
        assert http.get(base + "/userinfo").status_code == 401
