"""HTTP-level protection for every page: CSRF on forms, security headers, cookie flags, and
where a `next` redirect may lead (`safe_next`: never off the site).

Owns the Content-Security-Policy: scripts and styles come from this site only
(no inline script, so an injected <script> or on* attribute cannot run), nothing may frame
the site, and forms post only back to it. Every page has this one policy, the API reference
(Swagger UI, gateway.web.api_docs) too.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask
from flask_wtf.csrf import CSRFProtect
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

csrf = CSRFProtect()


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
