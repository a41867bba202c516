"""The SMTP listener: an aiosmtpd handler that decides at RCPT and answers after commit.

Owns the mapping from intake results and domain errors to SMTP replies (one table), and the
server set-up (SIZE, STARTTLS, SMTPUTF8). Recipients are checked at RCPT, before any data,
so nothing is ever bounced later to a forged sender (EMAIL-RULES 1.1). A recipient named
twice is accepted once. After DATA the message is read once, off the event loop, by the
intake's own ReadingPool (hostile mail costs its own thread or child process, never another
client's greeting), and each recipient's copy goes to the group committer; `250` is
answered only once it is durable, and any failure of ours answers `451 4.3.0` so the
sending MTA retries (EMAIL-RULES 1.3). A message that cannot be read is kept (outcome
failed) and refused with `550 5.6.0`: the same bytes would fail again, so a retry would be
into the void.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import time
from collections.abc import Callable, Sequence

from aiosmtpd.smtp import SMTP
from aiosmtpd.smtp import Envelope as SMTPEnvelope
from aiosmtpd.smtp import Session as SMTPSession

from gateway.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from gateway.core.reply_addresses import (
    ReplyTarget,
    resolve_reply_addresses,
    verify_reply_local_part,
)
from gateway.inbound.batching import BatchThread
from gateway.inbound.committer import IntakeCommitter
from gateway.inbound.intake import IntakeResult
from gateway.inbound.preparation import Envelope, IntakeConfig, is_system_address
from gateway.inbound.reading_pool import ReadingPool
from gateway.inbound.support_routing import is_support_recipient
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import InboundOutcome

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 50
REMEMBER_ACTIVE_SECONDS = 10.0
MAX_REMEMBERED_ADDRESSES = 100_000
MAX_REPLY_TEXT = 300

REPLY_OK = "250 2.0.0 OK: posted"
# Accepted (a retry would change nothing) but not posted: the sender's MTA logs say why.
REPLY_KEPT = "250 2.0.0 OK: received, not posted ({outcome})"
REPLY_RECIPIENT_OK = "250 2.1.5 OK"
REPLY_UNKNOWN_RECIPIENT = "550 5.1.1 No such reply address here"
REPLY_TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"
REPLY_TRY_LATER = "451 4.3.0 Temporary failure on our side, please try again later"
REPLY_TOO_BIG = "552 5.3.4 Message too big for this system"
REPLY_UNREADABLE = (
    "550 5.6.0 Your email could not be read, so it was not posted; it is kept for the "
    "operator (reference {inbound_id})"
)

# RFC 3463 enhanced status codes for each kind of refusal.
STATUS_FOR_ERROR: tuple[tuple[type[DomainError], str], ...] = (
    (NotFound, "550 5.1.1"),
    (NotAllowed, "550 5.7.1"),
    (InvalidInput, "550 5.6.0"),
    (DomainError, "550 5.7.0"),
)

# aiosmtpd's own replies that lack an enhanced status code (RFC 3463, RFC 1870 section 6).
STOCK_REPLY_REWRITES = {
    "552 Error: Too much mail data": REPLY_TOO_BIG,
    "552 Error: message size exceeds fixed maximum message size": REPLY_TOO_BIG,
}


def reply_for_error(error: DomainError) -> str:
    """`550 x.y.z <reason>` with the reason made safe for one SMTP reply line."""
    status = next(code for kind, code in STATUS_FOR_ERROR if isinstance(error, kind))
    reason = " ".join(str(error).split())
    reason = reason.encode("ascii", "replace").decode()[:MAX_REPLY_TEXT]
    return f"{status} {reason}"


def reply_for_results(results: list[IntakeResult | BaseException]) -> str:
    """One DATA reply for all recipients: any failure of ours -> 451 (a retry is deduped)."""
    if any(isinstance(result, BaseException) for result in results):
        return REPLY_TRY_LATER
    refusals = [r.error for r in results if isinstance(r, IntakeResult) and r.error]
    if refusals and len(refusals) == len(results):
        return reply_for_error(refusals[0])
    kept = [r for r in results if isinstance(r, IntakeResult) and not r.error]
    outcomes = [r.outcome for r in kept]
    notes = {r.note for r in kept if r.note}
    if not outcomes or InboundOutcome.POSTED in outcomes:
        return REPLY_OK + "".join(f"; {note}" for note in sorted(notes))
    if all(outcome is InboundOutcome.FAILED for outcome in outcomes):
        return REPLY_UNREADABLE.format(inbound_id=kept[0].inbound_id)
    return REPLY_KEPT.format(outcome=outcomes[0].value)


class GatewaySMTP(SMTP):
    """aiosmtpd's SMTP with enhanced status codes on its stock size replies."""

    async def push(self, status: str) -> None:
        await super().push(STOCK_REPLY_REWRITES.get(status, status))


class RecipientChecker:
    """Looks reply addresses up on a thread of its own, all pending RCPTs in one query.

    An address found active is remembered for a few seconds with the member it names, so a
    conversation's replies do not each wait on the database at RCPT and the committer need
    not look the address up again. That is safe because posting checks membership in the
    committer's transaction: a member who left within those seconds is refused at the end of
    DATA instead (`550 5.7.1` all the same, nothing posted).
    """

    def __init__(
        self,
        database: Database,
        config: IntakeConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = database
        self._config = config
        self._clock = clock
        self._remembered: dict[str, tuple[ReplyTarget, float]] = {}
        self._thread: BatchThread[str, ReplyTarget | str] = BatchThread("rcpt-checker", self._check)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._thread.stop()

    async def check(self, address: str) -> ReplyTarget | str:
        """The member who may post through `address`, or the SMTP refusal."""
        target, until = self._remembered.get(address, (None, 0.0))
        if target is not None and until > self._clock():
            return target
        found = await asyncio.wrap_future(self._thread.submit(address))
        if isinstance(found, ReplyTarget):
            if len(self._remembered) >= MAX_REMEMBERED_ADDRESSES:
                self._remembered.clear()
            self._remembered[address] = (found, self._clock() + REMEMBER_ACTIVE_SECONDS)
        return found

    def _check(self, addresses: Sequence[str]) -> list[ReplyTarget | str]:
        with self._database.read_session() as session:
            targets = resolve_reply_addresses(
                session, addresses, self._config.keys, self._config.mail_domain
            )
        return [reply_for_error(t) if isinstance(t, DomainError) else t for t in targets]


class IntakeHandler:
    """aiosmtpd hooks: check recipients at RCPT, hand data to the committer after DATA."""

    def __init__(
        self, checker: RecipientChecker, committer: IntakeCommitter, config: IntakeConfig
    ) -> None:
        self._checker = checker
        self._committer = committer
        self._config = config
        self._readers = ReadingPool(config)

    def close(self) -> None:
        """Stop reading (after the server stopped taking mail)."""
        self._readers.close()

    async def handle_RCPT(
        self,
        server: SMTP,
        session: SMTPSession,
        envelope: SMTPEnvelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        address = address.lower()
        if address in envelope.rcpt_tos:
            # Named again: accepted once, so the message is read and stored once for it.
            return REPLY_RECIPIENT_OK
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return REPLY_TOO_MANY_RECIPIENTS
        try:
            found = await self._check_recipient(address)
        except Exception:
            log.exception("recipient check failed")
            return REPLY_TRY_LATER
        if isinstance(found, str):
            return found
        envelope.rcpt_tos.append(address)
        _targets(envelope)[address] = found
        return REPLY_RECIPIENT_OK

    async def handle_DATA(self, server: SMTP, session: SMTPSession, envelope: SMTPEnvelope) -> str:
        raw = envelope.original_content or b""
        mail_from = "" if envelope.mail_from in (None, "<>") else envelope.mail_from
        targets = _targets(envelope)
        deliveries = [
            (Envelope(mail_from, recipient), targets.get(recipient))
            for recipient in envelope.rcpt_tos
        ]
        try:
            # Read once for every recipient, never on the event loop: even a small message
            # can be built to make a parser work hard.
            prepared = await self._readers.prepare(raw, deliveries)
        except Exception:
            log.exception("preparing a received email failed")
            return REPLY_TRY_LATER
        futures = [asyncio.wrap_future(self._committer.submit(email)) for email in prepared]
        results = await asyncio.gather(*futures, return_exceptions=True)
        return reply_for_results(list(results))

    async def handle_exception(self, error: Exception) -> str:
        # Our own fault must never be a 5xx: the sender would drop the mail (EMAIL-RULES 1.3).
        log.exception("SMTP session failed", exc_info=error)
        return REPLY_TRY_LATER

    async def _check_recipient(self, address: str) -> ReplyTarget | str | None:
        """The member an address names (None for our system addresses), or the refusal."""
        if is_system_address(address, self._config.mail_domain) or is_support_recipient(
            address, self._config
        ):
            return None  # taken from anyone: the intake decides after DATA
        local_part, _, domain = address.rpartition("@")
        # The signature check needs no database: forged addresses cost nothing.
        if domain != self._config.mail_domain or not verify_reply_local_part(
            local_part, self._config.keys
        ):
            return REPLY_UNKNOWN_RECIPIENT
        return await self._checker.check(address)


def _targets(envelope: SMTPEnvelope) -> dict[str, ReplyTarget]:
    """The members the envelope's accepted recipients name, found at RCPT."""
    targets: dict[str, ReplyTarget] | None = getattr(envelope, "gateway_targets", None)
    if targets is None:
        targets = {}
        envelope.gateway_targets = targets  # type: ignore[attr-defined]
    return targets


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    if settings.smtp_tls_cert is None or settings.smtp_tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.smtp_tls_cert, settings.smtp_tls_key)
    return context


def bind_smtp_socket(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one (aiosmtpd's Controller cannot)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


async def start_smtp_server(
    handler: IntakeHandler, settings: Settings, sock: socket.socket
) -> asyncio.Server:
    """Serve SMTP on `sock` in the running loop."""
    context = tls_context(settings)

    def protocol() -> GatewaySMTP:
        return GatewaySMTP(
            handler,
            data_size_limit=settings.max_message_size,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=settings.mail_domain,
            ident="gateway ESMTP",
            tls_context=context,
            require_starttls=False,
        )

    loop = asyncio.get_running_loop()
    return await loop.create_server(protocol, sock=sock)
