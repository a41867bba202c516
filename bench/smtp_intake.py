"""SMTP intake benchmark: the gateway's full intake against a bare aiosmtpd sink.

Both servers run in a process of their own and are driven by the same client (this
process: an asyncio SMTP client with N concurrent connections, each sending one message
after another). Measured in the same run, so a noisy machine still gives a meaningful ratio:

  (a) sink:    aiosmtpd with a handler that only answers 250;
  (b) gateway: `gateway smtp` on a fresh SQLite data directory: RCPT token check, parse,
               classify, sender check, reply extraction, durable store, notifications queued.

A gateway message counts only once it is in its room: after the run the room's messages
are counted and must equal the messages acknowledged.

    python bench/smtp_intake.py [--connections 8] [--seconds 10]

Prints one line per server and the ratio, in a stable `key=value` form.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from measure import free_port, percentile

SINK_READY = "sink ready"
MESSAGE_NUMBERS = itertools.count()  # every message of a run has its own Message-ID
REPLY_BODY = (
    "Thanks Alice, that works for me. I'll send the signed contract over tomorrow morning,\n"
    "and we can go through the milestones on Thursday.\n\nBob\n"
)
QUOTE = "".join(
    f"> Line {n} of the earlier message, quoted back by the mail client as usual.\n"
    for n in range(18)
)


@dataclass
class RunResult:
    sent: int = 0
    acked_total: int = 0  # including the warm-up
    failed: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def line(self, name: str) -> str:
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000 if ordered else 0.0
        p99 = percentile(ordered, 0.99) * 1000 if ordered else 0.0
        rate = self.sent / self.seconds if self.seconds else 0.0
        return (
            f"{name:<8} msgs_per_s={rate:.1f} p50_ms={p50:.2f} p99_ms={p99:.2f} "
            f"sent={self.sent} failed={self.failed}"
        )

    @classmethod
    def merged(cls, runs: list[RunResult]) -> RunResult:
        return cls(
            sent=sum(r.sent for r in runs),
            acked_total=sum(r.acked_total for r in runs),
            failed=sum(r.failed for r in runs),
            latencies=[latency for r in runs for latency in r.latencies],
            seconds=sum(r.seconds for r in runs),
        )

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


def make_message(sender: str, recipient: str, number: int) -> bytes:
    text = (
        f"From: Bob Baker <{sender}>\r\nTo: {recipient}\r\n"
        "Subject: Re: [Gateway] Website redesign\r\n"
        f"Message-ID: <bench-{number}-{os.getpid()}@mail.example.org>\r\n"
        "In-Reply-To: <gw.earlier@reply.example.com>\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        f"{REPLY_BODY}\nOn Mon, 23 Nov 2026 at 09:30, Alice Archer via Website redesign "
        f"<notifications@reply.example.com> wrote:\n{QUOTE}\n-- \nBob Baker\nBaker & Co\n"
    )
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


class SMTPClient:
    """A minimal SMTP client: one connection, one transaction at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, port: int) -> SMTPClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        client = cls(reader, writer)
        await client.reply()
        await client.command(b"EHLO bench.example.org\r\n")
        return client

    async def reply(self) -> int:
        while True:
            line = await self.reader.readline()
            if not line:
                raise ConnectionError("server closed the connection")
            if line[3:4] != b"-":
                return int(line[:3])

    async def command(self, line: bytes) -> int:
        self.writer.write(line)
        return await self.reply()

    async def send(self, sender: str, recipient: str, data: bytes) -> bool:
        if await self.command(f"MAIL FROM:<{sender}>\r\n".encode()) != 250:
            return False
        if await self.command(f"RCPT TO:<{recipient}>\r\n".encode()) != 250:
            await self.command(b"RSET\r\n")
            return False
        if await self.command(b"DATA\r\n") != 354:
            return False
        return await self.command(data + b".\r\n") == 250


async def drive(
    port: int, sender: str, recipient: str, connections: int, seconds: float, warmup: float
) -> RunResult:
    result = RunResult()
    start = time.perf_counter()
    measure_from = start + warmup
    deadline = measure_from + seconds

    async def worker() -> None:
        client = await SMTPClient.connect(port)
        while (now := time.perf_counter()) < deadline:
            data = make_message(sender, recipient, next(MESSAGE_NUMBERS))
            ok = await client.send(sender, recipient, data)
            done = time.perf_counter()
            result.acked_total += ok
            if now >= measure_from:
                if ok:
                    result.sent += 1
                    result.latencies.append(done - now)
                else:
                    result.failed += 1
        await client.command(b"QUIT\r\n")
        client.writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    result.seconds = seconds
    return result


def run_sink(port: int) -> None:
    """Serve a bare aiosmtpd that accepts everything (child process entry point)."""
    from aiosmtpd.smtp import SMTP

    class Sink:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            return "250 OK"

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: SMTP(Sink()), "127.0.0.1", port)
        print(SINK_READY, flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


def start(command: list[str], ready: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start a server process; keep draining its output so it never blocks on a full pipe."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    started = threading.Event()

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if ready in line:
                started.set()
            elif "ERROR" in line or "Traceback" in line:
                print(f"server: {line.rstrip()}", file=sys.stderr)

    threading.Thread(target=drain, daemon=True).start()
    if not started.wait(timeout=60):
        process.kill()
        raise RuntimeError(f"{command} did not start")
    return process


def prepare_gateway(data_dir: Path) -> tuple[dict[str, str], str, str, int]:
    """A data dir with a room of three; returns env, sender, reply address, room id."""
    from gateway.core.reply_addresses import reply_address
    from gateway.core.rooms import create_room, find_membership
    from gateway.core.users import add_user
    from gateway.process import open_database, reply_keys
    from gateway.settings import Settings

    env = {
        **os.environ,
        "GATEWAY_DATA_DIR": str(data_dir),
        "GATEWAY_MAIL_DOMAIN": "reply.example.com",
    }
    settings = Settings.from_environ(env)
    database = open_database(settings)
    now = datetime.now(UTC)
    with database.transaction() as session:
        alice = add_user(session, "alice@example.com", name="Alice Archer", now=now)
        bob = add_user(session, "bob@example.org", name="Bob Baker", now=now)
        carol = add_user(session, "carol@example.net", name="Carol Chen", now=now)
        room = create_room(session, "Website redesign", owner=alice, members=[bob, carol], now=now)
        membership = find_membership(session, room.id, bob.id)
        assert membership is not None
        address = reply_address(membership, reply_keys(settings), settings.mail_domain)
    database.dispose()
    return env, bob.email, address, room.id


def count_room_messages(data_dir: Path, room_id: int) -> int:
    from sqlalchemy import func, select

    from gateway.store.database import Database
    from gateway.store.models import Message

    database = Database(f"sqlite:///{data_dir / 'gateway.db'}")
    with database.read_session() as session:
        count = session.scalar(select(func.count()).where(Message.room_id == room_id))
    database.dispose()
    return int(count or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0, help="per round and server")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--sink", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        run_sink(args.sink)
        return

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        env, sender, address, room_id = prepare_gateway(data_dir)
        env["GATEWAY_SMTP_PORT"] = str(free_port())
        sink_port = free_port()
        servers = {
            "sink": (
                start(
                    [sys.executable, __file__, "--sink", str(sink_port)],
                    SINK_READY,
                    dict(os.environ),
                ),
                sink_port,
                "anyone@reply.example.com",
            ),
            "gateway": (
                start([sys.executable, "-m", "gateway.cli", "smtp"], "SMTP listening", env),
                int(env["GATEWAY_SMTP_PORT"]),
                address,
            ),
        }
        results: dict[str, list[RunResult]] = {"sink": [], "gateway": []}
        try:
            # Alternate the two servers round by round, so a noisy neighbour hits both alike.
            for _ in range(args.rounds):
                for name, (_, port, recipient) in servers.items():
                    results[name].append(
                        asyncio.run(
                            drive(
                                port, sender, recipient, args.connections, args.seconds, args.warmup
                            )
                        )
                    )
        finally:
            for process, _, _ in servers.values():
                process.terminate()
                process.wait()
        stored = count_room_messages(data_dir, room_id)

    sink, gateway = (RunResult.merged(results[name]) for name in ("sink", "gateway"))
    print(
        f"bench=smtp_intake connections={args.connections} rounds={args.rounds} "
        f"seconds_per_round={args.seconds} message_bytes={len(make_message(sender, address, 0))}"
    )
    print(sink.line("sink"))
    print(gateway.line("gateway") + f" acked_total={gateway.acked_total} in_room={stored}")
    rounds = zip(results["sink"], results["gateway"], strict=True)
    per_round = " ".join(f"{g.rate / s.rate:.3f}" for s, g in rounds)
    print(f"ratio gateway/sink={gateway.rate / sink.rate:.3f} (per round: {per_round})")


if __name__ == "__main__":
    main()
