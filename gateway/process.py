"""Running the gateway: the SMTP listener, the outbound scheduler and the web server.

Owns process wiring only: which parts start, in what order, where they listen, how they
stop. `gateway serve` runs all three (and the IMAP readers, when mailboxes are configured)
in one process on one asyncio loop (the web server in a thread), outbound delivery in a
child process of the worker part (gateway.outbound.delivery_process); `gateway smtp`,
`gateway imap`, `gateway web` and `gateway worker` run one part each, so a larger
deployment runs several of each against one PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from gateway.core.reply_addresses import ReplyKeys
from gateway.inbound.committer import IntakeCommitter
from gateway.inbound.imap_intake import ImapIntake
from gateway.inbound.preparation import IntakeConfig
from gateway.inbound.smtp import (
    IntakeHandler,
    RecipientChecker,
    bind_smtp_socket,
    start_smtp_server,
)
from gateway.outbound.housekeeping import run_housekeeping
from gateway.outbound.ticket_mail import run_ticket_jobs
from gateway.outbound.worker import OutboundWorker
from gateway.settings import Settings, SettingsError
from gateway.store.database import Database
from gateway.store.migrate import is_up_to_date, upgrade
from gateway.web.app import create_app
from gateway.web.server import WebServer

log = logging.getLogger(__name__)

OUTBOUND_INTERVAL_SECONDS = 1.0
HOUSEKEEPING_INTERVAL_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class Parts:
    smtp: bool = True
    web: bool = True
    worker: bool = True
    imap: bool = True  # the IMAP readers, when GATEWAY_IMAP_URL names mailboxes


def configure_logging(*, verbose: bool) -> None:
    """Log lines with time, level and origin: INFO and up for the long-running commands
    (and their delivery process), warnings only for one-off commands."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # aiosmtpd logs every command at INFO, reply addresses (our tokens) included, and
    # APScheduler every run of the once-a-second outbound job: keep their warnings only.
    # Alembic's INFO lines on each start-up say nothing an operator needs.
    for name in ("mail.log", "apscheduler", "alembic.runtime.migration"):
        logging.getLogger(name).setLevel(logging.WARNING)


def open_database(settings: Settings) -> Database:
    """The database at the newest schema: migrated on the embedded default, else checked."""
    database = Database(settings.database_url)
    if not is_up_to_date(database):
        if not settings.embedded:
            raise SettingsError(
                "GATEWAY_DATABASE_URL points at a database whose schema is not up to date: "
                "run `gateway db upgrade`"
            )
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(database)
    return database


def reply_keys(settings: Settings) -> ReplyKeys:
    return ReplyKeys.from_secrets(settings.secret_key, settings.previous_secret_key)


def serve(settings: Settings, parts: Parts, announce: Callable[[str], None] = print) -> None:
    """Run the chosen parts until SIGINT or SIGTERM."""
    asyncio.run(_serve(settings, parts, announce))


async def _serve(settings: Settings, parts: Parts, announce: Callable[[str], None]) -> None:
    if parts == Parts(smtp=False, web=False, worker=False) and not settings.imap:
        raise SettingsError("GATEWAY_IMAP_URL names no mailbox, so there is nothing to read")
    database = open_database(settings)
    keys = reply_keys(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    stoppers: list[Callable[[], None]] = []
    try:
        if parts.worker:
            stoppers.append(_start_outbound(database, settings, keys, announce))
        if parts.smtp:
            stoppers.append(await _start_smtp(database, settings, keys, announce))
        if parts.imap and settings.imap:
            stoppers.append(_start_imap(database, settings, keys, announce))
        if parts.web:
            stoppers.append(_start_web(database, settings, announce))
        announce("gateway is running; press Ctrl+C to stop")
        await stop.wait()
    finally:
        for stopper in reversed(stoppers):
            stopper()
        database.dispose()


def intake_config(settings: Settings, keys: ReplyKeys) -> IntakeConfig:
    """What every transport's intake needs to know, from the settings."""
    return IntakeConfig(
        keys,
        settings.mail_domain,
        settings.trusted_authserv_id,
        max_files=settings.attachment_max_files,
        max_bytes=settings.attachment_max_bytes,
        support=settings.support,
    )


async def _start_smtp(
    database: Database, settings: Settings, keys: ReplyKeys, announce: Callable[[str], None]
) -> Callable[[], None]:
    config = intake_config(settings, keys)
    committer = IntakeCommitter(database, config)
    checker = RecipientChecker(database, config)
    committer.start()
    checker.start()
    handler = IntakeHandler(checker, committer, config)
    sock = bind_smtp_socket(settings.smtp_host, settings.smtp_port)
    server = await start_smtp_server(handler, settings, sock)
    host, port = sock.getsockname()[:2]
    tls = " with STARTTLS" if settings.smtp_tls_cert else ""
    announce(f"SMTP listening on {host}:{port}{tls} for *@{settings.mail_domain}")

    def stop() -> None:
        server.close()
        handler.close()
        checker.stop()
        committer.stop()

    return stop


def _start_imap(
    database: Database, settings: Settings, keys: ReplyKeys, announce: Callable[[str], None]
) -> Callable[[], None]:
    intake = ImapIntake(settings.imap, database, intake_config(settings, keys))
    intake.start()
    announce(f"IMAP reading {', '.join(mailbox.name for mailbox in settings.imap)}")
    return intake.stop


def _start_outbound(
    database: Database, settings: Settings, keys: ReplyKeys, announce: Callable[[str], None]
) -> Callable[[], None]:
    worker = OutboundWorker(
        database, settings, keys, configure_logging=partial(configure_logging, verbose=True)
    ).start()
    stopping = threading.Event()

    async def queue() -> None:
        await asyncio.to_thread(
            worker.queue_until_done, _utc_now, more=lambda: not stopping.is_set()
        )

    async def housekeeping() -> None:
        await asyncio.to_thread(run_housekeeping, database, now=_utc_now())

    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        queue,
        "interval",
        seconds=OUTBOUND_INTERVAL_SECONDS,
        id="outbound",
        max_instances=1,
        coalesce=True,
        next_run_time=_utc_now(),
    )
    scheduler.add_job(
        housekeeping,
        "interval",
        seconds=HOUSEKEEPING_INTERVAL_SECONDS,
        id="housekeeping",
        max_instances=1,
        coalesce=True,
        next_run_time=_utc_now(),
    )
    if settings.support.addresses:

        async def tickets() -> None:
            await asyncio.to_thread(run_ticket_jobs, database, settings, keys, now=_utc_now())

        scheduler.add_job(
            tickets,
            "interval",
            seconds=OUTBOUND_INTERVAL_SECONDS,
            id="tickets",
            max_instances=1,
            coalesce=True,
            next_run_time=_utc_now(),
        )
    scheduler.start()
    where = (
        f"relay {settings.relay.host}:{settings.relay.port}"
        if settings.relay
        else f"Maildir {settings.maildir}"
    )
    announce(f"outbound mail delivered to {where}")

    def stop() -> None:
        stopping.set()
        scheduler.shutdown(wait=False)
        worker.stop()

    return stop


def _start_web(
    database: Database, settings: Settings, announce: Callable[[str], None]
) -> Callable[[], None]:
    app = create_app(settings, database)
    server = WebServer(app, settings, host=settings.web_host, port=settings.web_port).start()
    announce(f"web listening on http://{settings.web_host}:{server.port}/")
    return server.stop


def _utc_now() -> datetime:
    return datetime.now(UTC)
