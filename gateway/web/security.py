"""HTTP-level protection for every page: CSRF on forms, security headers, cookie flags, and
where a `next` redirect may lead (`safe_next`: never off the site).

CSRF tokens are masked afresh in every response (a random pad, XORed in), so a compressed
page never repeats the same secret bytes (BREACH: gateway.web.http_caching compresses
pages); what comes back is unmasked before Flask-WTF checks it.

Owns the Content-Security-Policy: scripts and styles come from this site only
(no inline script, so an injected <script> or on* attribute cannot run), nothing may frame
the site, and forms post only back to it. Every page has this one policy, the API reference
(Swagger UI, gateway.web.api_docs) too.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask
from flask_wtf.csrf import CSRFProtect, generate_csrf
from werkzeug.wrappers import Response

from gateway.settings import Settings

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

MASKED = "m."


def mask_token(token: str) -> str:
    """`token` under a fresh random pad: different bytes in every response."""
    raw = token.encode()
    pad = secrets.token_bytes(len(raw))
    masked = pad + bytes(a ^ b for a, b in zip(raw, pad, strict=True))
    return MASKED + base64.urlsafe_b64encode(masked).decode().rstrip("=")


def unmask_token(value: str | None) -> str | None:
    """The token a masked value carries; anything else as it came (Flask-WTF refuses it)."""
    if not value or not value.startswith(MASKED):
        return value
    body = value.removeprefix(MASKED)
    try:
        masked = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return value
    half = len(masked) // 2
    if half == 0 or len(masked) != 2 * half:
        return value
    pad, hidden = masked[:half], masked[half:]
    return bytes(a ^ b for a, b in zip(hidden, pad, strict=True)).decode("utf-8", "replace")


class MaskedCSRFProtect(CSRFProtect):
    """Flask-WTF's CSRF check, reading the masked tokens our pages carry."""

    def _get_csrf_token(self) -> str | None:  # type: ignore[override]
        token: str | None = super()._get_csrf_token()
        return unmask_token(token)


def masked_csrf_token() -> str:
    """The template global `csrf_token()`: this session's token, masked for this response."""
    return mask_token(generate_csrf())


csrf = MaskedCSRFProtect()


def protect(app: Flask, settings: Settings) -> None:
    """Cookie flags, CSRF checks on every POST, and the security headers on every response."""
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_NAME="gateway_session",
        PERMANENT_SESSION_LIFETIME=timedelta(days=30),
        # The token lives as long as the session: a form left open for hours still posts.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=settings.secure_cookies,
    )
    csrf.init_app(app)
    # Flask-WTF offers the raw token both ways; ours, registered after, wins in both.
    app.jinja_env.globals["csrf_token"] = masked_csrf_token
    app.context_processor(lambda: {"csrf_token": masked_csrf_token})

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if settings.secure_cookies:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response


def safe_next(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site, else `default`: never a way off the site.

    Refused: absolute URLs and schemes (`https:`, `javascript:`), protocol-relative `//host`,
    and backslashes or control characters, which browsers turn into `/` or drop, so
    `/\\host` and `/\\t/host` would also mean `//host`.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(char) < 0x21 or ord(char) == 0x7F for char in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
