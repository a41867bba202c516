"""Search views: one box with from:, in:, before:, after: and quoted phrases.

Owns the /search page: reads the box and the page number, asks gateway.core.search for one
page of results, and shows them (or what is wrong with the query, with a 400). The query
language and who may see what are core's; this module must not query the database itself.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from gateway.core.errors import InvalidInput
from gateway.core.search import SearchResults, parse_query, search_messages
from gateway.web.request_db import reading
from gateway.web.session_user import current_user, login_required, utc_now

search = Blueprint("search", __name__)

PAGE_SIZE = 20
# Deep pages cost an OFFSET scan; past this, narrowing the search is the better answer.
MAX_PAGE = 250


@search.get("/search")
@login_required
def results() -> tuple[str, int]:
    box = request.args.get("q", "")
    page = _page_number(request.args.get("page"))
    try:
        query = parse_query(box)
    except InvalidInput as error:
        return _page(box, page, None, error=str(error)), 400
    with reading() as session:
        found = search_messages(
            session,
            current_user().id,
            query,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            now=utc_now(),
        )
    return _page(box, page, found), 200


def _page(box: str, page: int, found: SearchResults | None, *, error: str | None = None) -> str:
    return render_template(
        "search.html",
        search_query=box,
        page=page,
        found=found,
        error=error,
        max_page=MAX_PAGE,
    )


def _page_number(raw: str | None) -> int:
    """Page 1 for anything that is not a page number; never past MAX_PAGE."""
    try:
        return min(max(int(raw or "1"), 1), MAX_PAGE)
    except ValueError:
        return 1
