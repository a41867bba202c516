"""Room files through the Flask test client: downloads are attachments that never run in the
browser (nosniff, sandbox, HTML and SVG as octet-stream), previews only for real images, and
the Files & links panel; nothing for anyone outside the room."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask.testing import FlaskClient

from gateway.core.messages import NewFile, delete_message, post_message
from gateway.core.rooms import find_membership
from gateway.core.users import add_user
from gateway.store.database import Database
from gateway.store.models import Attachment, Origin
from gateway.web.files import content_disposition

from support import World
from web_support import sign_in

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
HTML = b"<html><script>alert(document.cookie)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


def _share(
    database: Database, world: World, now: datetime, *files: NewFile, text: str = "files"
) -> tuple[int, list[int]]:
    with database.transaction() as session:
        posted = post_message(
            session, world.room.id, world.bob.id, text, origin=Origin.WEB, now=now, files=files
        )
        ids = [
            attachment.id
            for attachment in session.query(Attachment).filter_by(message_id=posted.id)
        ]
    return posted.id, sorted(ids)


def _assert_never_rendered(response) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_download_is_an_attachment_with_its_bytes(
    client: FlaskClient, database, world, now
) -> None:
    _, [file_id] = _share(database, world, now, NewFile("plan.pdf", "application/pdf", b"%PDF-1"))
    sign_in(client, world.alice)
    response = client.get(f"/files/{file_id}")
    assert response.status_code == 200 and response.data == b"%PDF-1"
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"plan.pdf\"; filename*=UTF-8''plan.pdf"
    )
    _assert_never_rendered(response)


@pytest.mark.parametrize(
    ("name", "content_type", "data"),
    [
        ("page.html", "text/html", HTML),
        ("page.htm", "text/html; charset=utf-8", HTML),
        ("logo.svg", "image/svg+xml", SVG),
        ("fake.png", "image/png", HTML),  # says PNG, is HTML
        ("x.xhtml", "application/xhtml+xml", HTML),
    ],
)
def test_html_and_svg_are_never_served_inline(
    client: FlaskClient, database, world, now, name, content_type, data
) -> None:
    _, [file_id] = _share(database, world, now, NewFile(name, content_type, data))
    sign_in(client, world.alice)
    for path in (f"/files/{file_id}", f"/files/{file_id}?inline=1"):
        response = client.get(path)
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.mimetype in {"application/octet-stream", "image/png"}
        assert "html" not in response.mimetype and "svg" not in response.mimetype
        _assert_never_rendered(response)


def test_real_images_preview_inline_when_asked(client: FlaskClient, database, world, now) -> None:
    _, [file_id] = _share(database, world, now, NewFile("shot.png", "image/png", PNG))
    sign_in(client, world.alice)
    preview = client.get(f"/files/{file_id}?inline=1")
    assert preview.mimetype == "image/png"
    assert preview.headers["Content-Disposition"].startswith('inline; filename="shot.png"')
    _assert_never_rendered(preview)
    assert client.get(f"/files/{file_id}").headers["Content-Disposition"].startswith("attachment")


def test_file_names_are_made_safe_for_the_header() -> None:
    header = content_disposition('../../Résumé "final"\r\nX-Evil: 1.pdf')
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="Resume _final_X-Evil_ 1.pdf"')
    assert header.endswith("filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22X-Evil%3A%201.pdf")


def test_files_are_not_found_outside_the_room(client: FlaskClient, database, world, now) -> None:
    _, [file_id] = _share(database, world, now, NewFile("plan.pdf", "application/pdf", b"%PDF"))
    with database.transaction() as session:
        stranger = add_user(session, "mallory@example.com", now=now)
    sign_in(client, stranger)
    assert client.get(f"/files/{file_id}").status_code == 404
    assert client.get(f"/rooms/{world.room.id}/files").status_code == 404
    assert client.get("/files/999999").status_code == 404


def test_former_members_lose_the_files(client: FlaskClient, database, world, now) -> None:
    _, [file_id] = _share(database, world, now, NewFile("plan.pdf", "application/pdf", b"%PDF"))
    with database.transaction() as session:
        membership = find_membership(session, world.room.id, world.alice.id)
        assert membership is not None
        membership.left_at = now
    sign_in(client, world.alice)
    assert client.get(f"/files/{file_id}").status_code == 404


def test_files_of_a_deleted_message_are_gone(client: FlaskClient, database, world, now) -> None:
    message_id, [file_id] = _share(database, world, now, NewFile("a.txt", "text/plain", b"a"))
    with database.transaction() as session:
        delete_message(session, message_id, world.bob.id, now=now)
    sign_in(client, world.bob)
    assert client.get(f"/files/{file_id}").status_code == 404


def test_panel_lists_files_and_links_and_searches_them(
    client: FlaskClient, database, world, now
) -> None:
    _share(
        database, world, now,
        NewFile("budget.xlsx", "application/octet-stream", b"x"),
        NewFile("mockup.png", "image/png", PNG),
        text="Specs at https://example.com/specs and [the board](https://board.example.org/b/1)",
    )  # fmt: skip
    sign_in(client, world.alice)
    page = client.get(f"/rooms/{world.room.id}/files").get_data(as_text=True)
    assert "budget.xlsx" in page and "mockup.png" in page
    assert 'class="files-thumb" src="/files/2?inline=1"' in page
    assert 'href="https://example.com/specs"' in page and ">the board</a>" in page
    found = client.get(f"/rooms/{world.room.id}/files?q=BUDGET").get_data(as_text=True)
    assert "budget.xlsx" in found and "mockup.png" not in found and "the board" not in found
    found = client.get(f"/rooms/{world.room.id}/files?q=board").get_data(as_text=True)
    assert "the board" in found and "budget.xlsx" not in found and "example.com/specs" not in found


def test_panel_escapes_file_names(client: FlaskClient, database, world, now) -> None:
    _share(database, world, now, NewFile("<img src=x onerror=alert(1)>.txt", "text/plain", b"x"))
    sign_in(client, world.alice)
    page = client.get(f"/rooms/{world.room.id}/files").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.txt" in page
