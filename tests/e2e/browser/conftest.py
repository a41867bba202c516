"""Real-browser fixtures: the gateway's web app on Waitress and its SMTP intake, on the test
database, driven by Debian's headless Chromium through Playwright.

`gateway` starts both servers in this process (so the app clock can be moved: the edit
window) on ephemeral ports; `browser` is one Chromium for the whole session; `page_for(user)`
opens a fresh browser context already signed in as `user` (the session cookie a sign-in
would set), and `screenshot(page, name)` saves test-artifacts/screenshots/<name>.png
(`screenshot_both_widths(page, name)` saves <name>-1280 and <name>-375).
Every page records dialogs, console errors and the `window.__xss` canary for the XSS checks.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import get_active_membership
from gateway.core.web_sessions import start_web_session
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import User
from gateway.web.app import create_app
from gateway.web.server import WebServer

from smtp_gateway import SMTPGateway

CHROMIUM = Path("/usr/bin/chromium")
REPOSITORY = Path(__file__).resolve().parents[3]
SCREENSHOTS = REPOSITORY / "test-artifacts" / "screenshots"
WEB_THREADS = 24
# Runs before any page script: a payload that executes sets the canary (or calls alert).
CANARY_SCRIPT = "window.__xss = window.__xss || 0;"


class MovableClock:
    """The app clock of the browser tests: starts at the `now` fixture, moved by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def advance(self, **delta: float) -> None:
        with self._lock:
            self.now += timedelta(**delta)


@dataclass
class RunningGateway:
    """The web app and SMTP intake of one test, and how to reach them."""

    app: Flask
    base_url: str
    smtp: SMTPGateway
    clock: MovableClock
    database: Database
    settings: Settings

    def url(self, path: str) -> str:
        return self.base_url + path

    def reply_address(self, room_id: int, user_id: int) -> str:
        """The member's reply address, as printed in the Reply-To of their notifications."""
        keys = ReplyKeys.from_secrets(self.settings.secret_key, self.settings.previous_secret_key)
        with self.database.read_session() as session:
            membership = get_active_membership(session, room_id, user_id)
            return reply_address(membership, keys, self.settings.mail_domain)

    def session_cookie(self, user: User) -> dict[str, str]:
        """The cookie a successful sign-in sets (a real web session behind it)."""
        with self.database.transaction() as session:
            token = start_web_session(session, session.merge(user), now=self.clock())
        value = self.app.session_interface.get_signing_serializer(self.app).dumps({"sid": token})
        return {"name": "gateway_session", "value": value, "url": self.base_url}


@dataclass
class PageWatch:
    """What a page did that a payload might have caused."""

    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


# Module scope, not session: Playwright's sync API keeps an asyncio loop running in the main
# thread while it is open, and other e2e tests start their own loops with asyncio.run().
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("GATEWAY_REQUIRE_BROWSER"):  # CI: a missing browser is a failure
            pytest.fail(f"GATEWAY_REQUIRE_BROWSER is set but {CHROMIUM} is missing")
        pytest.skip(
            f"real-browser tests need Chromium at {CHROMIUM} (Debian package `chromium`; "
            "CI installs it): not found on this machine"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def gateway(
    database: Database, settings: Settings, now: datetime, browser: object
) -> Iterator[RunningGateway]:
    """The web app on Waitress (as gateway/process.py starts it) and the real SMTP intake."""
    clock = MovableClock(now)
    web_settings = dataclasses.replace(settings, web_threads=WEB_THREADS)
    app = create_app(web_settings, database, clock=clock)
    server = WebServer(app, web_settings, host="127.0.0.1", port=0).start()
    base_url = f"http://127.0.0.1:{server.port}"
    with SMTPGateway(database, settings, clock=clock) as smtp:
        yield RunningGateway(app, base_url, smtp, clock, database, web_settings)
        server.stop()


@pytest.fixture
def page_for(
    browser: object, gateway: RunningGateway
) -> Iterator[Callable[[User | None], tuple[object, PageWatch]]]:
    """A new browser context (signed in as `user`, or anonymous) and its page."""
    contexts = []

    def open_(user: User | None = None) -> tuple[object, PageWatch]:
        context = browser.new_context(base_url=gateway.base_url, locale="en-GB")  # type: ignore[attr-defined]
        contexts.append(context)
        context.set_default_timeout(10_000)
        context.add_init_script(CANARY_SCRIPT)
        if user is not None:
            context.add_cookies([gateway.session_cookie(user)])
        page = context.new_page()
        watch = PageWatch()

        def on_dialog(dialog: object) -> None:
            watch.dialogs.append(dialog.message)  # type: ignore[attr-defined]
            dialog.dismiss()  # type: ignore[attr-defined]

        page.on("dialog", on_dialog)
        page.on("console", lambda message: _record_console(watch, message))
        page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
        return page, watch

    yield open_
    for context in contexts:
        context.close()


def _record_console(watch: PageWatch, message: object) -> None:
    """Console errors (every one: even the browser's own request for /favicon.ico finds it)."""
    if message.type != "error":  # type: ignore[attr-defined]
        return
    where = message.location.get("url", "")  # type: ignore[attr-defined]
    watch.console_errors.append(f"{message.text} ({where})")  # type: ignore[attr-defined]


@pytest.fixture
def screenshot() -> Callable[[object, str], Path]:
    def save(page: object, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path

    return save


@pytest.fixture
def screenshot_both_widths(
    screenshot: Callable[[object, str], Path],
) -> Callable[[object, str], None]:
    """Saves <name>-1280 and <name>-375 (a small screen), then puts the page back at 1280."""

    def save(page: object, name: str) -> None:
        screenshot(page, f"{name}-1280")
        page.set_viewport_size({"width": 375, "height": 800})  # type: ignore[attr-defined]
        screenshot(page, f"{name}-375")
        page.set_viewport_size({"width": 1280, "height": 720})  # type: ignore[attr-defined]

    return save
