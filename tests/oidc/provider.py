"""A minimal OpenID Connect provider on 127.0.0.1, for tests only.

It implements the authorization-code flow the way Streamlit's ``st.login`` (Authlib's Starlette
client) uses it: discovery, a login form at ``/authorize``, ``/token`` with client
authentication and PKCE (S256), RS256-signed ID tokens, ``/jwks``, ``/userinfo`` and an
``end_session_endpoint`` so ``st.logout`` exercises RP-initiated logout too.

The JOSE parts use joserfc, the JOSE library of the Authlib project: Authlib 1.9 depends on it,
marks ``authlib.jose`` as deprecated in its favour, and Streamlit itself signs with it first.
Nothing here is safe for production: keys live in memory and users are plain test fixtures.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

CODE_LIFETIME_S = 120
TOKEN_LIFETIME_S = 3600


@dataclass(frozen=True)
class TestUser:
    """A user the provider can sign in; the claims go into the ID token as they are."""

    __test__ = False  # not a pytest test class, despite the name

    username: str
    password: str
    name: str
    email: str
    email_verified: bool = True
    groups: tuple[str, ...] = ()
    sub: str = field(default_factory=lambda: "user-" + secrets.token_hex(6))

    def claims(self) -> dict[str, Any]:
        """Return the identity claims the provider asserts for this user."""
        return {
            "sub": self.sub,
            "name": self.name,
            "email": self.email,
            "email_verified": self.email_verified,
            "groups": list(self.groups),
        }


def _b64url_sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OIDCProvider:
    """An OpenID Connect provider served from a background thread.

    Parameters
    ----------
    users : list of TestUser
        Who may sign in at the login form.
    client_id, client_secret : str
        The single registered client's credentials.
    auto_approve : bool
        Skip the login form and sign in the first user at once.

    Attributes
    ----------
    events : list of dict
        What happened, in order (``authorize``, ``token``, ``logout``), so a test can check
        that a nonce and a PKCE challenge were sent and a logout reached the provider.
    id_token_overrides : dict
        Claims forced into the next ID tokens (a wrong ``nonce``, ``aud`` or ``iss``), so a
        test can check that the client refuses a token it should not trust.
    """

    def __init__(
        self,
        users: list[TestUser],
        client_id: str = "synthlens-test",
        client_secret: str | None = None,
        auto_approve: bool = False,
    ) -> None:
        self.users = {u.username: u for u in users}
        self.first_user = users[0]
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.auto_approve = auto_approve
        self.redirect_uris: set[str] = set()
        self.events: list[dict[str, Any]] = []
        self.id_token_overrides: dict[str, Any] = {}
        self._key = RSAKey.generate_key(
            2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"}
        )
        self._pending: dict[str, dict[str, str]] = {}
        self._codes: dict[str, dict[str, Any]] = {}
        self._access: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle -----------------------------------------------------------------------------

    def start(self) -> OIDCProvider:
        """Serve on a free port of 127.0.0.1 from a daemon thread; return self."""
        handler = type("_BoundHandler", (_Handler,), {"provider": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> OIDCProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def issuer(self) -> str:
        """The issuer URL (also the base of every endpoint)."""
        assert self._server is not None, "start() the provider first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        """The discovery document's URL, for ``server_metadata_url`` in secrets.toml."""
        return self.issuer + "/.well-known/openid-configuration"

    def register_redirect_uri(self, uri: str) -> None:
        """Allow ``uri`` as a redirect target (matched exactly, as real providers do)."""
        self.redirect_uris.add(uri)

    # Protocol ------------------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """Return the discovery document."""
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": base + "/authorize",
            "token_endpoint": base + "/token",
            "userinfo_endpoint": base + "/userinfo",
            "jwks_uri": base + "/jwks",
            "end_session_endpoint": base + "/logout",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile", "groups"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            # Advertising S256 makes Streamlit send a PKCE challenge, which /token then checks.
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "name", "email", "email_verified", "groups", "nonce"],
        }

    def jwks(self) -> dict[str, Any]:
        """Return the public key set."""
        return {"keys": [self._key.as_dict(private=False)]}

    def check_authorize(self, q: dict[str, str]) -> str | None:
        """Return why an authorization request is refused, or None when it is acceptable."""
        if q.get("client_id") != self.client_id:
            return "unknown client_id"
        if q.get("redirect_uri") not in self.redirect_uris:
            return "redirect_uri is not registered: " + q.get("redirect_uri", "")
        if q.get("response_type") != "code":
            return "only response_type=code is supported"
        if "openid" not in q.get("scope", "").split():
            return "scope must include openid"
        return None

    def begin(self, q: dict[str, str]) -> str:
        """Remember an accepted authorization request; return its id for the login form."""
        self.events.append({"event": "authorize", **q})
        request_id = secrets.token_urlsafe(16)
        with self._lock:
            self._pending[request_id] = q
        return request_id

    def approve(self, request_id: str, user: TestUser) -> str | None:
        """Issue a code for a pending request; return the redirect URL (None if unknown)."""
        with self._lock:
            q = self._pending.pop(request_id, None)
            if q is None:
                return None
            code = secrets.token_urlsafe(24)
            self._codes[code] = {"q": q, "user": user, "expires": time.time() + CODE_LIFETIME_S}
        params = {"code": code}
        if "state" in q:
            params["state"] = q["state"]
        return q["redirect_uri"] + "?" + urlencode(params)

    def exchange(self, form: dict[str, str], auth_header: str | None) -> tuple[int, dict]:
        """Handle a token request; return (HTTP status, JSON body)."""
        client_id, client_secret = _client_credentials(form, auth_header)
        if client_id != self.client_id or not secrets.compare_digest(
            client_secret or "", self.client_secret
        ):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # single use
        if grant is None or grant["expires"] < time.time():
            return 400, {"error": "invalid_grant", "error_description": "unknown or used code"}
        q = grant["q"]
        if form.get("redirect_uri") != q["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        challenge = q.get("code_challenge")
        if challenge and _b64url_sha256(form.get("code_verifier", "")) != challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE check failed"}
        return 200, self._tokens(q, grant["user"])

    def _tokens(self, q: dict[str, str], user: TestUser) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + TOKEN_LIFETIME_S,
            "auth_time": now,
            **user.claims(),
        }
        if "nonce" in q:
            claims["nonce"] = q["nonce"]
        claims.update(self.id_token_overrides)
        header = {"alg": "RS256", "kid": self._key.kid, "typ": "JWT"}
        id_token = jwt.encode(header, claims, self._key)
        access_token = secrets.token_urlsafe(32)
        with self._lock:
            self._access[access_token] = user.claims()
        self.events.append({"event": "token", "claims": claims})
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_S,
            "scope": q.get("scope", "openid"),
            "id_token": id_token,
        }

    def userinfo(self, auth_header: str | None) -> dict[str, Any] | None:
        """Return the claims for a Bearer access token, or None when it is unknown."""
        if not auth_header or not auth_header.startswith("Bearer "):
            return None
        with self._lock:
            return self._access.get(auth_header.removeprefix("Bearer ").strip())


def _client_credentials(form: dict[str, str], auth_header: str | None) -> tuple[str, str]:
    # client_secret_basic url-encodes both parts before base64 (RFC 6749 section 2.3.1).
    if auth_header and auth_header.startswith("Basic "):
        raw = base64.b64decode(auth_header.removeprefix("Basic ").strip()).decode()
        user, _, password = raw.partition(":")
        return unquote(user), unquote(password)
    return form.get("client_id", ""), form.get("client_secret", "")


_FORM = """<!doctype html><html><head><title>Test provider sign-in</title></head><body>
<h1>Test provider sign-in</h1>{error}
<form method="post" action="/authorize">
<input type="hidden" name="request_id" value="{request_id}">
<label>Username <input name="username" autocomplete="off"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button>
</form></body></html>"""


class _Handler(BaseHTTPRequestHandler):
    provider: OIDCProvider  # set on the subclass made by OIDCProvider.start

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # keep test output clean

    def do_GET(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        p = self.provider
        if url.path == "/.well-known/openid-configuration":
            self._json(200, p.metadata())
        elif url.path == "/jwks":
            self._json(200, p.jwks())
        elif url.path == "/userinfo":
            info = p.userinfo(self.headers.get("Authorization"))
            self._json(200 if info else 401, info or {"error": "invalid_token"})
        elif url.path == "/authorize":
            self._authorize(q)
        elif url.path == "/logout":
            self._logout(q)
        else:
            self._html(404, "not found")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        form = {k: v[0] for k, v in parse_qs(body).items()}
        p = self.provider
        if self.path == "/token":
            status, payload = p.exchange(form, self.headers.get("Authorization"))
            self._json(status, payload)
        elif self.path == "/authorize":
            user = p.users.get(form.get("username", ""))
            request_id = form.get("request_id", "")
            if user is None or not secrets.compare_digest(user.password, form.get("password", "")):
                self._form(401, request_id, "Wrong username or password.")
                return
            target = p.approve(request_id, user)
            if target is None:
                self._html(400, "unknown or finished sign-in request")
            else:
                self._redirect(target)
        else:
            self._html(404, "not found")

    def _authorize(self, q: dict[str, str]) -> None:
        refusal = self.provider.check_authorize(q)
        if refusal:
            # Never redirect to an unverified redirect_uri: show the error here instead.
            self._html(400, refusal)
            return
        request_id = self.provider.begin(q)
        if self.provider.auto_approve:
            target = self.provider.approve(request_id, self.provider.first_user)
            assert target is not None
            self._redirect(target)
        else:
            self._form(200, request_id, "")

    def _logout(self, q: dict[str, str]) -> None:
        self.provider.events.append({"event": "logout", **q})
        target = q.get("post_logout_redirect_uri", "")
        if target in self.provider.redirect_uris:
            self._redirect(target)
        else:
            self._html(200, "Signed out.")

    def _form(self, status: int, request_id: str, error: str) -> None:
        err = f"<p role='alert'>{html.escape(error)}</p>" if error else ""
        self._html(status, _FORM.format(error=err, request_id=html.escape(request_id)))

    def _send(self, status: int, ctype: str, body: bytes, extra: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, "application/json", json.dumps(payload).encode(), {})

    def _html(self, status: int, text: str) -> None:
        body = text if text.startswith("<!doctype") else f"<p>{html.escape(text)}</p>"
        self._send(status, "text/html; charset=utf-8", body.encode(), {})

    def _redirect(self, location: str) -> None:
        self._send(302, "text/plain", b"", {"Location": location})
