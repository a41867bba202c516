"""Which bounce reports count against an address: only the ones that prove they answer our mail.

Owns the choice of whether a received bounce is scored, and against which address
(EMAIL-RULES section 2). Anyone can send a delivery report naming anyone, so a report counts
only when it proves it is about an email we sent:
  1. it came to a signed VERP address (gateway.core.bounce_addresses): it counts against the
     address that email went to, whatever the remote report names; or
  2. it quotes the Message-ID of an email we sent to the very address it reports as failed
     (our Message-IDs are random per recipient, so only who received that email knows it,
     and knowing it says nothing about anyone else's address).
Everything else (postmaster@, bounces@ or a reply address with a report quoting nothing of
ours, a forged VERP token, our id with another address) is kept by the intake and scores
nothing; `score_bounces` says per report which it was. The scoring itself (weights, once a
day, threshold) is gateway.core.bounces.

Must not import aiosmtpd, aioimaplib, Flask or smtplib.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.bounce_addresses import verify_bounce_local_part
from gateway.core.bounces import normalized_address, record_bounce
from gateway.core.reply_addresses import ReplyKeys
from gateway.inbound.bounce_reports import Bounce
from gateway.store.models import OutboxEmail


@dataclass(frozen=True, slots=True)
class BounceVerdict:
    """Whether one report was scored, against which address, and why (for the record)."""

    scored: bool
    address: str | None  # scored against; when not scored, the address the report names
    reason: str  # "scored against ...: ..." or "not scored: ..."


def score_bounces(
    session: Session,
    reports: Sequence[tuple[str, Bounce]],
    keys: ReplyKeys,
    now: datetime,
) -> list[BounceVerdict]:
    """Score each (envelope recipient, bounce) report that proves it answers our mail, against
    the address that failed; a verdict per report, in order."""
    sent_to = _recipients_of(session, {mid for _, b in reports for mid in _id_forms(b)})
    verdicts = []
    for recipient, bounce in reports:
        verdict = _verdict(session, recipient, bounce, keys, sent_to)
        if verdict.scored and verdict.address is not None:
            record_bounce(
                session, verdict.address, permanent=bounce.permanent, status=bounce.status, now=now
            )
        verdicts.append(verdict)
    return verdicts


def _verdict(
    session: Session,
    recipient: str,
    bounce: Bounce,
    keys: ReplyKeys,
    sent_to: dict[str, str],
) -> BounceVerdict:
    outbox_id = verify_bounce_local_part(recipient.rpartition("@")[0], keys)
    if outbox_id is not None:
        address = session.scalar(select(OutboxEmail.recipient).where(OutboxEmail.id == outbox_id))
        if address is None:
            return BounceVerdict(
                False, bounce.recipient, "not scored: its bounce address names no email we keep"
            )
        return BounceVerdict(
            True,
            normalized_address(address),
            f"scored against {normalized_address(address)}: it came to the signed bounce "
            "address of an email we sent there",
        )
    failed = bounce.recipient
    if failed is None:
        return BounceVerdict(False, None, "not scored: the report names no failed address")
    ours = [sent_to[mid] for mid in _id_forms(bounce) if mid in sent_to]
    if normalized_address(failed) in ours:
        return BounceVerdict(
            True,
            normalized_address(failed),
            f"scored against {failed}: it quotes the Message-ID of an email we sent there",
        )
    if ours:
        return BounceVerdict(
            False,
            failed,
            f"not scored: the email it quotes was sent to another address, not {failed}",
        )
    return BounceVerdict(
        False,
        failed,
        "not scored: it came to no signed bounce address and quotes no Message-ID of an "
        "email we sent (anyone can send a report naming anyone)",
    )


def _id_forms(bounce: Bounce) -> set[str]:
    """The quoted ids as written and lowercased (ours are lowercase; a relay may fold case)."""
    return {form for mid in bounce.original_message_ids for form in (mid, mid.lower())}


def _recipients_of(session: Session, message_ids: Collection[str]) -> dict[str, str]:
    """Our Message-ID -> the address that email went to, normalized; one query by the
    outbox's unique Message-ID index."""
    if not message_ids:
        return {}
    rows = session.execute(
        select(OutboxEmail.message_id_header, OutboxEmail.recipient).where(
            OutboxEmail.message_id_header.in_(list(message_ids))
        )
    )
    return {header: normalized_address(address) for header, address in rows}


__all__ = ["BounceVerdict", "score_bounces"]
