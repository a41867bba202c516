"""How responses travel, over HTTP: pages compressed when the browser accepts it (with
Vary: Accept-Encoding), the live stream never compressed, and static files under a content
fingerprint cached for a year while the plain URL still works with short caching."""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Callable
from importlib.resources import files

import brotli
import pytest
from flask import Flask
from flask.testing import FlaskClient

from support import World
from web_support import signed_in_client

STATIC = files("gateway") / "static"
STYLESHEET = re.compile(r'href="(/static/app\.css[^"]*)"')
YEAR = "public, max-age=31536000, immutable"


def _vary(headers: object) -> set[str]:
    return {part.strip().lower() for part in headers.get("Vary", "").split(",")}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("accepted", "encoding", "decompress"),
    [("gzip", "gzip", gzip.decompress), ("gzip, deflate, br", "br", brotli.decompress)],
)
def test_pages_are_compressed_when_the_browser_accepts_it(
    app: Flask, world: World, accepted: str, encoding: str, decompress: Callable
) -> None:
    client = signed_in_client(app, world.bob)
    plain = client.get(f"/rooms/{world.room.id}")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert "accept-encoding" in _vary(plain.headers)

    packed = client.get(f"/rooms/{world.room.id}", headers={"Accept-Encoding": accepted})

    assert packed.status_code == 200
    assert packed.headers["Content-Encoding"] == encoding
    assert "accept-encoding" in _vary(packed.headers)
    body = packed.get_data()
    assert len(body) < len(plain.get_data()) / 2
    text = decompress(body).decode()
    assert "<title>" in text and "Website redesign" in text and text.rstrip().endswith("</html>")


def test_json_is_compressed_too(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.get_data()).startswith(b"{")


def test_live_stream_is_never_compressed(
    live_app: Flask, world: World, open_stream: Callable
) -> None:
    response, reader = open_stream(
        signed_in_client(live_app, world.bob),
        f"/live/rooms/{world.room.id}",
        **{"Accept-Encoding": "gzip, deflate, br, zstd"},
    )
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert "Content-Encoding" not in response.headers
    # Readable as it comes: plain text, event by event.
    assert "id: 0.0\n" in reader.until(lambda text: "id: " in text)


def test_static_urls_carry_the_files_content_hash_and_are_cached_for_a_year(
    client: FlaskClient,
) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    (url,) = STYLESHEET.findall(page)
    content = (STATIC / "app.css").read_bytes()
    assert url == f"/static/app.css?v={hashlib.sha256(content).hexdigest()[:12]}"

    response = client.get(url)

    assert response.status_code == 200
    assert response.get_data() == content
    assert response.headers["Cache-Control"] == YEAR


def test_plain_and_outdated_static_urls_still_work_with_short_caching(
    client: FlaskClient,
) -> None:
    content = (STATIC / "app.css").read_bytes()
    for url in ("/static/app.css", "/static/app.css?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.get_data() == content
        cache_control = response.headers["Cache-Control"]
        assert "immutable" not in cache_control and "max-age=300" in cache_control
    assert client.get("/static/no-such-file.css").status_code == 404
