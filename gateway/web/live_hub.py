"""The streams of one process and the one poller thread that feeds them (live updates).

Owns the registry of open room streams (LiveHub) and the Poller: ONE thread per process (per
app), started when the first stream opens and ending when the last one closes. Every
POLL_SECONDS it reads, in one read transaction, the newest messages and room events (one
cheap statement; it polls the database, so messages posted by another process, `gateway
smtp` say, are seen too) and which open streams' viewers may no longer follow their room
(one statement for all of them: removed, left, signed out or deactivated, by any process);
such a stream is handed a StreamEnd and gets nothing more. It reads member presence every
PRESENCE_SECONDS, renews the open pages' room views every VIEW_SECONDS (gateway.core.room_views:
the room in front of its viewer), refreshes their web sessions every TOUCH_SECONDS, and hands
each change to the queues of the streams of that room. Waitress spends one thread on every open
stream, so streams never query in a loop. Domain queries live in gateway.core.room_feed;
rendering the stream is gateway.web.live's. Must not import Flask.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from gateway.core.room_feed import (
    FeedCursor,
    FeedItem,
    Lapse,
    MemberPresence,
    RoomViewer,
    current_cursor,
    list_changes_since,
    list_lapsed_viewers,
    list_member_presence,
)
from gateway.core.room_views import renew_room_views
from gateway.core.web_sessions import touch_web_session
from gateway.store.database import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LiveTiming:
    """The rhythm of the streams and the poller (tests may set app.config[HUB_EXTENSION])."""

    poll_seconds: float = 0.5
    presence_seconds: float = 5.0
    touch_seconds: float = 30.0
    # Well inside the view lease (room_views.VIEW_LEASE, 10 s): a renewal may be late.
    view_seconds: float = 3.0
    # A stream whose page is gone is noticed when a write to it fails: at the next heartbeat.
    heartbeat_seconds: float = 5.0
    # Streams end after a few minutes (EventSource reconnects by itself) so threads are
    # recycled; the jitter keeps pages opened together from reconnecting together.
    stream_seconds: float = 300.0
    stream_jitter_seconds: float = 60.0
    # An id that appears above a gap (a transaction still open on PostgreSQL) is delivered
    # at once; the gap is waited for this long before it is taken as a rollback.
    settle_seconds: float = 3.0


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


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """Asks a stream to end: `lapse` says why its viewer may no longer follow the room (the
    page is told); None, the process is stopping (the page reconnects elsewhere)."""

    lapse: Lapse | None = None


STOPPING = StreamEnd()

Delivery = FeedItem | PresenceChange | StreamEnd


@dataclass(eq=False)
class Listener:
    """One open stream: its room, the web session it keeps alive, the membership that lets it
    follow the room, its page's room view (once begun) and its inbox."""

    room_id: int
    session_id: int
    membership_id: int
    inbox: queue.SimpleQueue[Delivery] = field(default_factory=queue.SimpleQueue)
    touched_at: float = field(default_factory=time.monotonic)
    view_id: int | None = None

    @property
    def viewer(self) -> RoomViewer:
        return RoomViewer(self.session_id, self.membership_id)

    def wait(self, timeout: float) -> list[Delivery]:
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

    def open(self, room_id: int, session_id: int, membership_id: int) -> Listener | None:
        """Register a stream (None when the process is full); the poller is running and has
        its starting point when this returns, so a catch-up query made next misses nothing."""
        with self._lock:
            if self._count >= self.capacity:
                return None
            listener = Listener(room_id, session_id, membership_id)
            self._rooms.setdefault(room_id, set()).add(listener)
            self._count += 1
            if self._poller is None:
                self._poller = Poller(self)
                self._poller.start()
            poller = self._poller
        poller.ready.wait(timeout=30)
        return listener

    def close(self, listener: Listener) -> bool:
        """Forget a stream (it is not fed any more); False when it was forgotten already."""
        with self._lock:
            listeners = self._rooms.get(listener.room_id)
            if listeners is None or listener not in listeners:
                return False
            listeners.discard(listener)
            if not listeners:
                del self._rooms[listener.room_id]
            self._count -= 1
            return True

    def turn_away(self, listener: Listener, lapse: Lapse) -> None:
        """End a stream whose viewer may no longer follow its room: nothing more is handed
        to it, and it tells its page why."""
        if self.close(listener):
            listener.inbox.put(StreamEnd(lapse))

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
                listener.inbox.put(STOPPING)

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
        self.views_due = 0.0

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
        listeners = self.deliver_changes(self.hub.listeners(), now)
        if now >= self.presence_due:
            self.presence_due = now + self.hub.timing.presence_seconds
            self.deliver_presence(listeners)
        self.touch_sessions(listeners, now)

    def deliver_changes(
        self, listeners: dict[int, list[Listener]], now: float
    ) -> dict[int, list[Listener]]:
        """Hand the new changes to the streams whose viewers may still follow their room,
        after turning the others away; returns the streams still open."""
        assert self.messages is not None and self.events is not None
        low = FeedCursor(self.messages.low, self.events.low)
        viewers = {listener.viewer for found in listeners.values() for listener in found}
        with self.hub.database.read_session() as db:
            items = list_changes_since(db, low)
            # Asked after the changes were read: a removal that committed before a message
            # did is seen here with it (PostgreSQL's READ COMMITTED reads each statement
            # afresh; SQLite reads the whole transaction from one snapshot), so a removed
            # member is never handed a message posted after the removal.
            lapsed = list_lapsed_viewers(db, viewers, now=self.hub.clock())
        listeners = self.turn_away(listeners, lapsed)
        fresh_messages = self.messages.observe([i.message_id for i in items if i.is_message], now)
        fresh_events = self.events.observe(
            [i.event_id or 0 for i in items if not i.is_message], now
        )
        for item in items:
            fresh = fresh_messages if item.is_message else fresh_events
            if (item.message_id if item.is_message else item.event_id) in fresh:
                for listener in listeners.get(item.room_id, ()):
                    listener.inbox.put(item)
        return listeners

    def turn_away(
        self, listeners: dict[int, list[Listener]], lapsed: dict[RoomViewer, Lapse]
    ) -> dict[int, list[Listener]]:
        """End the streams of `lapsed` viewers; the rest, by room."""
        if not lapsed:
            return listeners
        remaining: dict[int, list[Listener]] = {}
        for room_id, found in listeners.items():
            for listener in found:
                lapse = lapsed.get(listener.viewer)
                if lapse is None:
                    remaining.setdefault(room_id, []).append(listener)
                else:
                    self.hub.turn_away(listener, lapse)
        return remaining

    def deliver_presence(self, listeners: dict[int, list[Listener]]) -> None:
        if not listeners:
            return
        with self.hub.database.read_session() as db:
            rooms = list_member_presence(db, list(listeners), now=self.hub.clock())
        for change in self.hub.update_presence(rooms):
            for listener in listeners.get(change.room_id, ()):
                listener.inbox.put(change)

    def touch_sessions(self, listeners: dict[int, list[Listener]], now: float) -> None:
        """Keep each open page's room view and web session fresh: that is how "the room in
        front of them" and presence are known. One transaction for all that is due."""
        timing = self.hub.timing
        every = [listener for found in listeners.values() for listener in found]
        views = [listener.view_id for listener in every if listener.view_id is not None]
        renew = bool(views) and now >= self.views_due
        due = [listener for listener in every if now - listener.touched_at >= timing.touch_seconds]
        if not renew and not due:
            return
        # Sessions before views, the order every other writer takes them in (a stream that
        # opens; PostgreSQL's TRUNCATE in the tests): two orders could deadlock.
        with self.hub.database.transaction() as db:
            for listener in due:
                touch_web_session(db, listener.session_id, now=self.hub.clock())
            if renew:
                renew_room_views(db, views, now=self.hub.clock())
        if renew:
            self.views_due = now + timing.view_seconds
        for listener in due:
            listener.touched_at = now
