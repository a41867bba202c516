"""Other clients' latency while hostile mail streams in: the SMTP listener must not stall.

One `gateway smtp` on a fresh SQLite data directory. Each round measures, for ordinary
clients, the time from connecting to the `220` greeting (a new connection every 20 ms) and
the time to send one ordinary reply (N connections, one reply after another), first with no
other traffic (the baseline, measured in the same run), then while H connections keep
sending hostile HTML mail built to make parsers work hard: unclosed start tags (the shape
that is quadratic in the stdlib's html.parser), an unclosed comment, an unclosed marked
section, a megabyte of `<`, deeply nested blockquotes.

    python bench/smtp_hostile.py [--connections 4] [--hostile 4] [--seconds 8] [--rounds 2]

Prints one line per phase in a stable `key=value` form, then the ratios of hostile to quiet
p99s. The target is a greeting and reply p99 under 100 ms while hostile mail streams in.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from measure import free_port, percentile
from smtp_intake import SMTPClient, make_message, prepare_gateway, start

HOSTILE_NUMBERS = itertools.count()
GREETING_EVERY_SECONDS = 0.02


def hostile_bodies() -> dict[str, str]:
    """HTML bodies of hostile shapes, each within the default 25 MB message limit."""
    return {
        "unclosed_tags_64k": ("<div " * 199 + "\n") * 66,
        "unclosed_tags_512k": ("<div " * 199 + "\n") * 530,
        "unclosed_comment": "<p>hi</p><!--" + "x" * 500_000,
        "unclosed_marked_section": "<p>hi</p><![foo[" + "x" * 500_000,
        "lt_1m": "<" * 1_000_000,
        "nested_blockquotes": "<blockquote>" * 50_000 + "deep" + "</blockquote>" * 50_000,
    }


def hostile_message(sender: str, recipient: str, html: str) -> bytes:
    number = next(HOSTILE_NUMBERS)
    head = (
        f"From: Bob Baker <{sender}>\r\nTo: {recipient}\r\nSubject: Re: hostile\r\n"
        f"Message-ID: <hostile-{number}-{os.getpid()}@mail.example.org>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    )
    # Dot-stuffing (RFC 5321 section 4.5.2) and 998-octet lines: fold long lines.
    body = "\r\n".join(
        line[i : i + 990] for line in html.split("\n") for i in range(0, max(len(line), 1), 990)
    )
    return (head + body.replace("\r\n.", "\r\n..") + "\r\n").encode()


@dataclass
class Phase:
    greetings: list[float] = field(default_factory=list)
    replies: list[float] = field(default_factory=list)
    failed: int = 0
    hostile_sent: int = 0

    def line(self, name: str) -> str:
        return (
            f"{name:<8} greeting_p50_ms={_ms(self.greetings, 0.5):.2f} "
            f"greeting_p99_ms={_ms(self.greetings, 0.99):.2f} "
            f"reply_p50_ms={_ms(self.replies, 0.5):.2f} reply_p99_ms={_ms(self.replies, 0.99):.2f} "
            f"greetings={len(self.greetings)} replies={len(self.replies)} failed={self.failed} "
            f"hostile_sent={self.hostile_sent}"
        )


def _ms(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return (statistics.median(ordered) if share == 0.5 else percentile(ordered, share)) * 1000


async def measure_greetings(port: int, until: float, phase: Phase) -> None:
    while time.perf_counter() < until:
        started = time.perf_counter()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        line = await reader.readline()
        phase.greetings.append(time.perf_counter() - started)
        if not line.startswith(b"220"):
            phase.failed += 1
        writer.write(b"QUIT\r\n")
        writer.close()
        await asyncio.sleep(GREETING_EVERY_SECONDS)


async def send_replies(port: int, sender: str, address: str, until: float, phase: Phase) -> None:
    client = await SMTPClient.connect(port)
    while (started := time.perf_counter()) < until:
        ok = await client.send(
            sender, address, make_message(sender, address, next(HOSTILE_NUMBERS))
        )
        if ok:
            phase.replies.append(time.perf_counter() - started)
        else:
            phase.failed += 1
    await client.command(b"QUIT\r\n")
    client.writer.close()


async def send_hostile(port: int, sender: str, address: str, until: float, phase: Phase) -> None:
    client = await SMTPClient.connect(port)
    bodies = itertools.cycle(hostile_bodies().values())
    while time.perf_counter() < until:
        await client.send(sender, address, hostile_message(sender, address, next(bodies)))
        phase.hostile_sent += 1
    await client.command(b"QUIT\r\n")
    client.writer.close()


async def run_phase(
    port: int, sender: str, address: str, args: argparse.Namespace, hostile: int
) -> Phase:
    phase = Phase()
    until = time.perf_counter() + args.seconds
    await asyncio.gather(
        measure_greetings(port, until, phase),
        *(send_replies(port, sender, address, until, phase) for _ in range(args.connections)),
        *(send_hostile(port, sender, address, until, phase) for _ in range(hostile)),
    )
    return phase


def merged(phases: list[Phase]) -> Phase:
    return Phase(
        greetings=[g for p in phases for g in p.greetings],
        replies=[r for p in phases for r in p.replies],
        failed=sum(p.failed for p in phases),
        hostile_sent=sum(p.hostile_sent for p in phases),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--hostile", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8.0, help="per phase and round")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    quiet: list[Phase] = []
    loud: list[Phase] = []
    with tempfile.TemporaryDirectory() as tmp:
        env, sender, address, _ = prepare_gateway(Path(tmp))
        env["GATEWAY_SMTP_PORT"] = str(port := free_port())
        server = start([sys.executable, "-m", "gateway.cli", "smtp"], "SMTP listening", env)
        try:
            for _ in range(args.rounds):  # alternate, so a noisy neighbour hits both alike
                quiet.append(asyncio.run(run_phase(port, sender, address, args, 0)))
                loud.append(asyncio.run(run_phase(port, sender, address, args, args.hostile)))
        finally:
            server.terminate()
            server.wait()
    calm, hostile = merged(quiet), merged(loud)
    print(
        f"bench=smtp_hostile connections={args.connections} hostile={args.hostile} "
        f"rounds={args.rounds} seconds_per_phase={args.seconds}"
    )
    print(calm.line("quiet"))
    print(hostile.line("hostile"))
    greeting = _ms(hostile.greetings, 0.99) / max(_ms(calm.greetings, 0.99), 1e-9)
    reply = _ms(hostile.replies, 0.99) / max(_ms(calm.replies, 0.99), 1e-9)
    print(f"ratio hostile/quiet greeting_p99={greeting:.2f} reply_p99={reply:.2f}")


if __name__ == "__main__":
    main()
