"""Composition: turning a room message into the email one member receives.

Owns the email templates' environment, our Message-ID format, the threading headers
(EMAIL-RULES section 3) and every header a room email carries. Composition reads the objects
it is given and the clock it is handed; it runs no queries of its own (but for a direct
room's two memberships, read through the room to title it per recipient: Alice's email says
"Bob", Bob's "Alice", gateway.core.room_titles), writes nothing (dispatch looks up the
thread and stores the result) and never sends anything. The bytes are written by
gateway.outbound.email_bytes; a room message's emails share one rendering of its templates
(RoomEmailComposer).

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
from email.header import Header
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from gateway.core.messages import message_excerpt
from gateway.core.rendering import render_plain_text
from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.room_titles import room_title_for
from gateway.core.unsubscribe import unsubscribe_token
from gateway.outbound.email_bytes import (
    MAX_LINE,
    BodyEncoder,
    address_line,
    alternative_body,
    date_line,
    header_line,
    plain_text_part,
    raw_header_line,
)
from gateway.outbound.sender_names import from_display_name, one_line
from gateway.settings import Settings
from gateway.store.models import Membership, Message, Room, RoomKind, User

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
LIST_ID_PREFIX = "List-Id: "
# A longer unbroken word could not be folded into a line: such titles are RFC 2047-encoded.
MAX_PLAIN_WORD = 60

ROOM_MESSAGE_TEMPLATES = "email/room_message"


def _build_environment() -> Environment:
    return Environment(
        loader=PackageLoader("gateway", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates are part of the release: not checked for changes on every email.
        auto_reload=False,
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
    composer = RoomEmailComposer(message, attachment_names, settings=settings, keys=keys, now=now)
    return composer.compose(recipient, thread)


class RoomEmailComposer:
    """The emails of one room message, one per recipient.

    What every recipient shares (subject, the From line, the rendered text and HTML parts,
    the list headers of the room) is made once; each email then gets its own To, Reply-To,
    Message-ID, threading headers and unsubscribe link. The templates render from one
    context in which the per-recipient values are markers, filled in per email (escaped in
    the HTML part as autoescape would), so templates use them as plain `{{ value }}`.
    """

    def __init__(
        self,
        message: Message,
        attachment_names: Sequence[str],
        *,
        settings: Settings,
        keys: ReplyKeys,
        now: datetime,
        encoder: BodyEncoder | None = None,
    ) -> None:
        room = message.room
        self._settings, self._keys, self._room = settings, keys, room
        self._room_title = one_line(room.title)
        # A direct room is titled per recipient (the other person's name): its title is one
        # more per-recipient value, and the title's header lines are written per email.
        self._per_recipient = room.kind == RoomKind.DIRECT
        names = (*_RECIPIENT_SLOTS, "room_title") if self._per_recipient else _RECIPIENT_SLOTS
        # Unguessable, so no message text can contain one.
        slots = {f"gw-slot-{secrets.token_hex(8)}-{name}": name for name in names}
        markers = {name: marker for marker, name in slots.items()}
        context = _room_message_context(message, room, attachment_names, settings, markers)
        encoder = encoder or BodyEncoder()
        self._text = encoder.stencil(_render("body.txt", context), slots)
        self._html = encoder.stencil(_render("body.html", context), slots)
        self._subject = one_line(_render("subject.txt", context))
        self._markers = markers
        # A direct room's title is the author to the recipient: "Alice via Alice" says
        # nothing, so its emails come "via" the site.
        via = settings.site_name if self._per_recipient else self._room_title
        self._from = address_line(
            "From",
            from_display_name(context["author_name"], via),
            f"{NOTIFICATIONS_LOCAL_PART}@{settings.mail_domain}",
        )
        self._list_id = self._list_id_line(self._room_title)
        self._dated = date_line(now)
        self._list_archive = header_line("List-Archive", _angle(context["room_url"]))
        self._closing = (
            # RFC 8058 section 3.1: a POST of exactly this body unsubscribes, no further
            # interaction.
            header_line("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
            + header_line("Precedence", "list")
            + automation_headers(settings, ROOM_MESSAGE_CATEGORY)
        )

    def compose(self, recipient: Membership, thread: Thread) -> ComposedEmail:
        """The email for `recipient` (a membership of the message's room), placed in
        `thread`. Raises ValueError when their address cannot be written in a 7-bit header
        (an internationalized local part, RFC 6531, which this composer does not send)."""
        settings = self._settings
        user = recipient.user
        values = {
            "recipient_name": one_line(user.display_name),
            "unsubscribe_url": unsubscribe_url(recipient, settings, self._keys),
        }
        title, list_id = self._room_title, self._list_id
        if self._per_recipient:
            title = values["room_title"] = one_line(room_title_for(self._room, user.id))
            list_id = self._list_id_line(title)
        reply_to = reply_address(recipient, self._keys, settings.mail_domain)
        message_id = new_message_id(settings.mail_domain)
        raw = b"".join(
            (
                self._from,
                # Address lines quote or RFC 2047-encode display names, so quotes, commas
                # and "<" in a name stay inside the display name.
                address_line("To", values["recipient_name"], user.email),
                address_line("Reply-To", title, reply_to),
                header_line("Subject", self._fill(self._subject, values)),
                self._dated,
                header_line("Message-ID", _angle(message_id)),
                header_line("In-Reply-To", _angle(thread.in_reply_to)),
                header_line("References", " ".join(_angle(i) for i in thread.references)),
                # Room emails are list mail (RFC 2369, RFC 2919, RFC 8058, EMAIL-RULES
                # section 3).
                list_id,
                header_line("List-Post", _angle(f"mailto:{reply_to}")),
                self._list_archive,
                header_line("List-Unsubscribe", _angle(values["unsubscribe_url"])),
                self._closing,
                alternative_body(self._text.fill(values), self._html.fill(values, escape)),
            )
        )
        return ComposedEmail(message_id=message_id, recipient=user.email, raw=raw)

    def _list_id_line(self, title: str) -> bytes:
        """The List-Id line of the room's emails, displayed as `title`."""
        list_id = f"room-{self._room.id}.{self._settings.mail_domain}"
        return raw_header_line("List-Id", _list_id_value(title, list_id))

    def _fill(self, text: str, values: dict[str, str]) -> str:
        for name, marker in self._markers.items():
            text = text.replace(marker, values[name])
        return text


# The context values that differ per recipient (see RoomEmailComposer).
_RECIPIENT_SLOTS = ("recipient_name", "unsubscribe_url")


def _room_message_context(
    message: Message,
    room: Room,
    attachment_names: Sequence[str],
    settings: Settings,
    recipient_values: dict[str, str],
) -> dict[str, Any]:
    """One context for subject, text and HTML, so the three parts never disagree."""
    return {
        "site_name": settings.site_name,
        "room_title": one_line(room.title),
        "room_url": room_url(room, settings),
        "author_name": _author_name(message, settings),
        "message_text": render_plain_text(message.body_source),
        # body_html was sanitized by core.rendering when the message was posted: trusted here.
        "message_html": Markup(message.body_html),
        "attachment_names": list(attachment_names),
        "parent": _parent_quote(message, settings),
        **recipient_values,
    }


def _parent_quote(message: Message, settings: Settings) -> dict[str, str] | None:
    """Who wrote the message `message` answers, and its words as read (message_excerpt: not
    its Markdown source), for the "In reply to" line; None for a message that answers none."""
    if message.parent_id is None or message.parent is None:
        return None
    return {
        "author_name": _author_name(message.parent, settings),
        "excerpt": message_excerpt(message.parent),
    }


def room_url(room: Room, settings: Settings) -> str:
    return f"{settings.base_url}/rooms/{room.id}"


def unsubscribe_url(membership: Membership, settings: Settings, keys: ReplyKeys) -> str:
    """The RFC 8058 one-click link of one member's emails from one room."""
    return unsubscribe_link(settings, unsubscribe_token(membership.id, keys))


def unsubscribe_link(settings: Settings, token: str) -> str:
    """The RFC 8058 one-click link of any unsubscribe token (gateway.core.unsubscribe); the
    web app answers its POST without cookies or login."""
    return f"{settings.base_url}/u/{token}"


def automation_headers(settings: Settings, category: str) -> bytes:
    """The header lines marking an email as machine-generated (every email the gateway
    composes is)."""
    return b"".join(
        (
            # RFC 3834 section 5: we generate this mail, so responders that honour the RFC
            # stay quiet.
            header_line("Auto-Submitted", "auto-generated"),
            # Exchange/Outlook's own switch for out-of-office and other automatic replies.
            header_line("X-Auto-Response-Suppress", "All"),
            header_line(LOOP_HEADER, settings.mail_domain),
            header_line(CATEGORY_HEADER, category),
        )
    )


def _list_id_value(title: str, list_id: str) -> str:
    """`phrase <list-id>` (RFC 2919 section 2), encoded and folded by hand.

    A printable ASCII title becomes a quoted-string folded at its spaces. Any other title is
    written entirely as RFC 2047 encoded-words, so no quote, comma or angle bracket in it can
    reach the header as syntax, wherever the encoder splits it. (The generic header folder
    would encode only some words and could leave a quote unbalanced in front of the id.) So
    is a title holding "=?": readers decode encoded words even inside a quoted-string.
    """
    title = one_line(title)
    plain = title.isascii() and title.isprintable() and "=?" not in title
    if plain and all(len(word) <= MAX_PLAIN_WORD for word in title.split()):
        escaped = title.replace("\\", "\\\\").replace('"', '\\"')
        wrapped = textwrap.wrap(
            f'"{escaped}"',
            width=MAX_LINE - len(LIST_ID_PREFIX),
            break_long_words=False,
            break_on_hyphens=False,
        )
        lines = [wrapped[0], *(f" {line}" for line in wrapped[1:])]
    else:
        header = Header(title, "utf-8", maxlinelen=MAX_LINE, header_name="List-Id")
        lines = header.encode(splitchars=" ", linesep="\n").split("\n")
    last = f"{lines[-1]} <{list_id}>"
    indent = len(LIST_ID_PREFIX) if len(lines) == 1 else 0
    if indent + len(last) <= MAX_LINE:
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
    encoder: BodyEncoder | None = None,
) -> ComposedEmail:
    """An email from the site itself to `user` (sign-in link, alert, digest): From the site
    name at notifications@, the three parts of the templates in `folder` rendered from one
    context, automatic-mail headers, `Precedence: bulk` for `bulk` mail (alerts, digests),
    and RFC 8058 one-click unsubscribe when `unsubscribe_url` is given. An `encoder` shared
    by a batch of emails encodes their common lines once.

    Raises ValueError when the user's address cannot be written in a 7-bit header (an
    internationalized local part, RFC 6531, which this composer does not send).
    """
    message_id = new_message_id(settings.mail_domain)
    encoder = encoder or BodyEncoder()
    lines = [
        address_line(
            "From",
            one_line(settings.site_name),
            f"{NOTIFICATIONS_LOCAL_PART}@{settings.mail_domain}",
        ),
        address_line("To", one_line(user.display_name), user.email),
        header_line("Subject", one_line(render_email_template(folder, "subject.txt", context))),
        date_line(now),
        header_line("Message-ID", _angle(message_id)),
        automation_headers(settings, category),
    ]
    if bulk:
        lines.append(header_line("Precedence", "bulk"))
    if unsubscribe_url:
        lines.append(header_line("List-Unsubscribe", _angle(unsubscribe_url)))
        # RFC 8058 section 3.1: a POST of exactly this body unsubscribes.
        lines.append(header_line("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    lines.append(rendered_body(folder, context, encoder))
    return ComposedEmail(message_id=message_id, recipient=user.email, raw=b"".join(lines))


def render_email_template(folder: str, name: str, context: dict[str, Any]) -> str:
    """One part (subject.txt, body.txt, body.html) of an email kind's templates."""
    return TEMPLATES.get_template(f"{folder}/{name}").render(context)


def rendered_body(folder: str, context: dict[str, Any], encoder: BodyEncoder) -> bytes:
    """The MIME body of an email kind: its body.txt and body.html templates rendered from
    `context`, as the multipart/alternative the headers end with. A text part of plain ASCII
    lines goes as it is (plain_text_part): a link on its own line stays whole in the raw
    email, to be copied from it."""
    text = render_email_template(folder, "body.txt", context)
    html = encoder.encode(render_email_template(folder, "body.html", context))
    plain = plain_text_part(text)
    if plain is not None:
        return alternative_body(plain, html, plain_text=True)
    return alternative_body(encoder.encode(text), html)


def _render(name: str, context: dict[str, Any]) -> str:
    return render_email_template(ROOM_MESSAGE_TEMPLATES, name, context)


def _author_name(message: Message, settings: Settings) -> str:
    # A message without an author is the system speaking: it reads as the site.
    return one_line(message.author.display_name) if message.author else settings.site_name


def _angle(value: str) -> str:
    return f"<{value}>"
