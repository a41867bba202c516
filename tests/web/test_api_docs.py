"""The API reference page over HTTP: /api/v1/docs loads Swagger UI from the app itself (no
CDN), starts it from a static script (no inline script), under the site's policy, and points
it at the OpenAPI document. In a real browser: tests/e2e/browser/test_api_docs.py."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from gateway.web.security import CONTENT_SECURITY_POLICY

SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.I)
ASSET_URL = re.compile(r'(?:src|href)="([^"]+)"')


def test_docs_page_loads_swagger_ui_from_the_app_and_names_the_document(
    client: FlaskClient,
) -> None:
    response = client.get("/api/v1/docs")  # no API key: it only describes the API

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'data-spec-url="/api/v1/openapi.json"' in page
    scripts = SCRIPT_TAG.findall(page)
    assert scripts and all(" src=" in tag for tag in scripts)  # every script is a file
    assert re.search(r"<script\b[^>]*>\s*[^<\s]", page) is None  # none carries code of its own
    assets = ASSET_URL.findall(page)
    assert all(url.startswith("/") and not url.startswith("//") for url in assets)
    assert "/api/v1/docs/swagger-ui/swagger-ui-bundle.js" in assets
    assert "/api/v1/docs/swagger-ui/swagger-ui.css" in assets
    assert any(url.startswith("/static/") and "api_docs" in url for url in assets)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_every_file_the_page_loads_is_served(client: FlaskClient) -> None:
    page = client.get("/api/v1/docs").get_data(as_text=True)
    for url in ASSET_URL.findall(page):
        if url.startswith("/api/v1/openapi"):
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content_length or response.get_data(), url
    bundle = client.get("/api/v1/docs/swagger-ui/swagger-ui-bundle.js")
    assert bundle.mimetype in {"text/javascript", "application/javascript"}
    assert b"SwaggerUIBundle" in bundle.get_data()


def test_swagger_ui_reads_openapi_3_1_documents(client: FlaskClient) -> None:
    """Swagger UI renders OpenAPI 3.1 (what /api/v1/openapi.json is) from version 5 on."""
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    version = client.get("/api/v1/docs/swagger-ui/VERSION").get_data(as_text=True).strip()
    assert int(version.removeprefix("v").split(".")[0]) >= 5


def test_files_outside_swagger_ui_are_not_served(client: FlaskClient) -> None:
    for path in ("../__init__.py", "..%2f__init__.py", "../templates/index.template.html"):
        assert client.get(f"/api/v1/docs/swagger-ui/{path}").status_code == 404
