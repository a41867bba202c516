"""Live updates: the event stream an open room page listens to, and the Online/Invisible toggle.

Owns GET /live/rooms/<id> (Server-Sent Events) and POST /presence. Waitress spends one thread
on every open stream, so streams never query in a loop: ONE poller thread per process (per
app), started when the first stream opens and ending when the last one closes, reads the
newest messages and room events with one cheap statement every POLL_SECONDS (it polls the
database, so messages posted by another process, `gateway smtp` say, are seen too), member
presence every PRESENCE_SECONDS, refreshes the open pages' web sessions every TOUCH_SECONDS,
and hands each change to the queues of the streams of that room. Domain queries live in
gateway.core.room_feed; this module must not hold domain rules.
"""

from __future__ import annotations

import json
import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from flask import Blueprint, current_app, flash, g, redirect, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from gateway.core.errors import InvalidInput, NotAllowed
from gateway.core.presence import set_presence
from gateway.core.room_feed import (
    FeedCursor,
    FeedItem,
    MemberPresence,
    current_cursor,
    list_changes_since,
    list_member_presence,
)
from gateway.core.rooms import get_active_membership
from gateway.core.web_sessions import touch_web_session
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.web.request_db import reading, writing
from gateway.web.security import safe_next
from gateway.web.session_user import current_user, login_required, utc_now, web_context

log = logging.getLogger(__name__)

live = Blueprint("live", __name__)

HUB_EXTENSION = "gateway.live"
# Threads Waitress keeps for ordinary page views whatever the number of open streams.
RESERVED_PAGE_THREADS = 8
# How long a refused browser should wait before trying again (503 Retry-After).
RETRY_AFTER_SECONDS = 15
# How soon EventSource reconnects after a stream ends (the SSE `retry:` field).
RECONNECT_MILLISECONDS = 2000
# At most this many missed messages (and as many edits) are replayed on reconnection; the
# page then fetches everything after its newest message anyway.
CATCH_UP_LIMIT = 100
STATUS_WORDS = {"online": "Online", "invisible": "Invisible"}


@dataclass(frozen=True, slots=True)
class LiveTiming:
    """The rhythm of the streams and the poller (tests may set app.config[HUB_EXTENSION])."""

    poll_seconds: float = 0.5
    presence_seconds: float = 5.0
    touch_seconds: float = 30.0
    heartbeat_seconds: float = 20.0
    # Streams end after a few minutes (EventSource reconnects by itself) so threads are
    # recycled; the jitter keeps pages opened together from reconnecting together.
    stream_seconds: float = 300.0
    stream_jitter_seconds: float = 60.0
    # An id that appears above a gap (a transaction still open on PostgreSQL) is delivered
    # at once; the gap is waited for this long before it is taken as a rollback.
    settle_seconds: float = 3.0


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
    if not message_part.isdigit() or not (event_part.isdigit() or event_part == ""):
        return None
    return FeedCursor(int(message_part), int(event_part or 0))


def parse_after(value: str | None) -> int | None:
    """The `?after=<message id>` of a first connection: the page's newest message."""
    return int(value) if value and value.isdigit() else None


def presence_data(member: MemberPresence) -> dict[str, object]:
    return {
        "user_id": member.user_id,
        "online": member.online,
        "away_until": member.away_until.isoformat() if member.away_until else None,
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


# --- The poller's view of the id sequences ------------------------------------------------


class IdWatermark:
    """Which ids of one table the poller has seen, so each new row is reported once.

    `low` is the id below which every row has been seen; the poller asks for rows above it.
    Ids above a gap are reported at once and remembered; the gap is waited for up to
    `settle_seconds` (an open transaction) and then given up (a rollback left it).
    """

    def __init__(self, low: int, settle_seconds: float) -> None:
        self.low = low
        self.settle_seconds = settle_seconds
        self._above: set[int] = set()
        self._gap_since: float | None = None

    def observe(self, ids: Iterable[int], now: float) -> set[int]:
        """The ids among `ids` not seen before; moves `low` up."""
        fresh = {i for i in ids if i > self.low and i not in self._above}
        self._above |= fresh
        self._advance()
        if self._above:
            if self._gap_since is None:
                self._gap_since = now
            elif now - self._gap_since >= self.settle_seconds:
                self.low = min(self._above) - 1
                self._advance()
                self._gap_since = now if self._above else None
        else:
            self._gap_since = None
        return fresh

    def _advance(self) -> None:
        while self.low + 1 in self._above:
            self.low += 1
            self._above.discard(self.low)


# --- Streams and the one poller that feeds them -------------------------------------------


@dataclass(frozen=True, slots=True)
class PresenceChange:
    room_id: int
    member: MemberPresence


@dataclass(eq=False)
class Listener:
    """One open stream: its room, the web session it keeps alive, and its inbox."""

    room_id: int
    session_id: int
    # None in the inbox asks the stream to end (the process is stopping).
    inbox: queue.SimpleQueue[FeedItem | PresenceChange | None] = field(
        default_factory=queue.SimpleQueue
    )
    touched_at: float = field(default_factory=time.monotonic)

    def wait(self, timeout: float) -> list[FeedItem | PresenceChange | None]:
        """Everything delivered so far, waiting up to `timeout` seconds for the first."""
        try:
            items = [self.inbox.get(timeout=max(timeout, 0))]
        except queue.Empty:
            return []
        while True:
            try:
                items.append(self.inbox.get_nowait())
            except queue.Empty:
                return items


class LiveHub:
    """The streams of one process and the poller thread that wakes them."""

    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime],
        capacity: int,
        timing: LiveTiming,
    ) -> None:
        self.database = database
        self.clock = clock
        self.capacity = capacity
        self.timing = timing
        self._lock = threading.Lock()
        self._rooms: dict[int, set[Listener]] = {}
        self._count = 0
        self._poller: Poller | None = None
        # Per room with open streams: the presence its pages were last told.
        self._presence: dict[int, dict[int, MemberPresence]] = {}

    @property
    def open_streams(self) -> int:
        return self._count

    def open(self, room_id: int, session_id: int) -> Listener | None:
        """Register a stream (None when the process is full); the poller is running and has
        its starting point when this returns, so a catch-up query made next misses nothing."""
        with self._lock:
            if self._count >= self.capacity:
                return None
            listener = Listener(room_id, session_id)
            self._rooms.setdefault(room_id, set()).add(listener)
            self._count += 1
            if self._poller is None:
                self._poller = Poller(self)
                self._poller.start()
            poller = self._poller
        poller.ready.wait(timeout=30)
        return listener

    def close(self, listener: Listener) -> None:
        with self._lock:
            listeners = self._rooms.get(listener.room_id)
            if listeners is None or listener not in listeners:
                return
            listeners.discard(listener)
            if not listeners:
                del self._rooms[listener.room_id]
            self._count -= 1

    def note_presence(self, room_id: int, members: Iterable[MemberPresence]) -> None:
        """What a stream just told its page, if the poller has not looked at the room yet."""
        with self._lock:
            self._presence.setdefault(room_id, {member.user_id: member for member in members})

    def update_presence(self, rooms: dict[int, list[MemberPresence]]) -> list[PresenceChange]:
        """Record the rooms' presence now; returns what changed since pages were told."""
        changes = []
        with self._lock:
            for room_id, members in rooms.items():
                now = {member.user_id: member for member in members}
                before = self._presence.get(room_id, now)
                changes += [
                    PresenceChange(room_id, m) for m in members if before.get(m.user_id) != m
                ]
                self._presence[room_id] = now
            for room_id in set(self._presence) - set(self._rooms):
                del self._presence[room_id]
        return changes

    def end_streams(self) -> None:
        """Ask every open stream to end now (at shutdown); browsers reconnect elsewhere."""
        for room_listeners in self.listeners().values():
            for listener in room_listeners:
                listener.inbox.put(None)

    def listeners(self) -> dict[int, list[Listener]]:
        with self._lock:
            return {room_id: list(found) for room_id, found in self._rooms.items()}

    def retire(self, poller: Poller) -> bool:
        """Called by the poller: stop it if no stream is open (a new one starts on demand)."""
        with self._lock:
            if self._count == 0 and self._poller is poller:
                self._poller = None
                return True
            return False


class Poller(threading.Thread):
    """Watches the database for the hub: changes, presence, and the open pages' sessions."""

    def __init__(self, hub: LiveHub) -> None:
        super().__init__(name="live-poller", daemon=True)
        self.hub = hub
        self.ready = threading.Event()
        self.messages: IdWatermark | None = None
        self.events: IdWatermark | None = None
        self.presence_due = 0.0

    def run(self) -> None:
        timing = self.hub.timing
        while True:
            try:
                self.poll_once()
            except Exception:  # the database may be restarting: keep the streams, try again
                log.exception("live update poll failed")
            finally:
                self.ready.set()
            if self.hub.retire(self):
                return
            time.sleep(timing.poll_seconds)

    def poll_once(self) -> None:
        now = time.monotonic()
        if self.messages is None or self.events is None:
            with self.hub.database.read_session() as db:
                start = current_cursor(db)
            settle = self.hub.timing.settle_seconds
            self.messages = IdWatermark(start.message_id, settle)
            self.events = IdWatermark(start.event_id, settle)
            return
        listeners = self.hub.listeners()
        self.deliver_changes(listeners, now)
        if now >= self.presence_due:
            self.presence_due = now + self.hub.timing.presence_seconds
            self.deliver_presence(listeners)
        self.touch_sessions(listeners, now)

    def deliver_changes(self, listeners: dict[int, list[Listener]], now: float) -> None:
        assert self.messages is not None and self.events is not None
        low = FeedCursor(self.messages.low, self.events.low)
        with self.hub.database.read_session() as db:
            items = list_changes_since(db, low)
        fresh_messages = self.messages.observe([i.message_id for i in items if i.is_message], now)
        fresh_events = self.events.observe(
            [i.event_id or 0 for i in items if not i.is_message], now
        )
        for item in items:
            fresh = fresh_messages if item.is_message else fresh_events
            if (item.message_id if item.is_message else item.event_id) in fresh:
                for listener in listeners.get(item.room_id, ()):
                    listener.inbox.put(item)

    def deliver_presence(self, listeners: dict[int, list[Listener]]) -> None:
        if not listeners:
            return
        with self.hub.database.read_session() as db:
            rooms = list_member_presence(db, list(listeners), now=self.hub.clock())
        for change in self.hub.update_presence(rooms):
            for listener in listeners.get(change.room_id, ()):
                listener.inbox.put(change)

    def touch_sessions(self, listeners: dict[int, list[Listener]], now: float) -> None:
        """Keep each open page's web session fresh: that is how presence and "the room in
        front of them" are known. One transaction for every session due."""
        due = [
            listener
            for room_listeners in listeners.values()
            for listener in room_listeners
            if now - listener.touched_at >= self.hub.timing.touch_seconds
        ]
        if not due:
            return
        with self.hub.database.transaction() as db:
            for listener in due:
                touch_web_session(
                    db, listener.session_id, now=self.hub.clock(), viewing_room_id=listener.room_id
                )
        for listener in due:
            listener.touched_at = now


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
            get_active_membership(db, room_id, signed_in.user_id)
        except NotAllowed:
            return Response("no such room\n", 404, mimetype="text/plain")
        start = _start_cursor(db, room_id)
    hub = live_hub()
    listener = hub.open(room_id, signed_in.session_id)
    if listener is None:
        return Response(
            "too many open pages right now; reconnecting shortly\n",
            503,
            mimetype="text/plain",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    try:
        with writing() as db:
            touch_web_session(db, signed_in.session_id, now=now, viewing_room_id=room_id)
        with reading() as db:
            missed = list_changes_since(db, start, room_ids=[room_id], limit=CATCH_UP_LIMIT)
            members = list_member_presence(db, [room_id], now=now).get(room_id, [])
        hub.note_presence(room_id, members)
    except BaseException:
        hub.close(listener)
        raise
    timing = hub.timing
    lifetime = timing.stream_seconds + random.uniform(0, timing.stream_jitter_seconds)
    response = Response(
        stream_events(listener, start, missed, members, timing, lifetime),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
    response.call_on_close(lambda: hub.close(listener))
    return response


def _start_cursor(db: Session, room_id: int) -> FeedCursor:
    """Where the page is: Last-Event-ID on reconnection, else ?after= and the room's newest
    edit, else the room as it is now."""
    resumed = parse_last_event_id(request.headers.get("Last-Event-ID"))
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
) -> Iterator[str]:
    """The stream body: resume point, what was missed, presence, then changes as they come."""
    cursor = StreamCursor(start)
    opening = [f"retry: {RECONNECT_MILLISECONDS}\nid: {format_cursor(start)}\n\n"]
    opening += [cursor.render(item) for item in missed if cursor.accept(item)]
    opening += [format_event("presence", presence_data(member)) for member in members]
    yield "".join(opening)
    clock = time.monotonic
    deadline = clock() + lifetime
    next_heartbeat = clock() + timing.heartbeat_seconds
    while (now := clock()) < deadline:
        if now >= next_heartbeat:
            next_heartbeat = now + timing.heartbeat_seconds
            yield format_comment("heartbeat")
            continue
        items = listener.wait(min(deadline, next_heartbeat) - now)
        chunk = "".join(_render(cursor, item) for item in items if item is not None)
        if chunk:
            yield chunk
        if None in items:
            return


def _render(cursor: StreamCursor, item: FeedItem | PresenceChange) -> str:
    if isinstance(item, PresenceChange):
        return format_event("presence", presence_data(item.member))
    return cursor.render(item) if cursor.accept(item) else ""


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
