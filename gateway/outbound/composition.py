"""Composition: turning a room message into the email one member receives.

Owns the email templates' environment, our Message-ID format, the threading headers
(EMAIL-RULES section 3) and every header a room email carries. Composition reads the objects
it is given and the clock it is handed; it runs no queries of its own, writes nothing (dispatch
looks up the thread and stores the result) and never sends anything.

Message-ID convention: ids are made by `new_message_id` as `gw.<32 hex>@<mail domain>`; the
functions here return and take them bare, WITHOUT angle brackets (that is also how the outbox
stores them in `message_id_header`); angle brackets are added only when a header is written.
A room's thread root is `room.<thread_token>@<mail domain>`: referenced by every email of the
room, never sent as a message itself. Both prefixes let inbound recognize our own ids.

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or smtplib.
"""

from __future__ import annotations

import secrets
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from gateway.core.rendering import render_plain_text
from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.unsubscribe import unsubscribe_token
from gateway.settings import Settings
from gateway.store.models import Membership, Message, Room, User

MESSAGE_ID_PREFIX = "gw."
THREAD_ROOT_PREFIX = "room."
MESSAGE_ID_TOKEN_BYTES = 16  # 32 hex characters: lowercase, so case-folding MTAs change nothing
NOTIFICATIONS_LOCAL_PART = "notifications"

# Our own header, so inbound can tell our mail coming back to us (EMAIL-RULES section 2).
LOOP_HEADER = "X-Gateway-Loop"
CATEGORY_HEADER = "X-Gateway-Category"
ROOM_MESSAGE_CATEGORY = "room-message"

# References keeps the root plus the first and the last few earlier ids (EMAIL-RULES section
# 3): enough for every client to attach the email to the thread, short for any header limit.
REFERENCES_HEAD = 2
REFERENCES_TAIL = 8

# RFC 5322 section 2.1.1: lines SHOULD be at most 78 characters (without CRLF).
MAX_HEADER_LINE = 78
LIST_ID_PREFIX = "List-Id: "
# A longer unbroken word could not be folded into a line: such titles are RFC 2047-encoded.
MAX_PLAIN_WORD = 60

# Headers go out as RFC 2047 words, bodies as quoted-printable: the whole message is 7-bit, so
# no relay needs 8BITMIME, and no body line can exceed 998 octets (RFC 5322 section 2.1.1).
EMAIL_POLICY = policy.SMTP
BODY_TRANSFER_ENCODING = "quoted-printable"

ROOM_MESSAGE_TEMPLATES = "email/room_message"


def _build_environment() -> Environment:
    return Environment(
        loader=PackageLoader("gateway", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


TEMPLATES = _build_environment()


@dataclass(frozen=True, slots=True)
class Thread:
    """Where an email sits in its room's thread: bare ids (no angle brackets), root first."""

    references: tuple[str, ...]
    in_reply_to: str


@dataclass(frozen=True, slots=True)
class ComposedEmail:
    """A composed email: its bare Message-ID, the recipient's address and the wire bytes."""

    message_id: str
    recipient: str
    raw: bytes


def new_message_id(mail_domain: str) -> str:
    """A fresh, unique Message-ID in our domain, bare (RFC 5322 section 3.6.4 id-left@id-right)."""
    return f"{MESSAGE_ID_PREFIX}{secrets.token_hex(MESSAGE_ID_TOKEN_BYTES)}@{mail_domain}"


def thread_root_id(room: Room, mail_domain: str) -> str:
    """The stable id every email of a room references, so clients show one thread per room."""
    return f"{THREAD_ROOT_PREFIX}{room.thread_token}@{mail_domain}"


def build_thread(root_id: str, earlier_ids: Sequence[str], parent_id: str | None) -> Thread:
    """Threading headers for the next email of a room to one recipient.

    `earlier_ids`: the ids of the emails this recipient already got from the room, oldest
    first. `parent_id`: the id of the email they got for the message being answered, if any.
    In-Reply-To names the parent, else the previous email, else the root. References is the
    root, then earlier ids with the In-Reply-To id moved last (RFC 5322 section 3.6.4: the
    parent's id ends References), keeping only the first and last few of them.
    """
    in_reply_to = parent_id or (earlier_ids[-1] if earlier_ids else root_id)
    ids = [i for i in earlier_ids if i not in (root_id, in_reply_to)]
    if in_reply_to != root_id:
        ids.append(in_reply_to)
    if len(ids) > REFERENCES_HEAD + REFERENCES_TAIL:
        ids = ids[:REFERENCES_HEAD] + ids[-REFERENCES_TAIL:]
    return Thread(references=(root_id, *ids), in_reply_to=in_reply_to)


def compose_room_message(
    message: Message,
    recipient: Membership,
    *,
    thread: Thread,
    attachment_names: Sequence[str],
    settings: Settings,
    keys: ReplyKeys,
    now: datetime,
) -> ComposedEmail:
    """The email telling `recipient` about `message`, posted in their room.

    Raises ValueError when the recipient's address cannot be written in a 7-bit header
    (an internationalized local part, RFC 6531, which this composer does not send).
    """
    context = _room_message_context(message, recipient, attachment_names, settings, keys)
    reply_to = reply_address(recipient, keys, settings.mail_domain)
    message_id = new_message_id(settings.mail_domain)
    email = EmailMessage(policy=EMAIL_POLICY)
    _set_addressing(email, recipient, context, reply_to, settings)
    email["Subject"] = one_line(_render("subject.txt", context))
    email["Date"] = format_datetime(now)
    email["Message-ID"] = _angle(message_id)
    email["In-Reply-To"] = _angle(thread.in_reply_to)
    email["References"] = " ".join(_angle(i) for i in thread.references)
    _set_list_headers(email, recipient.room, context, reply_to, settings)
    set_automation_headers(email, settings, ROOM_MESSAGE_CATEGORY)
    email.set_content(_render("body.txt", context), cte=BODY_TRANSFER_ENCODING)
    email.add_alternative(_render("body.html", context), subtype="html", cte=BODY_TRANSFER_ENCODING)
    return ComposedEmail(message_id=message_id, recipient=recipient.user.email, raw=bytes(email))


def _room_message_context(
    message: Message,
    recipient: Membership,
    attachment_names: Sequence[str],
    settings: Settings,
    keys: ReplyKeys,
) -> dict[str, Any]:
    """One context for subject, text and HTML, so the three parts never disagree."""
    room = recipient.room
    return {
        "site_name": settings.site_name,
        "room_title": one_line(room.title),
        "room_url": room_url(room, settings),
        "author_name": _author_name(message, settings),
        "message_text": render_plain_text(message.body_source),
        # body_html was sanitized by core.rendering when the message was posted: trusted here.
        "message_html": Markup(message.body_html),
        "attachment_names": list(attachment_names),
        "recipient_name": one_line(recipient.user.display_name),
        "unsubscribe_url": unsubscribe_url(recipient, settings, keys),
    }


def room_url(room: Room, settings: Settings) -> str:
    return f"{settings.base_url}/rooms/{room.id}"


def unsubscribe_url(membership: Membership, settings: Settings, keys: ReplyKeys) -> str:
    """The RFC 8058 one-click link; the web app answers POST without cookies or login."""
    return f"{settings.base_url}/u/{unsubscribe_token(membership.id, keys)}"


def _set_addressing(
    email: EmailMessage,
    recipient: Membership,
    context: dict[str, Any],
    reply_to: str,
    settings: Settings,
) -> None:
    # Address objects quote or RFC 2047-encode display names, so quotes, commas and "<" in a
    # name stay inside the display name instead of breaking the address list.
    email["From"] = Address(
        display_name=f"{context['author_name']} via {context['room_title']}",
        addr_spec=f"{NOTIFICATIONS_LOCAL_PART}@{settings.mail_domain}",
    )
    email["To"] = Address(display_name=context["recipient_name"], addr_spec=recipient.user.email)
    email["Reply-To"] = Address(display_name=context["room_title"], addr_spec=reply_to)


def _set_list_headers(
    email: EmailMessage, room: Room, context: dict[str, Any], reply_to: str, settings: Settings
) -> None:
    """Room emails are list mail (RFC 2369, RFC 2919, RFC 8058, EMAIL-RULES section 3)."""
    # set_raw: the value is already encoded and folded; see _list_id_value.
    email.set_raw("List-Id", _list_id_value(room.title, f"room-{room.id}.{settings.mail_domain}"))
    email["List-Post"] = _angle(f"mailto:{reply_to}")
    email["List-Archive"] = _angle(context["room_url"])
    email["List-Unsubscribe"] = _angle(context["unsubscribe_url"])
    # RFC 8058 section 3.1: a POST of exactly this body unsubscribes, no further interaction.
    email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email["Precedence"] = "list"


def set_automation_headers(email: EmailMessage, settings: Settings, category: str) -> None:
    """Mark `email` as machine-generated (every email the gateway composes is)."""
    # RFC 3834 section 5: we generate this mail, so responders that honour the RFC stay quiet.
    email["Auto-Submitted"] = "auto-generated"
    # Exchange/Outlook's own switch for out-of-office and other automatic replies.
    email["X-Auto-Response-Suppress"] = "All"
    email[LOOP_HEADER] = settings.mail_domain
    email[CATEGORY_HEADER] = category


def _list_id_value(title: str, list_id: str) -> str:
    """`phrase <list-id>` (RFC 2919 section 2), encoded and folded by hand.

    A printable ASCII title becomes a quoted-string folded at its spaces. Any other title is
    written entirely as RFC 2047 encoded-words, so no quote, comma or angle bracket in it can
    reach the header as syntax, wherever the encoder splits it. (The generic header folder
    would encode only some words and could leave a quote unbalanced in front of the id.)
    """
    title = one_line(title)
    plain = title.isascii() and title.isprintable()
    if plain and all(len(word) <= MAX_PLAIN_WORD for word in title.split()):
        escaped = title.replace("\\", "\\\\").replace('"', '\\"')
        wrapped = textwrap.wrap(
            f'"{escaped}"',
            width=MAX_HEADER_LINE - len(LIST_ID_PREFIX),
            break_long_words=False,
            break_on_hyphens=False,
        )
        lines = [wrapped[0], *(f" {line}" for line in wrapped[1:])]
    else:
        header = Header(title, "utf-8", maxlinelen=MAX_HEADER_LINE, header_name="List-Id")
        lines = header.encode(splitchars=" ", linesep="\n").split("\n")
    last = f"{lines[-1]} <{list_id}>"
    indent = len(LIST_ID_PREFIX) if len(lines) == 1 else 0
    if indent + len(last) <= MAX_HEADER_LINE:
        return "\n".join([*lines[:-1], last])
    return "\n".join([*lines, f" <{list_id}>"])


def compose_site_email(
    user: User,
    folder: str,
    context: dict[str, Any],
    *,
    category: str,
    settings: Settings,
    now: datetime,
    bulk: bool = False,
    unsubscribe_url: str = "",
) -> ComposedEmail:
    """An email from the site itself to `user` (sign-in link, alert, digest): From the site
    name at notifications@, the three parts of the templates in `folder` rendered from one
    context, automatic-mail headers, `Precedence: bulk` for `bulk` mail (alerts, digests),
    and RFC 8058 one-click unsubscribe when `unsubscribe_url` is given.

    Raises ValueError when the user's address cannot be written in a 7-bit header (an
    internationalized local part, RFC 6531, which this composer does not send).
    """
    message_id = new_message_id(settings.mail_domain)
    email = EmailMessage(policy=EMAIL_POLICY)
    email["From"] = Address(
        display_name=one_line(settings.site_name),
        addr_spec=f"{NOTIFICATIONS_LOCAL_PART}@{settings.mail_domain}",
    )
    email["To"] = Address(display_name=one_line(user.display_name), addr_spec=user.email)
    email["Subject"] = one_line(render_email_template(folder, "subject.txt", context))
    email["Date"] = format_datetime(now)
    email["Message-ID"] = _angle(message_id)
    set_automation_headers(email, settings, category)
    if bulk:
        email["Precedence"] = "bulk"
    if unsubscribe_url:
        email["List-Unsubscribe"] = _angle(unsubscribe_url)
        # RFC 8058 section 3.1: a POST of exactly this body unsubscribes.
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(
        render_email_template(folder, "body.txt", context), cte=BODY_TRANSFER_ENCODING
    )
    email.add_alternative(
        render_email_template(folder, "body.html", context),
        subtype="html",
        cte=BODY_TRANSFER_ENCODING,
    )
    return ComposedEmail(message_id=message_id, recipient=user.email, raw=bytes(email))


def render_email_template(folder: str, name: str, context: dict[str, Any]) -> str:
    """One part (subject.txt, body.txt, body.html) of an email kind's templates."""
    return TEMPLATES.get_template(f"{folder}/{name}").render(context)


def _render(name: str, context: dict[str, Any]) -> str:
    return render_email_template(ROOM_MESSAGE_TEMPLATES, name, context)


def _author_name(message: Message, settings: Settings) -> str:
    # A message without an author is the system speaking: it reads as the site.
    return one_line(message.author.display_name) if message.author else settings.site_name


def one_line(text: str) -> str:
    """Whitespace collapsed: a name or subject never carries a line break into a header."""
    return " ".join(text.split())


def _angle(value: str) -> str:
    return f"<{value}>"
