"""Web inbox benchmark: the room page, deep paging and search on a database of a million
messages, against GET /healthz measured in the same run.

Seeds a fresh database (SQLite: a file in a temporary directory; PostgreSQL with `--postgres
URL`: THAT DATABASE IS WIPED, give it one of its own) with `--messages` messages, of which
`--room-messages` in one room, written by a few hundred users in a few hundred rooms, in
words drawn from a Zipf-like vocabulary so search has real work to do. Rows go in with
SQLAlchemy Core executemany in large batches (the search index is kept by the database, as
in production); rendering is skipped (body_html is the escaped text).

Then `gateway web` runs as a subprocess on that database and N client threads (keep-alive
http.client connections, signed in as a member of the big room) request each page in turn:

  healthz        GET /healthz: the baseline (WSGI server + one SELECT 1)
  room_page      GET /rooms/<big room>
  room_before    GET /rooms/<big room>?before=<id deep in the room>
  search_*       GET /search?q=...: a common word, a rare word, a phrase, from: + word,
                 in: + after:, in: + before:, before: alone, a word + before: (a year back)

    python bench/web_pages.py [--messages 1000000] [--room-messages 100000]
        [--clients 4] [--seconds 5] [--postgres postgresql+psycopg://.../bench_db]

Prints stable `key: value` lines: per page p50/p95/p99 latency, requests/s, the HTTP
statuses seen, the p95 as a multiple of the healthz p95, and the targets (room pages p95 <
50 ms, search p95 < 150 ms).
"""

from __future__ import annotations

import argparse
import html
import http.client
import itertools
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from measure import free_port, percentile

SECRET_KEY = "bench-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
READY = "web listening on"
END = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
SPAN = timedelta(days=730)  # messages spread over two years, oldest first
BIG_ROOM_TITLE = "Room for Project A"
RARE_WORD = "zeppelin"
RARE_COUNT = 40
PHRASE = "final invoice"
TARGETS_MS = {"room": 50.0, "search": 150.0}

# Word lists as text (one string each); split once below.
WORD_LISTS = {
    "common": (
        "the to and a of i you it for is in that we on this be will with have can at so not "
        "are but if do my me just your all as get know please thanks our up from what was about "
        "there would one out time when should need work they by like let how think here today "
        "good new make see also could more an or some them now no any send next week file "
        "project update call client review design page change done check tomorrow meeting "
        "budget contract milestone payment invoice draft version team question issue deadline "
        "schedule feedback approve scope estimate hours report data email link site logo "
        "color font layout mobile test release bug fix server account access login password "
        "monday tuesday wednesday thursday friday morning afternoon evening great sure okay "
        "sounds perfect agree sorry late soon quick small big first last final phase plan"
    ),
    "syllables": "ka lo mi ne ru ta shi po de va zen bri cor fal gun hex jor lum mav nix",
    "first": "Alice Bob Carol Dave Erin Frank Grace Heidi Ivan Judy Mallory Niaj Olivia",
    "last": "Archer Baker Chen Diaz Evans Fischer Garcia Hughes Ito Jones Kim Lopez",
    "topics": "Website Logo Mobile Backend Marketing Content Data Support Launch Audit",
}
COMMON_WORDS, SYLLABLES, FIRST_NAMES, LAST_NAMES, TOPICS = (
    text.split() for text in WORD_LISTS.values()
)


@dataclass
class Seeded:
    """What the load needs to know about the seeded database."""

    database_url: str
    user_id: int
    big_room_id: int
    deep_ids: list[int]
    author_word: str
    after_day: str
    before_day: str
    seconds: float
    rows: int


@dataclass
class PageResult:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0

    def percentile_ms(self, fraction: float) -> float:
        return percentile(self.latencies, fraction) * 1000 if self.latencies else 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


# --- seeding ----------------------------------------------------------------------------------


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Common words first, then a long tail of made-up words; Zipf-like cumulative weights."""
    tail = {"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(30_000)}
    words = COMMON_WORDS + sorted(tail - set(COMMON_WORDS) - {RARE_WORD})
    weights = [1 / (rank + 1) ** 1.05 for rank in range(len(words))]
    return words, list(itertools.accumulate(weights))


def message_bodies(rng: random.Random, count: int) -> Iterator[str]:
    words, cumulative = vocabulary(rng)
    rare_at = set(rng.sample(range(count), RARE_COUNT))
    for number in range(count):
        body = rng.choices(words, cum_weights=cumulative, k=rng.randint(4, 40))
        if rng.random() < 0.01:
            body[rng.randrange(len(body))] = f"the {PHRASE} is attached"
        if number in rare_at:
            body[rng.randrange(len(body))] = RARE_WORD
        sentence = " ".join(body)
        yield sentence[0].upper() + sentence[1:] + "."


def reset_database(url: str) -> None:
    from sqlalchemy import text

    from gateway.store.database import Database
    from gateway.store.migrate import upgrade

    database = Database(url)
    if not database.is_sqlite:
        with database.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(database)
    database.dispose()


def seed(url: str, args: argparse.Namespace) -> Seeded:
    """Users, rooms and memberships, then the messages in batches (timed as a whole)."""
    from sqlalchemy import insert, text

    from gateway.store.database import Database
    from gateway.store.models import Account, Membership, Message, Room, User

    rng = random.Random(20261123)
    reset_database(url)
    database = Database(url)
    started = time.perf_counter()
    users = [
        {
            "id": n,
            "email": f"user{n}@example.com",
            "display_name": f"{FIRST_NAMES[n % len(FIRST_NAMES)]} "
            f"{LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)]}{n}",
            "time_zone": "UTC",
            "created_at": END - SPAN,
        }
        for n in range(1, args.users + 1)
    ]
    accounts = [
        {
            "id": user["id"],
            "user_id": user["id"],
            "kind": "freelancer",
            "name": user["display_name"],
            "created_at": END - SPAN,
        }
        for user in users
    ]
    rooms, members = [], {}
    for room_id in range(1, args.rooms + 1):
        owner = 1 if room_id <= 40 else rng.randint(2, args.users)
        others = rng.sample(range(2, args.users + 1), rng.randint(1, 5))
        members[room_id] = sorted({owner, *others})
        title = BIG_ROOM_TITLE if room_id == 1 else f"{rng.choice(TOPICS)} room {room_id}"
        rooms.append(
            {
                "id": room_id,
                "account_id": owner,
                "owner_id": owner,
                "kind": "group",
                "title": title,
                "thread_token": f"{room_id:032x}",
                "created_at": END - SPAN,
            }
        )
    memberships = [
        {
            "room_id": room_id,
            "user_id": user_id,
            "account_id": user_id,
            "role": "owner" if user_id == rooms[room_id - 1]["owner_id"] else "member",
            "joined_at": END - SPAN,
            "reply_nonce": f"{room_id:016x}{user_id:016x}",
            "email_muted": False,
        }
        for room_id, user_ids in members.items()
        for user_id in user_ids
    ]
    with database.engine.begin() as connection:
        connection.execute(insert(User.__table__), users)
        connection.execute(insert(Account.__table__), accounts)
        connection.execute(insert(Room.__table__), rooms)
        connection.execute(insert(Membership.__table__), memberships)

    big_room_every = max(1, args.messages // args.room_messages)
    step = SPAN / args.messages
    big_ids: list[int] = []
    batch: list[dict[str, object]] = []
    insert_messages = insert(Message.__table__)
    for number, body in enumerate(message_bodies(rng, args.messages)):
        message_id = number + 1
        if number % big_room_every == 0 and len(big_ids) < args.room_messages:
            room_id = 1
            big_ids.append(message_id)
        else:
            room_id = rng.randint(2, args.rooms)
        batch.append(
            {
                "id": message_id,
                "room_id": room_id,
                "author_id": rng.choice(members[room_id]),
                "origin": "web",
                "body_source": body,
                "body_html": f"<p>{html.escape(body)}</p>",
                "created_at": END - SPAN + step * number,
            }
        )
        if len(batch) == args.batch:
            with database.engine.begin() as connection:
                connection.execute(insert_messages, batch)
            batch = []
    if batch:
        with database.engine.begin() as connection:
            connection.execute(insert_messages, batch)
    if not database.is_sqlite:
        with database.engine.begin() as connection:
            for table in ("users", "accounts", "rooms", "memberships", "messages"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        # What autovacuum would have done by the time anyone searches.
        with database.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as connection:
            connection.execute(text("VACUUM ANALYZE"))
    seconds = time.perf_counter() - started
    database.dispose()
    other_member = next(u for u in members[1] if u != 1)
    return Seeded(
        database_url=url,
        user_id=1,
        big_room_id=1,
        deep_ids=big_ids[len(big_ids) // 10 : len(big_ids) // 2],
        author_word=users[other_member - 1]["display_name"].split()[0].lower(),
        after_day=(END - timedelta(days=30)).strftime("%Y%m%d"),
        before_day=(END - timedelta(days=365)).strftime("%Y%m%d"),
        seconds=seconds,
        rows=args.messages,
    )


# --- the server and the clients ---------------------------------------------------------------


def start_web(seeded: Seeded, data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": seeded.database_url,
        "GATEWAY_DATA_DIR": str(data_dir),
        "GATEWAY_SECRET_KEY": SECRET_KEY,
        "GATEWAY_WEB_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "web"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    started = threading.Event()

    def drain() -> None:
        """Keep reading (a full pipe would block the server); show the first error whole."""
        assert process.stdout is not None
        errors, showing = 0, False
        for line in process.stdout:
            if READY in line:
                started.set()
            if " ERROR " in line:
                errors += 1
                showing = errors == 1
                if errors in (2, 10, 100, 1000):
                    print(f"server: {errors} errors so far", file=sys.stderr)
            elif line[:1].isdigit():  # the next log line ends a traceback
                showing = False
            if showing:
                print(f"server: {line.rstrip()}", file=sys.stderr)

    threading.Thread(target=drain, daemon=True).start()
    if not started.wait(timeout=120):
        process.kill()
        raise RuntimeError("gateway web did not start")
    return process


def session_cookie(seeded: Seeded, data_dir: Path) -> str:
    """A signed-in browser's cookie: a real web session, signed as Flask signs it."""
    from gateway.core.web_sessions import start_web_session
    from gateway.settings import Settings
    from gateway.store.database import Database
    from gateway.store.models import User
    from gateway.web.app import create_app

    settings = Settings(data_dir=data_dir, database_url=seeded.database_url, secret_key=SECRET_KEY)
    database = Database(seeded.database_url)
    with database.transaction() as session:
        user = session.get(User, seeded.user_id)
        assert user is not None
        token = start_web_session(session, user, now=datetime.now(UTC))
    app = create_app(settings, database)
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    database.dispose()
    return f"{app.config['SESSION_COOKIE_NAME']}={serializer.dumps({'sid': token})}"


def drive(
    port: int, paths: Sequence[str], cookie: str, clients: int, seconds: float, warmup: float
) -> PageResult:
    """`clients` threads, each on one keep-alive connection, cycling through `paths`."""
    result = PageResult(seconds=seconds)
    lock = threading.Lock()
    start = time.perf_counter()
    measure_from, deadline = start + warmup, start + warmup + seconds

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        latencies, statuses = [], Counter()
        for path in itertools.islice(itertools.cycle(paths), offset, None):
            began = time.perf_counter()
            if began >= deadline:
                break
            connection.request("GET", path, headers={"Cookie": cookie})
            response = connection.getresponse()
            response.read()
            if began >= measure_from:
                latencies.append(time.perf_counter() - began)
                statuses[response.status] += 1
        connection.close()
        with lock:
            result.latencies += latencies
            result.statuses += statuses

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def pages(seeded: Seeded) -> dict[str, list[str]]:
    room = f"/rooms/{seeded.big_room_id}"

    def search(box: str) -> list[str]:
        return [f"/search?{urlencode({'q': box})}"]

    return {
        "healthz": ["/healthz"],
        "room_page": [room],
        "room_before": [f"{room}?before={message_id}" for message_id in seeded.deep_ids[::97]],
        "search_common": search("the"),
        "search_rare": search(RARE_WORD),
        "search_phrase": search(f'"{PHRASE}"'),
        "search_from_word": search(f"from:{seeded.author_word} budget"),
        "search_in_after": search(f'in:"{BIG_ROOM_TITLE}" after:{seeded.after_day}'),
        "search_in_before": search(f'in:"{BIG_ROOM_TITLE}" before:{seeded.before_day}'),
        "search_before": search(f"before:{seeded.before_day}"),
        "search_word_before": search(f"budget before:{seeded.before_day}"),
    }


def report(backend: str, seeded: Seeded, results: dict[str, PageResult]) -> None:
    print(f"backend: {backend}")
    print(
        f"seed: messages={seeded.rows} seconds={seeded.seconds:.1f} "
        f"rows_per_s={seeded.rows / seeded.seconds:.0f}"
    )
    baseline = results["healthz"].percentile_ms(0.95) or 1.0
    for name, result in results.items():
        p95 = result.percentile_ms(0.95)
        kind = name.split("_")[0]
        target = ""
        if kind in TARGETS_MS:
            meets = "yes" if p95 < TARGETS_MS[kind] else "no"
            target = f" target_p95_ms={TARGETS_MS[kind]:.0f} meets_target={meets}"
        statuses = ",".join(f"{code}x{n}" for code, n in sorted(result.statuses.items()))
        print(
            f"{backend}.{name}: p50_ms={result.percentile_ms(0.50):.2f} p95_ms={p95:.2f} "
            f"p99_ms={result.percentile_ms(0.99):.2f} rps={result.rate:.1f} "
            f"requests={len(result.latencies)} statuses={statuses or 'none'} "
            f"p95_vs_healthz={p95 / baseline:.1f}{target}"
        )


def run_backend(backend: str, url: str, data_dir: Path, args: argparse.Namespace) -> None:
    seeded = seed(url, args)
    cookie = session_cookie(seeded, data_dir)
    port = free_port()
    process = start_web(seeded, data_dir, port)
    try:
        results = {
            name: drive(port, paths, cookie, args.clients, args.seconds, args.warmup)
            for name, paths in pages(seeded).items()
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    report(backend, seeded, results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--room-messages", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--rooms", type=int, default=300)
    parser.add_argument("--batch", type=int, default=20_000, help="rows per executemany")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured, per page")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument(
        "--postgres", metavar="URL", help="also run on this PostgreSQL database (it is wiped)"
    )
    args = parser.parse_args()
    if not 0 < args.room_messages <= args.messages:
        parser.error("--room-messages must be between 1 and --messages")
    print(
        f"bench: web_pages messages={args.messages} room_messages={args.room_messages} "
        f"users={args.users} rooms={args.rooms} clients={args.clients} "
        f"seconds_per_page={args.seconds}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        run_backend("sqlite", f"sqlite:///{data_dir / 'gateway.db'}", data_dir, args)
        if args.postgres:
            run_backend("postgresql", args.postgres, data_dir, args)


if __name__ == "__main__":
    main()
