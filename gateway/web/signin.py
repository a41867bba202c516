"""Sign-in and sign-out views: password, one-time email link, throttling, device cookies.

Owns these routes and how their refusals look over HTTP: a wrong address or password is 401
with one message, throttling is 429 with Retry-After and a message that points to the email
link, a link that cannot be used is 400 (not valid) or 410 (expired, used). A GET never uses
a sign-in link up (mail scanners follow links); the POST behind its button does. After
signing in, visitors go back only to a relative path on this site.

Every sign-in (password or link) renews the browser's device cookie: long-lived, HttpOnly,
SameSite=Lax, Secure on an https site, sent only to /sign-in paths. Signing out leaves it:
it is what lets the owner in while someone else's guesses are throttled. The rules themselves
live in gateway.core.signin and gateway.core.sign_in_devices.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

from flask import Blueprint, flash, g, redirect, render_template, request
from werkzeug.wrappers import Response

from gateway.core.errors import DomainError
from gateway.core.sign_in_devices import DEVICE_LIFETIME, DeviceCookie
from gateway.core.signin import (
    SignInLinkGone,
    SignInRefused,
    Throttled,
    check_sign_in_token,
    issue_sign_in_token,
    redeem_sign_in_token,
    sign_in_with_password,
)
from gateway.outbound.account_mail import queue_sign_in_email
from gateway.store.models import User
from gateway.web.request_db import reading, writing
from gateway.web.security import safe_next
from gateway.web.session_user import (
    sign_in_browser,
    sign_out_browser,
    utc_now,
    web_context,
)

signin = Blueprint("signin", __name__)

LINK_SENT = "If an account exists for that address, we have emailed a sign-in link."
SIGNED_OUT = "You are signed out."
MISSING_CREDENTIALS = "Enter your email address and your password."
MISSING_EMAIL = "Enter your email address."
DEVICE_COOKIE = "gateway_device"
DEVICE_COOKIE_PATH = "/sign-in"
SIGN_IN_PAGE = "signin/sign_in.html"
LINK_PAGE = "signin/link.html"
# Form fields are short; anything longer is cut before it reaches the database.
MAX_FIELD_LENGTH = 2048

Page = tuple[str, int] | tuple[str, int, dict[str, str]]


@signin.get("/sign-in")
def sign_in_page() -> str | Response:
    target = safe_next(request.args.get("next"))
    if g.get("user") is not None:
        return redirect(target)
    return render_template(SIGN_IN_PAGE, next=target, email="")


@signin.post("/sign-in")
def sign_in() -> Page | Response:
    email = _field("email")
    password = request.form.get("password", "")[:MAX_FIELD_LENGTH]
    target = safe_next(request.form.get("next"))
    if not email or not password:
        return _sign_in_form(email, target, MISSING_CREDENTIALS, 400)
    try:
        user = _check_password(email, password)
    except Throttled as throttled:
        retry = str(math.ceil(throttled.retry_after.total_seconds()))
        return _sign_in_form(email, target, str(throttled), 429, {"Retry-After": retry})
    except SignInRefused as refused:
        return _sign_in_form(email, target, str(refused), 401)
    return _start_session(user, redirect(target))


def _check_password(email: str, password: str) -> User:
    """The user, or Throttled / SignInRefused; a refusal's attempt row is committed."""
    refusal: SignInRefused | None = None
    with writing() as db:
        try:
            user = sign_in_with_password(
                db,
                email,
                password,
                remote_addr=_client_address(),
                now=utc_now(),
                device=_device_cookie(),
            )
        except SignInRefused as error:
            # Caught inside the transaction: the failure must commit, throttling counts it.
            refusal = error
    if refusal is not None:
        raise refusal
    return user


@signin.post("/sign-in/link")
def request_link() -> Page:
    """Always the same answer, so the form does not tell which addresses have accounts."""
    email = _field("email")
    target = safe_next(request.form.get("next"))
    if not email:
        return render_template(SIGN_IN_PAGE, next=target, email="", link_error=MISSING_EMAIL), 400
    context = web_context()
    now = utc_now()
    with writing() as db:
        issued = issue_sign_in_token(db, email, now)
        if issued is not None:
            user, token = issued
            link_url = _link_url(context.settings.base_url, token, target)
            queue_sign_in_email(db, user, link_url, context.settings, now)
    return render_template(SIGN_IN_PAGE, next=target, email=email, link_sent=LINK_SENT), 200


@signin.get("/sign-in/link/<token>")
def link_page(token: str) -> Page:
    """Only shows a button: mail scanners and link previews follow GETs."""
    with reading() as db:
        try:
            user = check_sign_in_token(db, token, utc_now())
        except DomainError as error:
            return _link_refused(error)
        email = user.email
    # The form posts back to this URL, query string included: `next` goes along.
    return render_template(LINK_PAGE, email=email), 200


@signin.post("/sign-in/link/<token>")
def redeem_link(token: str) -> Page | Response:
    try:
        with writing() as db:
            user = redeem_sign_in_token(db, token, utc_now())
    except DomainError as error:
        return _link_refused(error)
    # The link proves the mailbox: the browser becomes trusted for the account, so an
    # owner kept out by someone else's guesses gets back to password sign-in here (OWASP).
    return _start_session(user, redirect(safe_next(request.args.get("next"))))


def _link_url(base_url: str, token: str, target: str) -> str:
    """The emailed link; it carries `next` when there is somewhere to go back to."""
    link = f"{base_url}/sign-in/link/{token}"
    return link if target == "/" else f"{link}?{urlencode({'next': target})}"


@signin.post("/sign-out")
def sign_out() -> Response:
    """Ends this browser's session. Open to anyone (CSRF still applies): a visitor whose
    session already expired who presses "Sign out" gets the same clear answer."""
    sign_out_browser()
    # After the sign-out: it clears the session, flashes included.
    flash(SIGNED_OUT)
    return redirect("/")


@signin.after_request
def never_cache(response: Response) -> Response:
    # Sign-in pages hold CSRF tokens, typed addresses and link tokens in their URL: no copy
    # of them belongs in a shared or back-button cache.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _start_session(user: User, response: Response) -> Response:
    """A fresh session for `user` (a session this browser had before is ended, not reused)
    and a renewed device cookie, both on `response`."""
    if g.get("user") is not None:
        sign_out_browser()
    sign_in_browser(user)
    context = web_context()
    response.set_cookie(
        DEVICE_COOKIE,
        _device_cookie().renewed(user.id, context.clock()),
        max_age=int(DEVICE_LIFETIME.total_seconds()),
        path=DEVICE_COOKIE_PATH,
        secure=context.settings.secure_cookies,
        httponly=True,
        samesite="Lax",
    )
    return response


def _device_cookie() -> DeviceCookie:
    return DeviceCookie.from_value(request.cookies.get(DEVICE_COOKIE, ""), web_context().keys)


def _sign_in_form(
    email: str, target: str, error: str, status: int, headers: dict[str, str] | None = None
) -> Page:
    # Throttled (429): the page offers the email link first, not another password try.
    throttled = status == 429
    page = render_template(SIGN_IN_PAGE, next=target, email=email, error=error, throttled=throttled)
    return (page, status, headers) if headers else (page, status)


def _link_refused(error: DomainError) -> Page:
    status = 410 if isinstance(error, SignInLinkGone) else 400
    return render_template(LINK_PAGE, error=str(error)), status


def _field(name: str) -> str:
    return request.form.get(name, "").strip()[:MAX_FIELD_LENGTH]


def _client_address() -> str:
    # The WSGI peer address. Behind a reverse proxy this is the proxy unless the deployment
    # applies werkzeug's ProxyFix, so per-client throttling then counts the proxy as one client.
    return request.remote_addr or "unknown"
