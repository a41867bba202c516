"""Typed SQLAlchemy models: every table the gateway keeps.

Owns the schema only: columns, keys, indexes and the small enums that name states. Domain
rules (who may post, what a notification contains) live in gateway.core; this module must not
import gateway.core, Flask, aiosmtpd or any other adapter library.

Times are stored as UTC. SQLite has no time-zone-aware type, so `UTCDateTime` stores naive
UTC and hands back aware datetimes on every backend.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Row ids are INTEGER columns: 32-bit on PostgreSQL, which refuses a larger value in a query
# rather than matching nothing. Adapters treat a larger id as naming nothing.
MAX_ROW_ID = 2_147_483_647

# Stable constraint names so Alembic migrations can alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and returned as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the gateway stores aware UTC times only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: VARCHAR + CHECK, storing the member values."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
        length=16,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 (read by SQLAlchemy)


class AccountKind(enum.StrEnum):
    FREELANCER = "freelancer"
    CLIENT = "client"
    AGENCY = "agency"


class RoomKind(enum.StrEnum):
    DIRECT = "direct"
    GROUP = "group"
    INTERVIEW = "interview"
    CONTRACT = "contract"
    TICKET = "ticket"


class Role(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class Origin(enum.StrEnum):
    WEB = "web"
    EMAIL = "email"
    SYSTEM = "system"
    API = "api"


class InboundOutcome(enum.StrEnum):
    POSTED = "posted"
    AUTOMATED = "automated"
    BOUNCE = "bounce"
    REJECTED = "rejected"
    KEPT = "kept"  # for the operator (postmaster@), nothing posted
    FAILED = "failed"  # could not be read (the same bytes always fail): replayable
    HELD = "held"  # failed the trusted MTA's DMARC check: waits for an operator's release


class NotificationState(enum.StrEnum):
    PENDING = "pending"  # owed; decided once its grace window has passed
    QUEUED = "queued"  # emailed on its own (outbox_id names the email)
    DIGEST = "digest"  # waiting for the user's next digest
    DIGESTED = "digested"  # went out in a digest (outbox_id names it)
    SKIPPED = "skipped"  # no email; `reason` says why


class Presence(enum.StrEnum):
    """What a user chose to show others: Online (when active) or Invisible (never)."""

    ONLINE = "online"
    INVISIBLE = "invisible"


class NotifyCategory(enum.StrEnum):
    ROOM = "room"
    ALERT = "alert"
    UPDATE = "update"
    TICKET = "ticket"


class NotifyChannel(enum.StrEnum):
    EMAIL = "email"
    INBOX = "inbox"
    BOTH = "both"
    NONE = "none"


class NotifyFrequency(enum.StrEnum):
    IMMEDIATE = "immediate"
    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    NEVER = "never"


class AlertCategory(enum.StrEnum):
    """The Message Center tab a system notification belongs to."""

    ALERT = "alert"  # Account Alerts
    UPDATE = "update"  # Updates


class ReportReason(enum.StrEnum):
    OFF_PLATFORM_PAYMENT = "payment"
    CONTACT_DETAILS = "contact"
    SUSPICIOUS_LINK = "link"
    ABUSE = "abuse"


class ReportState(enum.StrEnum):
    OPEN = "open"  # waiting for a moderator
    RESOLVED = "resolved"  # a moderator acted on it
    DISMISSED = "dismissed"  # a moderator found nothing to act on


class RoomEventKind(enum.StrEnum):
    EDITED = "edited"
    DELETED = "deleted"


class AutoResponseState(enum.StrEnum):
    NOTE = "note"  # the note in the conversation only (the message came from the web)
    PENDING = "pending"  # an auto-reply email is owed to the sender
    QUEUED = "queued"  # ... and is in the outbox
    CAPPED = "capped"  # not emailed: the sender's address had its day's auto-replies


class OutboxState(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    # Web inbox preferences.
    enter_sends: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    presence: Mapped[Presence] = mapped_column(
        _enum(Presence, "presence"), default=Presence.ONLINE, server_default="online"
    )
    # Out of office: the times are stored UTC; the user enters them in their own zone.
    ooo_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ooo_message: Mapped[str | None] = mapped_column(Text)
    ooo_starts_at: Mapped[datetime | None]
    ooo_ends_at: Mapped[datetime | None]
    # When this out-of-office period or message was set: a new one answers everyone afresh.
    ooo_set_at: Mapped[datetime | None]
    # When digests go, in the user's zone: daily at this hour, weekly on this weekday
    # (0 = Monday) at this hour.
    digest_hour: Mapped[int] = mapped_column(SmallInteger, default=8, server_default="8")
    digest_weekday: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # Account Alerts and Updates older than this are deleted (their emails are the record).
    alert_retention_days: Mapped[int] = mapped_column(SmallInteger, default=90, server_default="90")
    # Set by the host platform (API): no sign-in, no email, no posting; history stays.
    deactivated_at: Mapped[datetime | None]

    accounts: Mapped[list[Account]] = relationship(back_populates="user")


class Account(Base):
    """A capacity a user acts in (freelancer, client, agency); rooms belong to one."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_accounts_user_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[AccountKind] = mapped_column(_enum(AccountKind, "account_kind"))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]

    user: Mapped[User] = relationship(back_populates="accounts")


class Room(Base):
    __tablename__ = "rooms"
    # Counting the conversations a user started today (the daily limit).
    __table_args__ = (Index("ix_rooms_owner_created", "owner_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[RoomKind] = mapped_column(_enum(RoomKind, "room_kind"))
    title: Mapped[str] = mapped_column(String(200))
    # Random, stable: the root Message-ID every notification of this room references.
    thread_token: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime]

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    account: Mapped[Account] = relationship()
    memberships: Mapped[list[Membership]] = relationship(back_populates="room")


class Membership(Base):
    """A user in a room. A member who leaves keeps the row (left_at set) for history."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("room_id", "user_id", name="uq_memberships_room_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The member's account whose inbox shows this room (freelancer, client or agency).
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    role: Mapped[Role] = mapped_column(_enum(Role, "member_role"))
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    # The random half of the member's reply address; replaced on rejoin so an address
    # issued before leaving stays dead.
    reply_nonce: Mapped[str] = mapped_column(String(32), unique=True)
    last_read_message_id: Mapped[int | None] = mapped_column(Integer)
    # Set by the one-click unsubscribe link (RFC 8058) of this room's emails.
    email_muted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The member's own view of the room (nobody else sees these).
    favorite: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    notepad: Mapped[str | None] = mapped_column(Text)

    room: Mapped[Room] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_room_created", "room_id", "id"),
        Index("ix_messages_room_time", "room_id", "created_at"),
        Index("ix_messages_time", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    origin: Mapped[Origin] = mapped_column(_enum(Origin, "message_origin"))
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # What reply extraction removed from an emailed reply (quotes, signature): shown collapsed.
    quoted_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]

    room: Mapped[Room] = relationship()
    author: Mapped[User | None] = relationship()
    parent: Mapped[Message | None] = relationship(remote_side=[id])
    attachments: Mapped[list[Attachment]] = relationship(back_populates="message")


class RoomEvent(Base):
    """A change to a posted message (edit, delete), so open pages can follow it live.

    New messages need no event: their ids only grow, so "id > last seen" finds them.
    """

    __tablename__ = "room_events"
    __table_args__ = (Index("ix_room_events_room_id", "room_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    kind: Mapped[RoomEventKind] = mapped_column(_enum(RoomEventKind, "room_event_kind"))
    created_at: Mapped[datetime]


class Attachment(Base):
    """A room file. Stored in the database so it commits with its message."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]

    message: Mapped[Message | None] = relationship(back_populates="attachments")


class InboundEmail(Base):
    """Every message received after DATA, with what became of it and why."""

    __tablename__ = "inbound_emails"
    __table_args__ = (Index("ix_inbound_emails_outcome_received", "outcome", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of (Message-ID or raw bytes, recipient): a retried delivery is stored once.
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime]
    mail_from: Mapped[str] = mapped_column(String(320))
    rcpt_to: Mapped[str] = mapped_column(String(320))
    message_id_header: Mapped[str | None] = mapped_column(String(998))
    # sha256 of the body: the same Message-ID with another body is another message.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    raw_truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[InboundOutcome] = mapped_column(_enum(InboundOutcome, "inbound_outcome"))
    reason: Mapped[str] = mapped_column(Text, default="")
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )


class Notification(Base):
    """What is owed to one user about one room message or one alert, in one category;
    outbound decides (preferences, presence, grace window) whether it becomes an email, a
    line in a digest, or nothing, and records which and why."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "message_id", name="uq_notifications_user_message"),
        UniqueConstraint("user_id", "alert_id", name="uq_notifications_user_alert"),
        Index("ix_notifications_state_due", "state", "due_at"),
        # About a message or about an alert, never both, never neither.
        CheckConstraint("(message_id IS NULL) <> (alert_id IS NULL)", name="subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    category: Mapped[NotifyCategory] = mapped_column(_enum(NotifyCategory, "notify_category"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    state: Mapped[NotificationState] = mapped_column(_enum(NotificationState, "notification_state"))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(32))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship()
    room: Mapped[Room | None] = relationship()
    message: Mapped[Message | None] = relationship()
    alert: Mapped[Alert | None] = relationship()


class AutoResponse(Base):
    """One out-of-office answer (RFC 3834, RFC 5230): an away user's note to a sender of a
    direct message, and the auto-reply email when the message came by email. At most one
    per away user, sender and out-of-office period within RESPONSE_INTERVAL."""

    __tablename__ = "auto_responses"
    __table_args__ = (
        Index("ix_auto_responses_user_sender", "user_id", "sender_id", "created_at"),
        Index("ix_auto_responses_state", "state"),
        Index("ix_auto_responses_address", "sender_address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sender_address: Mapped[str] = mapped_column(String(320))
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    ooo_set_at: Mapped[datetime | None]
    state: Mapped[AutoResponseState] = mapped_column(
        _enum(AutoResponseState, "auto_response_state")
    )
    created_at: Mapped[datetime]
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))


class AddressHealth(Base):
    """How an email address has been bouncing (EMAIL-RULES section 2): a score that permanent
    failures raise more than temporary ones, at most once a day, reset after a quiet month;
    past a threshold `disabled_at` is set and non-critical email to it stops."""

    __tablename__ = "address_health"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    bounces: Mapped[int] = mapped_column(Integer, default=0)
    last_bounce_at: Mapped[datetime]
    last_counted_at: Mapped[datetime]
    last_status: Mapped[str | None] = mapped_column(String(16))
    last_permanent: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_at: Mapped[datetime | None]


class Digest(Base):
    """One digest email owed to a user for one schedule slot (frequency + the moment it
    fell due, UTC). The unique row is the claim: whoever inserts it builds the email, so
    however many workers run, a slot is digested once."""

    __tablename__ = "digests"
    __table_args__ = (
        UniqueConstraint("user_id", "frequency", "slot_at", name="uq_digests_user_slot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    frequency: Mapped[NotifyFrequency] = mapped_column(_enum(NotifyFrequency, "notify_frequency"))
    slot_at: Mapped[datetime]
    created_at: Mapped[datetime]
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))


class OutboxEmail(Base):
    """A composed email waiting for (or done with) delivery to the relay."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_next", "state", "next_attempt_at"),
        # A recipient's room emails in order: the thread of their next one (dispatch).
        Index("ix_outbox_room_user", "room_id", "user_id", "id"),
        # The first email a recipient got about a message: its replies thread under it.
        Index("ix_outbox_message_user", "message_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    envelope_from: Mapped[str] = mapped_column(String(320))
    recipient: Mapped[str] = mapped_column(String(320))
    message_id_header: Mapped[str] = mapped_column(String(255), unique=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[OutboxState] = mapped_column(_enum(OutboxState, "outbox_state"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]


class NotificationPreference(Base):
    """How one user wants one category delivered; a missing row means the defaults."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        UniqueConstraint("user_id", "category", name="uq_notification_preferences_user_category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    category: Mapped[NotifyCategory] = mapped_column(_enum(NotifyCategory, "notify_category"))
    channel: Mapped[NotifyChannel] = mapped_column(_enum(NotifyChannel, "notify_channel"))
    frequency: Mapped[NotifyFrequency] = mapped_column(_enum(NotifyFrequency, "notify_frequency"))
    # "Email me even if I have read it on the web."
    email_even_if_read: Mapped[bool] = mapped_column(Boolean, default=False)


class Alert(Base):
    """A system notification in a user's Message Center (Account Alerts or Updates tab)."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_user_category", "user_id", "category", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    category: Mapped[AlertCategory] = mapped_column(_enum(AlertCategory, "alert_category"))
    title: Mapped[str] = mapped_column(String(300))
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(2000))
    # Financial alerts (payments, invoices) cannot be switched off entirely.
    financial: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its hash is stored, so a
    leaked database does not sign anyone in. Signing out deletes the row."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The account whose conversations the inbox shows (freelancer, client, agency).
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # Presence: when the browser last showed signs of life (any page of it).
    last_seen_at: Mapped[datetime]


class RoomView(Base):
    """A room page open in front of its viewer now: one row per live page (its stream), kept
    by a short lease the stream renews while it is open. Notifications skip a member whose
    room is in front of them; a page that is left, hidden or dropped ends its view at once
    (or, if its process died, when the lease runs out)."""

    __tablename__ = "room_views"
    __table_args__ = (Index("ix_room_views_room_user", "room_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    web_session_id: Mapped[int] = mapped_column(
        ForeignKey("web_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    # The page's own random key (it names its view when it leaves); None from old pages.
    page_key: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime]


class SignInToken(Base):
    """A one-time sign-in link sent by email; only the token's hash is stored."""

    __tablename__ = "sign_in_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class SignInAttempt(Base):
    """A failed sign-in, counted per address, per client and per device cookie for throttling."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_email_at", "email", "attempted_at"),
        Index("ix_sign_in_attempts_remote_at", "remote_addr", "attempted_at"),
        Index("ix_sign_in_attempts_device_at", "device_nonce", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    remote_addr: Mapped[str] = mapped_column(String(64))
    # The nonce of the browser's valid device cookie for this account; None: untrusted.
    device_nonce: Mapped[str | None] = mapped_column(String(32))
    attempted_at: Mapped[datetime]


class Block(Base):
    """`blocker` blocked `blocked`: no direct messages between them; shared rooms stay."""

    __tablename__ = "blocks"
    __table_args__ = (UniqueConstraint("blocker_id", "blocked_id", name="uq_blocks_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    blocker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    blocked_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]


class Report(Base):
    """A member reported a message; a moderator resolves or dismisses it (gateway.core.reports)."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("reporter_id", "message_id", name="uq_reports_reporter_message"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[ReportReason] = mapped_column(_enum(ReportReason, "report_reason"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    # What a moderator made of it, who, and when (None while open).
    state: Mapped[ReportState] = mapped_column(
        _enum(ReportState, "report_state"), default=ReportState.OPEN, server_default="open"
    )
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None]

    message: Mapped[Message] = relationship()
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])


class ApiKey(Base):
    """A host platform's key to the JSON API. Only a hash of the secret is kept: the key is
    shown once, when it is made."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    prefix: Mapped[str] = mapped_column(
        String(16)
    )  # the key's first characters, to tell keys apart
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class IdempotentRequest(Base):
    """A POST the API carried out under an Idempotency-Key, and the response it gave: the same
    key with the same request gets that response again instead of a second effect."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (
        UniqueConstraint("api_key_id", "key", name="uq_idempotent_requests_api_key_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # method, path and body, hashed
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)


class TicketState(enum.StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting for the customer
    SOLVED = "solved"
    CLOSED = "closed"


class Ticket(Base):
    """A support ticket: a room of kind `ticket` with a number, a state and a requester."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_state_solved", "state", "solved_at"),)

    room_id: Mapped[int] = mapped_column(
        ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, unique=True)
    state: Mapped[TicketState] = mapped_column(_enum(TicketState, "ticket_state"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    queue: Mapped[str | None] = mapped_column(String(64))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    solved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The closed ticket a late reply came to (this ticket follows it up).
    previous_ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.room_id", ondelete="SET NULL")
    )


class TicketSequence(Base):
    """The last ticket number given (one row): incremented under a row lock, so concurrent
    intakes on PostgreSQL never hand out the same number."""

    __tablename__ = "ticket_sequence"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class TicketMessageId(Base):
    """A Message-ID that threads into a ticket: one we sent for it (ours) or one of the
    requester's own emails that opened or answered it (theirs)."""

    __tablename__ = "ticket_message_ids"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id_header: Mapped[str] = mapped_column(String(255), unique=True)
    room_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.room_id", ondelete="CASCADE"), index=True
    )
    origin: Mapped[str] = mapped_column(
        String(8), CheckConstraint("origin IN ('ours', 'theirs')", name="origin")
    )
    # Theirs: the To and Cc addresses of that email (space-separated), who may thread a reply
    # to it before taking part in the ticket.
    recipients: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class TicketMailKind(enum.StrEnum):
    ACKNOWLEDGEMENT = "ack"
    REFUSAL = "refusal"


class TicketMail(Base):
    """An automatic answer owed to someone who wrote to a support address: the ticket's
    acknowledgement or a refusal notice. Counted per address per day for the caps; composed
    into the outbox by gateway.outbound.ticket_mail."""

    __tablename__ = "ticket_mail"
    __table_args__ = (
        Index("ix_ticket_mail_address_created", "address", "created_at"),
        Index("ix_ticket_mail_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TicketMailKind] = mapped_column(_enum(TicketMailKind, "ticket_mail_kind"))
    address: Mapped[str] = mapped_column(String(320))
    support_address: Mapped[str] = mapped_column(String(320))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.room_id", ondelete="CASCADE"))
    # The email answered: its Message-ID (bare) and subject, for In-Reply-To and Subject.
    answered_id: Mapped[str | None] = mapped_column(String(998))
    subject: Mapped[str] = mapped_column(String(998), default="")
    state: Mapped[AutoResponseState] = mapped_column(_enum(AutoResponseState, "ticket_mail_state"))
    created_at: Mapped[datetime]
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))


class ImapMailboxState(Base):
    """Where the gateway is in one IMAP mailbox it reads (gateway.core.imap_state): the
    mailbox's UIDVALIDITY and the last UID taken in (RFC 3501 section 2.3.1.1), and the lease
    that lets one gateway process at a time read it."""

    __tablename__ = "imap_mailboxes"
    __table_args__ = (CheckConstraint("last_uid >= 0", name="last_uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # user@host:port/folder, never the password (gateway.imap_settings.ImapMailbox.name).
    mailbox: Mapped[str] = mapped_column(String(400), unique=True)
    # UIDs and UIDVALIDITY are unsigned 32-bit numbers: past a signed INTEGER.
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    holder: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
