"""The SMTP listener: an aiosmtpd handler that decides at RCPT and answers after commit.

Owns the mapping from intake results and domain errors to SMTP replies (one table), and the
server set-up (SIZE, STARTTLS, SMTPUTF8). Recipients are checked at RCPT, before any data,
so nothing is ever bounced later to a forged sender (EMAIL-RULES 1.1). After DATA each
recipient's copy goes to the group committer; `250` is answered only once it is durable, and
any failure of ours answers `451 4.3.0` so the sending MTA retries (EMAIL-RULES 1.3).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from typing import Any

from aiosmtpd.smtp import SMTP
from aiosmtpd.smtp import Envelope as SMTPEnvelope
from aiosmtpd.smtp import Session as SMTPSession

from gateway.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from gateway.core.reply_addresses import resolve_reply_address, verify_reply_local_part
from gateway.inbound.committer import IntakeCommitter
from gateway.inbound.intake import Envelope, IntakeConfig, IntakeResult, is_system_address
from gateway.settings import Settings
from gateway.store.database import Database

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 50
MAX_REPLY_TEXT = 300

REPLY_OK = "250 2.0.0 OK: posted"
REPLY_RECIPIENT_OK = "250 2.1.5 OK"
REPLY_UNKNOWN_RECIPIENT = "550 5.1.1 No such reply address here"
REPLY_TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"
REPLY_TRY_LATER = "451 4.3.0 Temporary failure on our side, please try again later"
REPLY_TOO_BIG = "552 5.3.4 Message too big for this system"

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
    return REPLY_OK


class GatewaySMTP(SMTP):
    """aiosmtpd's SMTP with enhanced status codes on its stock size replies."""

    async def push(self, status: str) -> None:
        await super().push(STOCK_REPLY_REWRITES.get(status, status))


class IntakeHandler:
    """aiosmtpd hooks: check recipients at RCPT, hand data to the committer after DATA."""

    def __init__(self, database: Database, committer: IntakeCommitter, config: IntakeConfig):
        self._database = database
        self._committer = committer
        self._config = config

    async def handle_RCPT(
        self,
        server: SMTP,
        session: SMTPSession,
        envelope: SMTPEnvelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return REPLY_TOO_MANY_RECIPIENTS
        address = address.lower()
        try:
            refusal = await self._check_recipient(address)
        except Exception:
            log.exception("recipient check failed")
            return REPLY_TRY_LATER
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return REPLY_RECIPIENT_OK

    async def handle_DATA(self, server: SMTP, session: SMTPSession, envelope: SMTPEnvelope) -> str:
        raw = envelope.original_content or b""
        mail_from = "" if envelope.mail_from in (None, "<>") else envelope.mail_from
        futures = [
            asyncio.wrap_future(self._committer.submit(raw, Envelope(mail_from, recipient)))
            for recipient in envelope.rcpt_tos
        ]
        results = await asyncio.gather(*futures, return_exceptions=True)
        return reply_for_results(list(results))

    async def handle_exception(self, error: Exception) -> str:
        # Our own fault must never be a 5xx: the sender would drop the mail (EMAIL-RULES 1.3).
        log.exception("SMTP session failed", exc_info=error)
        return REPLY_TRY_LATER

    async def _check_recipient(self, address: str) -> str | None:
        """None if the address may receive mail here, else the refusal reply."""
        if is_system_address(address, self._config.mail_domain):
            return None
        local_part, _, domain = address.rpartition("@")
        # The signature check needs no database: forged addresses cost nothing.
        if domain != self._config.mail_domain or not verify_reply_local_part(
            local_part, self._config.keys
        ):
            return REPLY_UNKNOWN_RECIPIENT
        return await asyncio.to_thread(self._check_membership, address)

    def _check_membership(self, address: str) -> str | None:
        with self._database.read_session() as session:
            try:
                resolve_reply_address(session, address, self._config.keys, self._config.mail_domain)
            except DomainError as error:
                return reply_for_error(error)
        return None


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


def smtp_reply_summary(server: asyncio.Server) -> dict[str, Any]:
    host, port = server.sockets[0].getsockname()[:2]
    return {"host": host, "port": port}
