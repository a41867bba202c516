"""A routing relay for tests: records every message, then hands it on over SMTP.

`RoutingRelay` is a `RecordingRelay` (a real aiosmtpd server on an ephemeral port) that, after
recording a message, forwards it with smtplib to the SMTP server that owns the recipient's
domain, the way a smarthost hands mail to the next hop. Two things a real relay also does:

- virtual aliases (`alias`): an address rewritten to another before routing (Postfix's
  `virtual_alias_maps`), the envelope recipient only; the message is forwarded unchanged;
- local mailboxes: a domain with no route is delivered here, i.e. only recorded.

Forwarding happens inside the sender's DATA, and the next hop's reply is the relay's reply:
when a gateway's delivery returns, the receiving gateway has committed the message (or
refused it, and the sender sees the refusal). Tests therefore never wait on a queue.
"""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass

from recording_relay import ACCEPTED, ReceivedEnvelope, RecordingRelay

FORWARD_TIMEOUT = 30
RELAYED = "250 2.0.0 OK: relayed"


@dataclass(frozen=True, slots=True)
class Handover:
    """One recipient of a recorded message and what became of it at the next hop."""

    recipient: str  # as the sender addressed it
    forwarded_to: str | None  # after aliasing; None when delivered to a local mailbox
    reply: str  # the next hop's reply, e.g. "250 2.0.0 OK: posted"


class RoutingRelay(RecordingRelay):
    """A RecordingRelay that hands each recorded message on to the next hop (`route`)."""

    def __init__(self, hostname: str = "relay.test") -> None:
        super().__init__(hostname)
        self._routes: dict[str, tuple[str, int]] = {}
        self._aliases: dict[str, str] = {}
        self._handovers: list[Handover] = []

    def route(self, domain: str, host: str, port: int) -> None:
        """Mail for `domain` goes to the SMTP server at host:port."""
        self._routes[domain.lower()] = (host, port)

    def alias(self, address: str, target: str) -> None:
        """Mail for `address` goes to `target` instead (envelope recipient only)."""
        self._aliases[address.lower()] = target.lower()

    @property
    def handovers(self) -> list[Handover]:
        """Every recipient handed on so far, in order."""
        with self._condition:
            return list(self._handovers)

    async def _pass_on(self, envelope: ReceivedEnvelope) -> str:
        # smtplib blocks: off the relay's event loop, which keeps serving other sessions.
        handovers = await asyncio.to_thread(self._forward, envelope)
        with self._condition:
            self._handovers.extend(handovers)
        refused = [h.reply for h in handovers if not h.reply.startswith("2")]
        return refused[0] if refused else RELAYED

    def _forward(self, envelope: ReceivedEnvelope) -> list[Handover]:
        return [self._forward_one(envelope, recipient) for recipient in envelope.rcpt_tos]

    def _forward_one(self, envelope: ReceivedEnvelope, recipient: str) -> Handover:
        target = self._aliases.get(recipient.lower(), recipient)
        route = self._routes.get(target.rpartition("@")[2].lower())
        if route is None:
            return Handover(recipient, None, ACCEPTED)
        host, port = route
        try:
            with smtplib.SMTP(
                host, port, local_hostname=self.hostname, timeout=FORWARD_TIMEOUT
            ) as smtp:
                smtp.ehlo()
                code, text = smtp.mail(envelope.mail_from)  # "" is the null sender <>
                if code == 250:
                    code, text = smtp.rcpt(target)
                if code == 250:
                    code, text = smtp.data(envelope.raw)
        except (OSError, smtplib.SMTPException) as error:
            return Handover(recipient, target, f"451 4.4.1 next hop failed: {error}")
        return Handover(recipient, target, f"{code} {text.decode('utf-8', 'replace')}")


__all__ = ["Handover", "RoutingRelay"]
