"""Live updates: the event stream an open room page listens to, and the Online/Invisible toggle.

Owns GET /live/rooms/<id> (Server-Sent Events: what the page is told, in what words), POST
/live/rooms/<id>/leave (the page says it is going: left, closed or hidden) and POST /presence.
An open stream is its page's room view (gateway.core.room_views): the room in front of its
viewer, so their notifications wait; the view ends with the stream or when the page leaves.
Streams never query in a loop: the one poller thread of gateway.web.live_hub hands each
stream the changes of its room, and ends it when its viewer may no longer follow
the room. A stream that ends so tells its page why (`removed`: no longer a member;
`signed-out`: the web session ended) and asks EventSource not to come back soon; a former
member who reconnects is told `removed` too (to anyone else the room does not exist: 404).
Domain queries live in gateway.core.room_feed; this module must not hold domain rules.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, tzinfo

from flask import Blueprint, current_app, flash, g, redirect, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from gateway.core.errors import InvalidInput, NotAllowed
from gateway.core.preferences import user_zone
from gateway.core.presence import set_presence
from gateway.core.room_feed import (
    FeedCursor,
    FeedItem,
    Lapse,
    MemberPresence,
    current_cursor,
    list_changes_since,
    list_lapsed_viewers,
    list_member_presence,
)
from gateway.core.room_views import end_page_view, end_room_view, open_room_view, read_page_key
from gateway.core.rooms import find_membership, get_active_membership
from gateway.core.time_display import away_text
from gateway.core.web_sessions import touch_web_session
from gateway.settings import Settings
from gateway.store.models import MAX_ROW_ID
from gateway.web.live_hub import Delivery, Listener, LiveHub, LiveTiming, PresenceChange, StreamEnd
from gateway.web.request_db import reading, writing
from gateway.web.security import safe_next
from gateway.web.session_user import current_user, login_required, utc_now, web_context

live = Blueprint("live", __name__)
log = logging.getLogger(__name__)

HUB_EXTENSION = "gateway.live"
# Threads Waitress keeps for ordinary page views whatever the number of open streams.
RESERVED_PAGE_THREADS = 8
# How long a refused browser should wait before trying again (503 Retry-After).
RETRY_AFTER_SECONDS = 15
# How soon EventSource reconnects after a stream ends (the SSE `retry:` field).
RECONNECT_MILLISECONDS = 2000
# ... and after a stream that told its page the viewer may no longer follow the room: a page
# whose script predates those events (an old cached copy) should not knock every 2 s.
GIVE_UP_MILLISECONDS = 3_600_000
LAPSE_EVENTS = {Lapse.REMOVED: "removed", Lapse.SIGNED_OUT: "signed-out"}
# At most this many missed messages (and as many edits) are replayed on reconnection; the
# page then fetches everything after its newest message anyway.
CATCH_UP_LIMIT = 100
STATUS_WORDS = {"online": "Online", "invisible": "Invisible"}
# How often an idle stream asks whether its client is still there.
GONE_CHECK_SECONDS = 1.0


# --- SSE wire format (pure) ------------------------------------------------------------


def format_event(kind: str, data: dict[str, object], event_id: str | None = None) -> str:
    """One SSE event block; `data` is JSON on a single line."""
    lines = [f"event: {kind}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


def format_comment(text: str) -> str:
    """An SSE comment: ignored by EventSource, keeps proxies and the socket alive."""
    return f": {text}\n\n"


def format_cursor(cursor: FeedCursor) -> str:
    """The SSE id of a point in the room: `<message id>.<room event id>`."""
    return f"{cursor.message_id}.{cursor.event_id}"


def parse_last_event_id(value: str | None) -> FeedCursor | None:
    """The cursor a reconnecting browser sends back (Last-Event-ID); None when unusable."""
    if not value:
        return None
    message_part, _, event_part = value.strip().partition(".")
    message_id, event_id = _stored_id(message_part), _stored_id(event_part or "0")
    if message_id is None or event_id is None:
        return None
    return FeedCursor(message_id, event_id)


def parse_after(value: str | None) -> int | None:
    """The `?after=<message id>` of a first connection: the page's newest message."""
    return _stored_id(value or "")


def _stored_id(text: str) -> int | None:
    """A row id in plain ASCII digits, inside the stored range; None for anything else (the
    browser sends it: thousands of digits or "²" must not reach int())."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ROW_ID)):
        return None
    value = int(text)
    return value if value <= MAX_ROW_ID else None


def format_ending(lapse: Lapse, room_id: int) -> str:
    """The last words of a stream whose viewer may no longer follow the room."""
    event = format_event(LAPSE_EVENTS[lapse], {"room_id": room_id})
    return f"{event}retry: {GIVE_UP_MILLISECONDS}\n\n"


def presence_data(member: MemberPresence, zone: tzinfo, now: datetime) -> dict[str, object]:
    """A member's presence for a page whose viewer reads times in `zone`: the away badge's
    words come from the server, in the one format of every page."""
    away = member.away_until
    return {
        "user_id": member.user_id,
        "online": member.online,
        "away_until": away.isoformat() if away else None,
        "away_label": away_text(away, zone, now) if away else None,
    }


def stream_capacity(settings: Settings) -> int:
    """Streams one process accepts: live_stream_limit, but never so many that page views
    find no Waitress thread free."""
    return max(1, min(settings.live_stream_limit, settings.web_threads - RESERVED_PAGE_THREADS))


# --- What each stream has told its page --------------------------------------------------


class StreamCursor:
    """Skips what the page already has; tracks the id to resume from.

    Ids are remembered one by one rather than as a maximum: on PostgreSQL a transaction that
    commits late can reveal an id below one already sent, and it must still be announced.
    """

    def __init__(self, start: FeedCursor) -> None:
        self.start = start
        self.newest = start
        self._sent: set[tuple[bool, int]] = set()

    def accept(self, item: FeedItem) -> bool:
        key_id = item.message_id if item.is_message else (item.event_id or 0)
        floor = self.start.message_id if item.is_message else self.start.event_id
        key = (item.is_message, key_id)
        if key_id <= floor or key in self._sent:
            return False
        self._sent.add(key)
        self.newest = FeedCursor(
            max(self.newest.message_id, key_id if item.is_message else 0),
            max(self.newest.event_id, 0 if item.is_message else key_id),
        )
        return True

    def render(self, item: FeedItem) -> str:
        return format_event(item.kind, {"id": item.message_id}, format_cursor(self.newest))


def live_hub() -> LiveHub:
    """This app's hub, created on first use."""
    hub = current_app.extensions.get(HUB_EXTENSION)
    if hub is None:
        with _HUB_CREATION:
            hub = current_app.extensions.get(HUB_EXTENSION)
            if hub is None:
                context = web_context()
                hub = LiveHub(
                    context.database,
                    context.clock,
                    stream_capacity(context.settings),
                    current_app.config.get(HUB_EXTENSION, LiveTiming()),
                )
                current_app.extensions[HUB_EXTENSION] = hub
    return hub


_HUB_CREATION = threading.Lock()


# --- Views ----------------------------------------------------------------------------------


@live.get("/live/rooms/<int:room_id>")
def room_stream(room_id: int) -> Response:
    """The room's changes as Server-Sent Events, for an active member."""
    signed_in = g.get("signed_in")
    if signed_in is None:
        return Response("sign in to follow this room\n", 401, mimetype="text/plain")
    now = utc_now()
    with reading() as db:
        try:
            membership = get_active_membership(db, room_id, signed_in.user_id)
        except NotAllowed:
            if find_membership(db, room_id, signed_in.user_id) is None:
                return Response("no such room\n", 404, mimetype="text/plain")
            return _ended_stream(Lapse.REMOVED, room_id)
        start = _start_cursor(db, room_id)
    zone = user_zone(current_user())  # the signed-in user, loaded with the request
    hub = live_hub()
    listener = hub.open(room_id, signed_in.session_id, membership.id)
    if listener is None:
        return Response(
            "too many open pages right now; reconnecting shortly\n",
            503,
            mimetype="text/plain",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    try:
        with writing() as db:
            touch_web_session(db, signed_in.session_id, now=now)
            listener.view_id = open_room_view(
                db,
                web_session_id=signed_in.session_id,
                user_id=signed_in.user_id,
                room_id=room_id,
                page_key=read_page_key(request.args.get("page")),
                now=now,
            )
        with reading() as db:
            missed = list_changes_since(db, start, room_ids=[room_id], limit=CATCH_UP_LIMIT)
            members = list_member_presence(db, [room_id], now=now).get(room_id, [])
            # Again after the catch-up read, as the poller does: a removal that committed
            # since the check above must not let a later message through.
            lapse = list_lapsed_viewers(db, [listener.viewer], now=now).get(listener.viewer)
        hub.note_presence(room_id, members)
    except BaseException:
        close_stream(hub, listener)
        raise
    if lapse is not None:
        close_stream(hub, listener)
        return _ended_stream(lapse, room_id)
    timing = hub.timing
    lifetime = timing.stream_seconds + random.uniform(0, timing.stream_jitter_seconds)
    # Waitress tells a stream its client went (it reads ahead on the connection: see
    # gateway.web.server); other servers are only noticed when a heartbeat cannot be written.
    gone = request.environ.get("waitress.client_disconnected") or _never

    def describe(member: MemberPresence) -> dict[str, object]:
        return presence_data(member, zone, hub.clock())

    response = Response(
        stream_events(listener, start, missed, members, timing, lifetime, gone, describe),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
    response.call_on_close(lambda: close_stream(hub, listener))
    return response


@live.post("/live/rooms/<int:room_id>/leave")
def leave_room_page(room_id: int) -> Response:
    """The page is going (navigated away, closed or hidden; sent by navigator.sendBeacon):
    its room stops being in front of its viewer now, not when its stream is noticed gone."""
    signed_in = g.get("signed_in")
    page_key = read_page_key(request.form.get("page"))
    if signed_in is None:
        return Response("sign in first\n", 401, mimetype="text/plain")
    if page_key is None:
        return Response("say which page is leaving (page)\n", 400, mimetype="text/plain")
    with writing() as db:
        end_page_view(db, web_session_id=signed_in.session_id, room_id=room_id, page_key=page_key)
    return Response(status=204)


def close_stream(hub: LiveHub, listener: Listener) -> None:
    """The stream is over: stop feeding it and end its room view. Runs as the response
    closes, so it must not raise (a database restarting: the view's lease runs out)."""
    hub.close(listener)
    if listener.view_id is None:
        return
    try:
        with hub.database.transaction() as db:
            end_room_view(db, listener.view_id)
    except Exception:
        log.exception("could not end the room view of a closed stream")


def _ended_stream(lapse: Lapse, room_id: int) -> Response:
    """A stream that only tells the page its viewer may no longer follow the room."""
    return Response(
        format_ending(lapse, room_id),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache"},
    )


def _start_cursor(db: Session, room_id: int) -> FeedCursor:
    """Where the page is: Last-Event-ID on reconnection, else ?after= and the room's newest
    edit, else the room as it is now."""
    # A page that closed its stream while hidden resumes from its own last id (`last`).
    resumed = parse_last_event_id(request.headers.get("Last-Event-ID") or request.args.get("last"))
    if resumed is not None:
        return resumed
    now_cursor = current_cursor(db, room_id)
    after = parse_after(request.args.get("after"))
    if after is not None:
        return FeedCursor(after, now_cursor.event_id)
    return now_cursor


def stream_events(
    listener: Listener,
    start: FeedCursor,
    missed: list[FeedItem],
    members: list[MemberPresence],
    timing: LiveTiming,
    lifetime: float,
    gone: Callable[[], bool],
    describe: Callable[[MemberPresence], dict[str, object]],
) -> Iterator[str]:
    """The stream body: resume point, what was missed, presence, then changes as they come,
    until its lifetime is over, the hub ends it or its client is `gone` (looked at every
    GONE_CHECK_SECONDS: an open stream keeps its room in front of its viewer)."""
    cursor = StreamCursor(start)
    opening = [f"retry: {RECONNECT_MILLISECONDS}\nid: {format_cursor(start)}\n\n"]
    opening += [cursor.render(item) for item in missed if cursor.accept(item)]
    opening += [format_event("presence", describe(member)) for member in members]
    yield "".join(opening)
    clock = time.monotonic
    deadline = clock() + lifetime
    next_heartbeat = clock() + timing.heartbeat_seconds
    while (now := clock()) < deadline:
        if now >= next_heartbeat:
            next_heartbeat = now + timing.heartbeat_seconds
            yield format_comment("heartbeat")
            continue
        wake = min(deadline, next_heartbeat, now + GONE_CHECK_SECONDS)
        chunk, ended = _render(cursor, listener, listener.wait(wake - now), describe)
        if chunk:
            yield chunk
        if ended or gone():
            return


def _never() -> bool:
    return False


def _render(
    cursor: StreamCursor,
    listener: Listener,
    items: list[Delivery],
    describe: Callable[[MemberPresence], dict[str, object]],
) -> tuple[str, bool]:
    """The text of what was delivered, up to a StreamEnd; and whether one came."""
    parts = []
    for item in items:
        if isinstance(item, StreamEnd):
            if item.lapse is not None:
                parts.append(format_ending(item.lapse, listener.room_id))
            return "".join(parts), True
        if isinstance(item, PresenceChange):
            parts.append(format_event("presence", describe(item.member)))
        elif cursor.accept(item):
            parts.append(cursor.render(item))
    return "".join(parts), False


@live.post("/presence")
@login_required
def set_status() -> Response:
    """The header's Online / Invisible toggle."""
    back = safe_next(request.form.get("next"), url_for("site.landing"))
    try:
        with writing() as db:
            chosen = set_presence(db, current_user().id, request.form.get("presence", ""))
    except InvalidInput as error:
        flash(str(error), "error")
        return redirect(back, 303)
    flash(f"You now show as {STATUS_WORDS[chosen.value]}.", "success")
    return redirect(back, 303)
