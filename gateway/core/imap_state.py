"""Where the gateway is in each IMAP mailbox it reads, and which process reads it now.

Owns the `imap_mailboxes` rows: the lease (a holder id and an expiry, taken and renewed by a
conditional UPDATE, so on SQLite and PostgreSQL alike two gateway processes never read one
mailbox at once) and the reading position (UIDVALIDITY and the last UID taken in, RFC 3501
section 2.3.1.1). The position is only written by the lease's holder, in the same statement
that checks it still holds it.

Plain SQLAlchemy: must not import aioimaplib or any other adapter library. Functions take the
session and `now`; they flush, the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from gateway.store.database import insert_all_ignoring_duplicates
from gateway.store.models import ImapMailboxState


@dataclass(frozen=True, slots=True)
class MailboxPosition:
    """How far a mailbox was read: its UIDVALIDITY then (None before the first read) and the
    highest UID taken in under it."""

    uidvalidity: int | None
    last_uid: int


def take_mailbox_lease(
    session: Session, mailbox: str, holder: str, *, now: datetime, seconds: float
) -> MailboxPosition | None:
    """Take (or renew) the lease on `mailbox` for `holder` until now + seconds: the position
    to read on from, or None while another holder's lease runs."""
    insert_all_ignoring_duplicates(
        session, ImapMailboxState, [{"mailbox": mailbox, "last_uid": 0, "updated_at": now}], []
    )
    taken = session.execute(
        update(ImapMailboxState)
        .where(
            ImapMailboxState.mailbox == mailbox,
            or_(
                ImapMailboxState.holder.is_(None),
                ImapMailboxState.holder == holder,
                ImapMailboxState.lease_expires_at < now,
            ),
        )
        .values(holder=holder, lease_expires_at=now + timedelta(seconds=seconds))
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return None
    return get_mailbox_position(session, mailbox)


def renew_mailbox_lease(
    session: Session, mailbox: str, holder: str, *, now: datetime, seconds: float
) -> bool:
    """Extend `holder`'s lease; False if it holds the lease no longer."""
    renewed = session.execute(
        update(ImapMailboxState)
        .where(ImapMailboxState.mailbox == mailbox, ImapMailboxState.holder == holder)
        .values(lease_expires_at=now + timedelta(seconds=seconds))
        .execution_options(synchronize_session=False)
    )
    return renewed.rowcount == 1


def record_mailbox_position(
    session: Session,
    mailbox: str,
    holder: str,
    position: MailboxPosition,
    *,
    now: datetime,
    seconds: float,
) -> bool:
    """Store how far `holder` has read (and renew its lease); False, storing nothing, if it
    holds the lease no longer: whoever holds it now reads on from the position it found."""
    recorded = session.execute(
        update(ImapMailboxState)
        .where(ImapMailboxState.mailbox == mailbox, ImapMailboxState.holder == holder)
        .values(
            uidvalidity=position.uidvalidity,
            last_uid=position.last_uid,
            updated_at=now,
            lease_expires_at=now + timedelta(seconds=seconds),
        )
        .execution_options(synchronize_session=False)
    )
    return recorded.rowcount == 1


def release_mailbox_lease(session: Session, mailbox: str, holder: str) -> None:
    """Give the lease up (a stopping reader), so another process need not wait it out."""
    session.execute(
        update(ImapMailboxState)
        .where(ImapMailboxState.mailbox == mailbox, ImapMailboxState.holder == holder)
        .values(holder=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )


def get_mailbox_position(session: Session, mailbox: str) -> MailboxPosition:
    """The stored position of `mailbox`; raises if it was never leased."""
    row = session.execute(
        select(ImapMailboxState.uidvalidity, ImapMailboxState.last_uid).where(
            ImapMailboxState.mailbox == mailbox
        )
    ).one()
    return MailboxPosition(row.uidvalidity, row.last_uid)


def find_mailbox_holder(session: Session, mailbox: str, *, now: datetime) -> str | None:
    """Who holds a running lease on `mailbox`, if anyone."""
    return session.scalar(
        select(ImapMailboxState.holder).where(
            ImapMailboxState.mailbox == mailbox, ImapMailboxState.lease_expires_at >= now
        )
    )
