"""Error pages a browser gets are the site's own (its layout, what went wrong, where to go
next); scripts asking for JSON and the API keep their own forms."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from support import World
from web_support import signed_in_client


def test_a_missing_page_is_answered_in_the_sites_layout_with_a_way_on(
    client: FlaskClient,
) -> None:
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page and "<h1>Not Found</h1>" in page
    assert 'href="/">Go to the start page</a>' in page


def test_a_signed_in_person_is_offered_their_messages(app: Flask, world: World) -> None:
    client = signed_in_client(app, world.bob)
    page = client.get(f"/rooms/{world.room.id + 999}").get_data(as_text=True)
    assert "your messages</a>" in page and "Bob Baker" in page  # the header, signed in


def test_a_wrong_method_keeps_its_allow_header(client: FlaskClient) -> None:
    response = client.delete("/sign-in")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "does not take that kind of request" in response.get_data(as_text=True)


def test_a_script_asking_for_json_and_the_api_do_not_get_the_page(client: FlaskClient) -> None:
    script = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert script.status_code == 404 and "Go to the start page" not in script.get_data(True)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code in (401, 404) and api.is_json
