"""The emails we sent that a received reply answers, read back from the outbox.

Owns finding them: first by our Message-IDs the reply cites (In-Reply-To, then References,
newest first), matched against the outbox's unique `message_id_header` index and kept only
when sent to the same member about the same room; for a reply whose client dropped those
headers, the newest emails sent to that member from that room (the `ix_outbox_room_user`
index, read backwards). Bounded: at most MAX_SENT_PER_REPLY emails per reply, one query for
the cited ids of a whole batch and one per member and room without them.

May import gateway.store; must not import Flask, aiosmtpd, smtplib or gateway.inbound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from gateway.store.models import OutboxEmail, OutboxState

# A reply quotes the email it answers, seldom the one before: a few are plenty.
MAX_SENT_PER_REPLY = 3
# Our Message-IDs looked at per reply (the client may cite a long thread).
MAX_CITED_IDS = 10

_BY_IDS = select(
    OutboxEmail.message_id_header, OutboxEmail.room_id, OutboxEmail.user_id, OutboxEmail.raw
).where(OutboxEmail.message_id_header.in_(bindparam("ids", expanding=True)))
_NEWEST_TO_MEMBER = (
    select(OutboxEmail.raw)
    .where(
        OutboxEmail.room_id == bindparam("room_id"),
        OutboxEmail.user_id == bindparam("user_id"),
        OutboxEmail.state == OutboxState.SENT,
    )
    .order_by(OutboxEmail.id.desc())
    .limit(MAX_SENT_PER_REPLY)
)


@dataclass(frozen=True, slots=True)
class AnsweredMail:
    """What a reply tells of the email it answers: the member and room of its reply
    address, and our Message-IDs it cites (bare, the one it answers directly first)."""

    room_id: int
    user_id: int
    cited_ids: tuple[str, ...] = ()


def list_answered_mail(session: Session, replies: Sequence[AnsweredMail]) -> list[list[bytes]]:
    """For each reply, the raw bytes of our emails it may quote, newest first."""
    cited = {mid for reply in replies for mid in reply.cited_ids[:MAX_CITED_IDS]}
    rows = session.execute(_BY_IDS, {"ids": sorted(cited)}).all() if cited else []
    by_id = {row.message_id_header: row for row in rows}
    newest: dict[tuple[int, int], list[bytes]] = {}
    found: list[list[bytes]] = []
    for reply in replies:
        sent = [
            row.raw
            for mid in reply.cited_ids[:MAX_CITED_IDS]
            if (row := by_id.get(mid)) is not None
            and (row.room_id, row.user_id) == (reply.room_id, reply.user_id)
        ][:MAX_SENT_PER_REPLY]
        if not sent:
            member = (reply.room_id, reply.user_id)
            if member not in newest:
                newest[member] = list(
                    session.scalars(
                        _NEWEST_TO_MEMBER, {"room_id": reply.room_id, "user_id": reply.user_id}
                    )
                )
            sent = newest[member]
        found.append(sent)
    return found
