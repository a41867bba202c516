"""The API reference page in a real Chromium: Swagger UI, served by the app itself, shows the
platform API's operations under the site's own scripts-only policy, with no console error and
no request to any other host."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from gateway.web.api.operations import OPERATIONS

pytestmark = pytest.mark.e2e


def test_api_reference_lists_the_operations_with_no_errors_and_no_other_host(
    gateway: object,
    page_for: Callable[..., tuple[object, object]],
    screenshot: Callable[[object, str], Path],
) -> None:
    page, watch = page_for(None)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))  # type: ignore[attr-defined]

    page.goto("/api/v1/docs")  # type: ignore[attr-defined]

    first = OPERATIONS[0]
    operation = page.locator(  # type: ignore[attr-defined]
        f".opblock-summary-path[data-path='{first.path}']"
    ).first
    operation.wait_for()
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert page.locator(".opblock").count() == len(OPERATIONS)  # type: ignore[attr-defined]
    assert page.get_by_text("gateway platform API").first.is_visible()  # type: ignore[attr-defined]
    # Opening an operation shows its parameters and responses (Swagger UI is alive, not a
    # static render).
    operation.click()
    page.locator(".opblock.is-open .responses-wrapper").first.wait_for()  # type: ignore[attr-defined]
    screenshot(page, "api-docs-1280")

    hosts = {urlsplit(url).netloc for url in requested if not url.startswith("data:")}
    assert hosts == {urlsplit(gateway.base_url).netloc}  # type: ignore[attr-defined]
    assert watch.console_errors == []  # type: ignore[attr-defined]
    assert watch.page_errors == []  # type: ignore[attr-defined]
