"""Constants and small types shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime

from gateway.core.rooms import add_member
from gateway.core.users import add_user
from gateway.store.database import Database
from gateway.store.models import Role, Room, User

SECRET_KEY = "test-secret-key-0123456789abcdefghijklmnop"
MAIL_DOMAIN = "reply.example.com"


@dataclass
class World:
    """Two people in one room, committed."""

    alice: User
    bob: User
    room: Room


def add_carol(database: Database, world: World, now: datetime, role: Role = Role.MEMBER) -> User:
    """Carol Chen, a third member of the world's room with `role`, committed."""
    with database.transaction() as session:
        carol = add_user(session, "carol@example.net", name="Carol Chen", now=now)
        add_member(session, session.get_one(Room, world.room.id), carol, now=now, role=role)
    return carol


def reply_email(
    sender: str,
    to: str,
    body: str,
    *,
    subject: str = "Re: [Gateway] Website redesign",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    html: str | None = None,
) -> bytes:
    """A plain person-written reply, as a mail client would send it."""
    from email.message import EmailMessage
    from email.utils import make_msgid

    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Mon, 23 Nov 2026 10:00:00 +0000"
    message["Message-ID"] = message_id or make_msgid(domain="mail.example.org")
    for name, value in (headers or {}).items():
        message[name] = value
    if body:
        message.set_content(body)
    if html is not None:
        if body:
            message.add_alternative(html, subtype="html")
        else:
            message.set_content(html, subtype="html")
    return message.as_bytes()


def free_port() -> int:
    """A TCP port nothing listens on now (for a server started in another process)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
