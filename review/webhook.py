"""Webhook calls without a database: configuration, the HMAC-SHA256 signature, one POST.

The outbox (``review/outbox.py``) decides what to send and when; this module only knows how.
A receiver checks a call with :func:`verify_signature` over the exact body bytes it received.

Configuration (environment, or any mapping with the same names, e.g. Streamlit secrets):

``SYNTHLENS_WEBHOOK_URL``
    Where to POST; unset or empty means no webhook: nothing is queued and nothing is sent.
``SYNTHLENS_WEBHOOK_SECRET``
    The shared HMAC key. Required to send: with a URL but no secret, events are queued and kept
    pending (an error is logged) until a secret is configured, so no call ever goes unsigned.
``SYNTHLENS_WEBHOOK_TIMEOUT``
    Seconds for connecting and for each read (default 5).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

URL_ENV = "SYNTHLENS_WEBHOOK_URL"
SECRET_ENV = "SYNTHLENS_WEBHOOK_SECRET"
TIMEOUT_ENV = "SYNTHLENS_WEBHOOK_TIMEOUT"
DEFAULT_TIMEOUT = 5.0
EVENT_HEADER = "X-SynthLens-Event"
SIGNATURE_HEADER = "X-SynthLens-Signature"
DELIVERY_HEADER = "X-SynthLens-Delivery"
_PREFIX = "sha256="
_MAX_ERROR = 500


@dataclass(frozen=True)
class WebhookConfig:
    """Where and how to send notifications; ``secret`` is empty when none is configured."""

    url: str
    secret: str
    timeout: float = DEFAULT_TIMEOUT

    def __repr__(self) -> str:  # never print the secret, nor a token in the URL
        return f"WebhookConfig(url={display_url(self.url)!r}, timeout={self.timeout})"


def webhook_config(settings: Mapping[str, Any] | None = None) -> WebhookConfig | None:
    """The webhook configuration from ``settings`` (default: the environment), or ``None``.

    Parameters
    ----------
    settings:
        A mapping with the ``SYNTHLENS_WEBHOOK_*`` names; ``os.environ`` when omitted.

    Returns
    -------
    WebhookConfig or None
        ``None`` when no URL is set: notifications are off. A bad timeout falls back to the
        default rather than raising, as configuration must never stop a sign-off.
    """
    source = os.environ if settings is None else settings
    url = str(source.get(URL_ENV) or "").strip()
    if not url:
        return None
    try:
        timeout = float(source.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT)
    except (TypeError, ValueError):
        timeout = DEFAULT_TIMEOUT
    if not timeout > 0:
        timeout = DEFAULT_TIMEOUT
    return WebhookConfig(url, str(source.get(SECRET_ENV) or ""), timeout)


def sign(body: bytes, secret: str) -> str:
    """The ``X-SynthLens-Signature`` value: ``sha256=`` + hex HMAC-SHA256 of ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def verify_signature(body: bytes, header: str | None, secret: str) -> bool:
    """Whether ``header`` is the signature of exactly these ``body`` bytes under ``secret``.

    For receivers. Compares in constant time; a missing, malformed or non-ASCII header is
    simply ``False``. Receivers should also drop repeated ``X-SynthLens-Delivery`` ids: a
    call is delivered at least once, so the same one can arrive twice.
    """
    if not header or not secret:
        return False
    expected = sign(body, secret).encode("ascii")
    given = header.strip().encode("utf-8", "replace")
    return hmac.compare_digest(expected, given)


def display_url(url: str) -> str:
    """``url`` for logs: scheme and host only (webhook paths and queries often hold tokens)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unparsable webhook URL>"
    if not parts.scheme or not host:
        return "<invalid webhook URL>"
    return f"{parts.scheme}://{host}{port}/..."


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would turn a redirected POST into a GET without the body: count it as a failure.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> str | None:
    """POST ``body``; ``None`` on a 2xx answer, else a one-line error. Never raises.

    The error never contains the URL's path or query (see :func:`display_url`).
    """
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme not in ("http", "https"):
        return f"not an http(s) URL: {display_url(url)}"
    request = urllib.request.Request(url, data=body, method="POST", headers=dict(headers))
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(65536)  # let the server finish its answer; the content is ignored
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        return _clip(f"HTTP {exc.code} {exc.reason}", url)
    except urllib.error.URLError as exc:
        return _clip(f"cannot reach {display_url(url)}: {exc.reason}", url)
    except (TimeoutError, OSError, http.client.HTTPException, ValueError) as exc:
        return _clip(f"{type(exc).__name__}: {exc}", url)
    except Exception as exc:  # noqa: BLE001 - delivery must never raise into the caller
        return _clip(f"unexpected {type(exc).__name__}: {exc}", url)
    return None if 200 <= status < 300 else _clip(f"HTTP {status}", url)


def _clip(message: str, url: str) -> str:
    text = " ".join(message.split()).replace(url, display_url(url))
    return text[:_MAX_ERROR]
