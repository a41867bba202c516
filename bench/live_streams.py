"""Live streams benchmark: 200 open room pages on one web process.

Starts the real web server in a process of its own on a fresh SQLite data directory, then,
from this process (as the SMTP intake or another web process would):

  (a) baseline: room page and /healthz latency with no stream open;
  (b) opens N Server-Sent Events streams (/live/rooms/<id>), one per signed-in member;
  (c) reads the web process's thread count and RSS (/proc/<pid>/status);
  (d) posts M messages through the database (gateway.core.messages.post_message) and times
      post -> `event: message` received, on every stream (p50 / p95 / max);
  (e) room page and /healthz latency again while the N streams are open.

    python bench/live_streams.py [--streams 200] [--messages 20] [--web-threads N]

The server is `gateway web` as shipped (GATEWAY_WEB_THREADS threads, default here streams +
16, and GATEWAY_LIVE_STREAM_LIMIT = streams). Prints stable `key: value` lines.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from measure import free_port, percentile

SECRET_KEY = "bench-secret-key-0123456789abcdefghijklmnopqrstuv"
STREAM_OPEN_TIMEOUT = 60.0
DELIVERY_TIMEOUT = 30.0
PROBES = 30
MAX_PROBE_FAILURES = 3


def proc_status(pid: int) -> tuple[int, int]:
    """Threads and resident memory (KiB) of a process."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["Threads"]), int(fields["VmRSS"].split()[0])


class Fixture:
    """The database content: a room with a poster and N viewers, each signed in."""

    def __init__(self, env: dict[str, str], viewers: int) -> None:
        from gateway.core.rooms import create_room
        from gateway.core.users import add_user
        from gateway.core.web_sessions import start_web_session
        from gateway.settings import Settings
        from gateway.store.database import Database
        from gateway.store.migrate import upgrade
        from gateway.web.app import create_app

        self.settings = Settings.from_environ(env)
        self.database = Database(self.settings.database_url)
        upgrade(self.database)
        now = datetime.now(UTC)
        serializer = None
        with self.database.transaction() as session:
            poster = add_user(session, "poster@example.com", name="Poster", now=now)
            people = [
                add_user(session, f"viewer{n}@example.com", name=f"Viewer {n}", now=now)
                for n in range(viewers + 1)
            ]
            room = create_room(session, "Bench room", owner=poster, members=people, now=now)
            tokens = [start_web_session(session, person, now=now) for person in people]
        app = create_app(self.settings, self.database)
        serializer = app.session_interface.get_signing_serializer(app)
        assert serializer is not None
        self.cookies = [f"gateway_session={serializer.dumps({'sid': t})}" for t in tokens]
        self.room_id, self.poster_id = room.id, poster.id

    def post(self, text: str) -> tuple[int, float]:
        """Post as another process would; returns the id and the time it was committed."""
        from gateway.core.messages import post_message
        from gateway.store.models import Origin

        with self.database.transaction() as session:
            message_id = post_message(
                session,
                self.room_id,
                self.poster_id,
                text,
                origin=Origin.API,
                now=datetime.now(UTC),
            ).id
        return message_id, time.perf_counter()


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    code = "import sys; from gateway.cli import main; sys.exit(main(sys.argv[1:]))"
    command = [sys.executable, "-c", code, "web"]
    log = open(Path(env["GATEWAY_DATA_DIR"]) / "web.log", "wb")  # noqa: SIM115 (kept open)
    process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if get(port, "/healthz", "")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit("web server did not answer /healthz within 30 s")


def get(port: int, path: str, cookie: str, timeout: float = 5) -> tuple[int, float]:
    """One GET on a fresh connection: status and seconds taken."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - start
    finally:
        connection.close()


def probe(port: int, path: str, cookie: str) -> dict[str, float]:
    times, failures = [], 0
    for _ in range(PROBES):
        try:
            status, seconds = get(port, path, cookie)
        except OSError:  # a timeout too: no thread was free to answer
            status, seconds = 0, 0.0
        if status == 200:
            times.append(seconds)
        else:
            failures += 1
            if failures >= MAX_PROBE_FAILURES:
                break
    return {
        "p50_ms": statistics.median(times) * 1000 if times else float("nan"),
        "p95_ms": percentile(times, 0.95) * 1000,
        "failed": failures,
    }


class Stream:
    """One open page's event stream; records when each message event arrived."""

    def __init__(self) -> None:
        self.opened = asyncio.Event()
        self.status = 0
        self.arrivals: dict[int, float] = {}

    async def run(self, port: int, path: str, cookie: str) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
            f"Cookie: {cookie}\r\n\r\n".encode()
        )
        await writer.drain()
        try:
            self.status = int((await reader.readline()).split()[1])
            if self.status != 200:
                return
            kind = ""
            while line := await reader.readline():
                text = line.decode().strip()
                if text.startswith("id:"):
                    self.opened.set()
                elif text.startswith("event:"):
                    kind = text.split(":", 1)[1].strip()
                elif text.startswith("data:") and kind == "message":
                    self.arrivals[json.loads(text[5:])["id"]] = time.perf_counter()
        finally:
            self.opened.set()
            writer.close()


async def measure(args: argparse.Namespace, fixture: Fixture, port: int, pid: int) -> None:
    page = f"/rooms/{fixture.room_id}"
    cookie = fixture.cookies[-1]  # the viewer who loads pages is not streaming
    in_thread: Callable = asyncio.to_thread
    healthz_before = await in_thread(probe, port, "/healthz", "")
    page_before = await in_thread(probe, port, page, cookie)
    threads_before, rss_before = proc_status(pid)

    streams = [Stream() for _ in range(args.streams)]
    path = f"/live/rooms/{fixture.room_id}"
    tasks = [
        asyncio.create_task(stream.run(port, path, fixture.cookies[n]))
        for n, stream in enumerate(streams)
    ]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(
            asyncio.gather(*(s.opened.wait() for s in streams)), STREAM_OPEN_TIMEOUT
        )
    opened = sum(1 for s in streams if s.status == 200 and s.opened.is_set())
    threads_open, rss_open = proc_status(pid)

    posted: dict[int, float] = {}
    for n in range(args.messages):
        message_id, at = await in_thread(fixture.post, f"Bench message {n}")
        posted[message_id] = at
        await asyncio.sleep(args.interval)
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    live = [s for s in streams if s.status == 200]
    while time.monotonic() < deadline and not all(posted.keys() <= s.arrivals.keys() for s in live):
        await asyncio.sleep(0.05)
    latencies = [
        stream.arrivals[mid] - at
        for stream in live
        for mid, at in posted.items()
        if mid in stream.arrivals
    ]
    # Per message: when the slowest of the streams had it.
    all_streams = [
        max(s.arrivals[mid] for s in live) - at
        for mid, at in posted.items()
        if live and all(mid in s.arrivals for s in live)
    ]
    healthz_open = await in_thread(probe, port, "/healthz", "")
    page_open = await in_thread(probe, port, page, cookie)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    lines = {
        "web_threads": args.web_threads,
        "streams_requested": args.streams,
        "streams_opened": opened,
        "messages_posted": len(posted),
        "deliveries_expected": len(posted) * opened,
        "deliveries_received": len(latencies),
        "delivery_p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "delivery_p95_ms": percentile(latencies, 0.95) * 1000,
        "delivery_max_ms": max(latencies) * 1000 if latencies else float("nan"),
        "delivery_all_streams_p50_ms": (
            statistics.median(all_streams) * 1000 if all_streams else float("nan")
        ),
        "delivery_all_streams_max_ms": max(all_streams) * 1000 if all_streams else float("nan"),
        "threads_idle": threads_before,
        "threads_streams_open": threads_open,
        "rss_kib_idle": rss_before,
        "rss_kib_streams_open": rss_open,
    }
    for name, before, during in (
        ("healthz", healthz_before, healthz_open),
        ("room_page", page_before, page_open),
    ):
        for key in ("p50_ms", "p95_ms", "failed"):
            lines[f"{name}_{key}_baseline"] = before[key]
            lines[f"{name}_{key}_streams_open"] = during[key]
    for key, value in lines.items():
        print(f"{key}: {value:.1f}" if isinstance(value, float) else f"{key}: {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between posts")
    parser.add_argument("--web-threads", type=int, default=None, help="default: streams + 16")
    args = parser.parse_args()
    args.web_threads = args.web_threads or args.streams + 16

    with tempfile.TemporaryDirectory(prefix="gateway-bench-") as data_dir:
        port = free_port()
        env = {
            **os.environ,
            "GATEWAY_DATA_DIR": data_dir,
            "GATEWAY_SECRET_KEY": SECRET_KEY,
            "GATEWAY_WEB_PORT": str(port),
            "GATEWAY_WEB_THREADS": str(args.web_threads),
            "GATEWAY_LIVE_STREAM_LIMIT": str(args.streams),
        }
        env.pop("GATEWAY_DATABASE_URL", None)
        fixture = Fixture(env, args.streams)
        process = start_server(env, port)
        try:
            asyncio.run(measure(args, fixture, port, process.pid))
        finally:
            process.terminate()
            process.wait(timeout=30)
            fixture.database.dispose()
        log = (Path(data_dir) / "web.log").read_text(errors="replace")
        print(f"server_tracebacks: {log.count('Traceback')}")


if __name__ == "__main__":
    main()
