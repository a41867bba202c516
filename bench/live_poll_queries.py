"""Live poller benchmark: what one poll's statements cost with many streams open.

The live poller (gateway.web.live_hub) runs, every poll, the changes query and the check of
which open streams' viewers may no longer follow their room (one statement for all of them).
This times both, on a database holding `--rooms` rooms of `--members` members each (every
member signed in), asking about `--streams` open streams spread evenly over the rooms:

    python bench/live_poll_queries.py [--streams 200] [--rooms 200] [--members 8] [--runs 300]
    GATEWAY_BENCH_DATABASE_URL=postgresql+psycopg://... python bench/live_poll_queries.py

Without GATEWAY_BENCH_DATABASE_URL: a fresh SQLite file (migrated here). With it: that
database, which must be empty and migrated. Prints stable `key: value` lines (milliseconds).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from gateway.core.room_feed import (
    RoomViewer,
    current_cursor,
    list_changes_since,
    list_lapsed_viewers,
)
from gateway.core.rooms import create_room, list_active_members
from gateway.core.users import add_user
from gateway.core.web_sessions import find_web_session, start_web_session
from gateway.store.database import Database
from gateway.store.migrate import upgrade

from measure import percentile


def fill(database: Database, rooms: int, members: int) -> list[RoomViewer]:
    """Rooms with their members signed in: every member's web session on their room."""
    now = datetime.now(UTC)
    viewers = []
    with database.transaction() as session:
        for r in range(rooms):
            people = [
                add_user(session, f"m{r}.{n}@example.com", name=f"Member {r}.{n}", now=now)
                for n in range(members)
            ]
            room = create_room(session, f"Room {r}", owner=people[0], members=people, now=now)
            for membership in list_active_members(session, room.id):
                token = start_web_session(session, membership.user, now=now)
                signed_in = find_web_session(session, token, now=now)
                assert signed_in is not None
                viewers.append(RoomViewer(signed_in.session_id, membership.id))
    return viewers


def timed(database: Database, runs: int, query: Callable[[Session], object]) -> dict[str, float]:
    """p50 and p95 of `query`, each run in a read session of its own (as the poller does)."""
    samples = []
    for _ in range(runs):
        with database.read_session() as session:
            started = time.perf_counter()
            query(session)
            samples.append(time.perf_counter() - started)
    return {"p50_ms": percentile(samples, 0.5) * 1000, "p95_ms": percentile(samples, 0.95) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gateway-bench-") as data_dir:
        url = os.environ.get("GATEWAY_BENCH_DATABASE_URL") or f"sqlite:///{Path(data_dir)}/g.db"
        database = Database(url)
        upgrade(database)
        everyone = fill(database, args.rooms, args.members)
        if not database.is_sqlite:  # table statistics, as autovacuum keeps them
            with database.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        step = max(1, len(everyone) // args.streams)
        viewers = everyone[::step][: args.streams]
        with database.read_session() as session:
            newest = current_cursor(session)
        now = datetime.now(UTC)
        figures = {
            "changes": timed(database, args.runs, lambda s: list_changes_since(s, newest)),
            "lapse_check": timed(
                database, args.runs, lambda s: list_lapsed_viewers(s, viewers, now=now)
            ),
        }
        with database.read_session() as session:
            assert list_lapsed_viewers(session, viewers, now=now) == {}
            assert list_changes_since(session, newest) == []
        database.dispose()
    print(f"backend: {database.url.get_backend_name()}")
    print(f"streams: {len(viewers)}")
    for name, values in figures.items():
        for key, value in values.items():
            print(f"{name}_{key}: {value:.3f}")


if __name__ == "__main__":
    main()
