"""Support tickets: opening them, their numbers, requesters and the answers owed by email.

Owns what a ticket is beyond its room: the per-deployment number T-n (one counter row
incremented under its row lock, so concurrent intakes on PostgreSQL never share a number),
the requester (an unknown address gets a *staged* user: a user row with no password, who
signs in by emailed link, as invitations stage them), the requester policy, the agents
(users named in GATEWAY_SUPPORT_AGENTS, added to every ticket so they are notified and can
answer by email), follow-up tickets for late replies, the Message-IDs that thread into a
ticket, and the acknowledgements and refusal notices owed (composed by
gateway.outbound.ticket_mail): one acknowledgement per new ticket, at most
MAX_ACKNOWLEDGEMENTS_PER_DAY per sender, at most one refusal notice per address per day.
States: gateway.core.ticket_states; threading: gateway.core.ticket_threading.
Must not import any adapter library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gateway.core.errors import InvalidInput
from gateway.core.room_notes import note_joined, post_system_note
from gateway.core.rooms import (
    MAX_TITLE_LENGTH,
    add_member,
    create_room,
    find_membership,
    get_room,
)
from gateway.core.text_fields import single_line_text
from gateway.core.ticket_threading import strip_reply_prefixes
from gateway.core.users import add_user, find_user_by_email, normalize_address
from gateway.store.models import (
    AutoResponseState,
    Membership,
    Role,
    RoomKind,
    Ticket,
    TicketMail,
    TicketMailKind,
    TicketMessageId,
    TicketSequence,
    TicketState,
    User,
)
from gateway.support_settings import RequesterPolicy, SupportSettings

MAX_ACKNOWLEDGEMENTS_PER_DAY = 5  # per sender: a looping or flooding sender gets no more
DEFAULT_TITLE = "Support request"
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SEQUENCE_ROW = 1
MAX_RECIPIENTS_KEPT = 50


def next_ticket_number(session: Session) -> int:
    """The next ticket number. The UPDATE takes the counter row's lock until commit, so a
    concurrent intake waits for it instead of reading the same number."""
    bump = (
        update(TicketSequence)
        .where(TicketSequence.id == _SEQUENCE_ROW)
        .values(last_number=TicketSequence.last_number + 1)
        .returning(TicketSequence.last_number)
    )
    number = session.scalar(bump)
    if number is None:  # the first ticket ever: make the row (another intake may race us)
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(
            dialect.insert(TicketSequence)
            .values(id=_SEQUENCE_ROW, last_number=0)
            .on_conflict_do_nothing()
        )
        number = session.scalar(bump)
    assert number is not None
    return number


def ticket_title(subject: str) -> str:
    """A room title from an email subject: prefixes and our tag gone, one safe line."""
    title = " ".join(_CONTROL.sub(" ", strip_reply_prefixes(subject)).split())
    try:
        title = single_line_text("subject", title)
    except InvalidInput:  # an encoded word that decodes to a line break: keep nothing of it
        title = ""
    return title[:MAX_TITLE_LENGTH] or DEFAULT_TITLE


def find_requester(
    session: Session, address: str, name: str, policy: RequesterPolicy, *, now: datetime
) -> User | None:
    """The user writing from `address`, staged if the policy accepts strangers; None when
    the policy turns them away."""
    if policy is RequesterPolicy.REJECT:
        return None
    found = find_user_by_email(session, normalize_address(address))
    if found is not None or policy is RequesterPolicy.EXISTING:
        return found
    clean_name = " ".join(_CONTROL.sub(" ", name).split())
    try:
        return add_user(session, address, name=clean_name, now=now)
    except InvalidInput:  # a name no header may carry: the address names them instead
        return add_user(session, address, now=now)


def open_ticket(
    session: Session,
    requester: User,
    subject: str,
    support: SupportSettings,
    *,
    queue: str | None,
    now: datetime,
    previous: Ticket | None = None,
) -> Ticket:
    """A new ticket room owned by the requester, with the agents in it; state new."""
    room = create_room(
        session, ticket_title(subject), owner=requester, kind=RoomKind.TICKET, now=now
    )
    ticket = Ticket(
        room_id=room.id,
        number=next_ticket_number(session),
        state=TicketState.NEW,
        requester_id=requester.id,
        queue=queue,
        created_at=now,
        previous_ticket_id=previous.room_id if previous else None,
    )
    session.add(ticket)
    session.flush()
    for agent in list_agents(session, support):
        if agent.id != requester.id and agent.deactivated_at is None:
            add_member(session, room, agent, role=Role.ADMIN, now=now)
    return ticket


def open_follow_up(
    session: Session,
    closed: Ticket,
    requester: User,
    subject: str,
    support: SupportSettings,
    *,
    now: datetime,
) -> Ticket:
    """A new ticket for a reply that came after `closed` was closed; both say so."""
    ticket = open_ticket(
        session, requester, subject, support, queue=closed.queue, now=now, previous=closed
    )
    post_system_note(
        session, ticket.room_id, f"Follows up closed ticket T-{closed.number}", now=now
    )
    post_system_note(
        session, closed.room_id, f"A later reply opened ticket T-{ticket.number}", now=now
    )
    return ticket


def list_agents(session: Session, support: SupportSettings) -> list[User]:
    if not support.agents:
        return []
    return list(session.scalars(select(User).where(User.email.in_(support.agents))))


def join_ticket(session: Session, ticket: Ticket, user: User, *, now: datetime) -> Membership:
    """`user` (a colleague in the thread) takes part in the ticket from now on; NotAllowed
    for a deactivated user."""
    membership = find_membership(session, ticket.room_id, user.id)
    if membership is not None and membership.left_at is None:
        return membership
    membership = add_member(session, get_room(session, ticket.room_id), user, now=now)
    note_joined(session, ticket.room_id, user, None, now)
    return membership


def record_message_ids(
    session: Session,
    room_id: int,
    ids: Iterable[str],
    origin: str,
    *,
    now: datetime,
    recipients: Sequence[str] = (),
) -> None:
    """Remember Message-IDs that thread into the ticket, with whom a requester's email was
    addressed to (ids already known are kept as they are: the first ticket keeps it)."""
    addressed = " ".join(a.lower() for a in recipients[:MAX_RECIPIENTS_KEPT]) or None
    wanted = list(dict.fromkeys(i.strip("<> ")[:255] for i in ids if i and i.strip("<> ")))
    if not wanted:
        return
    known = set(
        session.scalars(
            select(TicketMessageId.message_id_header).where(
                TicketMessageId.message_id_header.in_(wanted)
            )
        )
    )
    for message_id in wanted:
        if message_id not in known:
            session.add(
                TicketMessageId(
                    message_id_header=message_id,
                    room_id=room_id,
                    origin=origin,
                    recipients=addressed,
                    created_at=now,
                )
            )
    session.flush()


def owe_acknowledgement(
    session: Session,
    ticket: Ticket,
    *,
    address: str,
    support_address: str,
    answered: tuple[str | None, str],
    now: datetime,
) -> TicketMail | None:
    """The acknowledgement of a new ticket (once per ticket; capped per sender per day)."""
    if session.scalar(
        select(TicketMail.id).where(
            TicketMail.room_id == ticket.room_id,
            TicketMail.kind == TicketMailKind.ACKNOWLEDGEMENT,
        )
    ):
        return None
    sent_today = _count_today(session, address, TicketMailKind.ACKNOWLEDGEMENT, now)
    capped = sent_today >= MAX_ACKNOWLEDGEMENTS_PER_DAY
    return _owe(
        session, TicketMailKind.ACKNOWLEDGEMENT, address, support_address, ticket.room_id,
        answered, AutoResponseState.CAPPED if capped else AutoResponseState.PENDING, now,
    )  # fmt: skip


def owe_refusal(
    session: Session,
    *,
    address: str,
    support_address: str,
    answered: tuple[str | None, str],
    now: datetime,
) -> TicketMail:
    """A notice that the email opened no ticket: at most one per address per day."""
    capped = _count_today(session, address, TicketMailKind.REFUSAL, now) > 0
    return _owe(
        session, TicketMailKind.REFUSAL, address, support_address, None, answered,
        AutoResponseState.CAPPED if capped else AutoResponseState.PENDING, now,
    )  # fmt: skip


def _count_today(session: Session, address: str, kind: TicketMailKind, now: datetime) -> int:
    """How many of `kind` went (or are going) to `address` in the last 24 hours."""
    sent = (AutoResponseState.PENDING, AutoResponseState.QUEUED)
    count = session.scalar(
        select(func.count(TicketMail.id)).where(
            TicketMail.address == address.lower()[:320],
            TicketMail.kind == kind,
            TicketMail.created_at > now - timedelta(days=1),
            TicketMail.state.in_(sent),
        )
    )
    return count or 0


def _owe(
    session: Session,
    kind: TicketMailKind,
    address: str,
    support_address: str,
    room_id: int | None,
    answered: tuple[str | None, str],
    state: AutoResponseState,
    now: datetime,
) -> TicketMail:
    answered_id, subject = answered
    mail = TicketMail(
        kind=kind,
        address=address.lower()[:320],
        support_address=support_address[:320],
        room_id=room_id,
        answered_id=answered_id[:998] if answered_id else None,
        subject=" ".join(_CONTROL.sub(" ", subject).split())[:998],
        state=state,
        created_at=now,
    )
    session.add(mail)
    session.flush()
    return mail


def find_ticket(session: Session, room_id: int) -> Ticket | None:
    return session.get(Ticket, room_id)


def find_tickets(session: Session, room_ids: Iterable[int]) -> Sequence[Ticket]:
    """The tickets among these rooms (one query)."""
    wanted = list(room_ids)
    if not wanted:
        return []
    return session.scalars(select(Ticket).where(Ticket.room_id.in_(wanted))).all()


def list_ticket_mail_owed(session: Session, *, limit: int) -> Sequence[TicketMail]:
    """Acknowledgements and refusal notices to compose, claimed for this transaction."""
    return session.scalars(
        select(TicketMail)
        .where(TicketMail.state == AutoResponseState.PENDING)
        .order_by(TicketMail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
