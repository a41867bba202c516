"""The JSON API's request and response shapes (pydantic models).

Owns the one definition of each shape: requests are validated against these models and the
OpenAPI document (gateway.web.api.openapi) is generated from the same models, so the document
cannot drift from what the API accepts. Field limits mirror the domain's (the domain checks
again and has the last word); ids are bounded to what the database stores.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from gateway.core.errors import UnsafeText
from gateway.core.text_fields import single_line_text
from gateway.store.models import (
    MAX_ROW_ID,
    AccountKind,
    AlertCategory,
    ReportReason,
    ReportState,
    Role,
    RoomKind,
)

# Larger ids name nothing (gateway.store.models).
Id = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
# Text fields refuse NUL: PostgreSQL cannot store it in text, and no person types it.
NO_NUL = r"^[^\x00]*$"
# ...and where the domain needs words, at least one character that is not a space.
SOME_WORDS = r"^[^\x00]*[^\x00\s][^\x00]*$"
# An http(s) URL or a path on this site, not "//host" or "/\\host" (gateway.core.alerts).
LINK = r"^(?:[Hh][Tt][Tt][Pp][Ss]?://[^\s\x00-\x1f/?#]+[^\s\x00-\x1f]*|/(?:[^\s\x00-\x1f/\\][^\s\x00-\x1f]*)?)$"


def _in_utc(moment: datetime) -> datetime:
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range") from None


# A moment with its offset ("2027-01-31T17:00:00+01:00" or "...Z"); naive times are refused
# (whose midnight would it be?).
Moment = Annotated[AwareDatetime, AfterValidator(_in_utc)]


# The IANA zones this machine knows, listed in the document so clients can offer them
# ("localtime" is this server's own setting, not a zone to give a person).
TIME_ZONES = sorted(available_timezones() - {"localtime"})


def _known_zone(name: str) -> str:
    if name not in _ZONE_SET:
        raise ValueError(f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin")
    return name


_ZONE_SET = frozenset(TIME_ZONES)
TimeZone = Annotated[
    str, AfterValidator(_known_zone), Field(json_schema_extra={"enum": TIME_ZONES})
]
Email = Annotated[str, Field(min_length=3, max_length=320, json_schema_extra={"format": "email"})]


def text(
    max_length: int, *, min_length: int = 0, pattern: str = NO_NUL, description: str = ""
) -> object:
    return Field(
        min_length=min_length, max_length=max_length, pattern=pattern, description=description
    )


def words(max_length: int, *, description: str = "") -> object:
    return text(max_length, min_length=1, pattern=SOME_WORDS, description=description)


def single_line(field: str) -> AfterValidator:
    """The domain's rule for titles and names (gateway.core.text_fields), checked with the
    rest of the body so the 422 names the field: no control characters or line breaks, not
    even inside an RFC 2047 encoded word."""

    def check(value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return single_line_text(field, value)
        except UnsafeText as error:
            raise ValueError(str(error)) from None

    return AfterValidator(check)


class Request(BaseModel):
    """A request body: unknown fields are refused, so a typo is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    """A query string: unknown parameters are ignored (proxies and caches add their own)."""

    model_config = ConfigDict(extra="ignore")


class Response(BaseModel):
    """A response body, built field by field by the operations."""


# --- errors -----------------------------------------------------------------------------------


class ErrorDetail(Response):
    field: str = Field(description="where in the request, as a dotted path")
    message: str


class ErrorBody(Response):
    code: str = Field(description="stable, machine-readable: see the API guide")
    message: str = Field(description="what went wrong, fit to show a person")
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorResponse(Response):
    error: ErrorBody


# --- users and accounts -------------------------------------------------------------------------


class AccountOut(Response):
    id: int
    kind: AccountKind
    name: str
    created_at: datetime


class UserOut(Response):
    id: int
    email: str
    name: str
    time_zone: str
    created_at: datetime
    deactivated_at: datetime | None
    accounts: list[AccountOut]


class UserList(Response):
    users: list[UserOut]
    next_after_id: int | None = Field(description="pass as after_id for the next page")


class UserCreate(Request):
    email: Email
    name: Annotated[str | None, text(200), single_line("name")] = None
    time_zone: TimeZone = "UTC"
    account_kind: AccountKind = AccountKind.FREELANCER


class UserUpdate(Request):
    email: Email | None = None
    name: Annotated[str | None, words(200), single_line("name")] = None
    time_zone: TimeZone | None = None


class UserQuery(Query):
    email: Annotated[str | None, text(320)] = None
    after_id: Annotated[int, Field(ge=0, le=MAX_ROW_ID)] = 0
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class AccountCreate(Request):
    kind: AccountKind
    name: Annotated[str | None, text(200), single_line("account name")] = None


class AccountList(Response):
    accounts: list[AccountOut]


class AccountPlacement(Request):
    account_id: Id = Field(description="one of the member's own accounts")


class AccountPlacementOut(Response):
    room_id: int
    user_id: int
    account_id: int = Field(description="the member's account whose inbox lists the room")


# --- rooms ------------------------------------------------------------------------------------


class MemberOut(Response):
    user_id: int
    email: str
    name: str
    role: Role
    joined_at: datetime


class RoomOut(Response):
    id: int
    title: str
    kind: RoomKind
    owner_id: int
    account_id: int
    created_at: datetime
    members: list[MemberOut]


class NewMember(Request):
    user_id: Id
    role: Literal[Role.ADMIN, Role.MEMBER] = Role.MEMBER


class RoomCreate(Request):
    title: Annotated[str | None, words(200), single_line("room title")] = Field(
        default=None, description="required but for direct rooms, which are named after the two"
    )
    kind: RoomKind = RoomKind.GROUP
    owner_id: Id
    account_id: Id | None = Field(default=None, description="the owner's account it belongs to")
    members: list[NewMember] = Field(default_factory=list, max_length=1000)


class MemberPlace(Request):
    role: Literal[Role.ADMIN, Role.MEMBER] = Role.MEMBER


class OwnerChange(Request):
    user_id: Id = Field(description="an active member; the old owner becomes an admin")


# --- messages ---------------------------------------------------------------------------------


class MessageOut(Response):
    id: int
    room_id: int
    author_id: int | None
    parent_id: int | None
    body: str = Field(description="Markdown as written; empty once deleted")
    body_html: str = Field(description="rendered and sanitized")
    origin: str
    created_at: datetime
    edited_at: datetime | None
    deleted: bool


class MessagePage(Response):
    messages: list[MessageOut] = Field(description="oldest first")
    has_older: bool
    has_newer: bool


class MessageCreate(Request):
    author_id: Id
    body: Annotated[str, words(100_000)]
    parent_id: Id | None = None


class MessageQuery(Query):
    before_id: Id | None = None
    after_id: Annotated[int | None, Field(ge=0, le=MAX_ROW_ID)] = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


# --- alerts -----------------------------------------------------------------------------------


class AlertOut(Response):
    id: int
    user_id: int
    account_id: int | None
    category: AlertCategory
    title: str
    body: str
    body_html: str
    link: str | None
    financial: bool
    created_at: datetime
    expires_at: datetime | None


class AlertCreate(Request):
    category: AlertCategory = Field(
        default=AlertCategory.ALERT, description="alert: Account Alerts tab; update: Updates tab"
    )
    title: Annotated[str, words(300), single_line("alert title")]
    body: Annotated[str, text(20_000)] = ""
    link: Annotated[str | None, text(2000, min_length=1, pattern=LINK)] = Field(
        default=None, description="an http(s) URL, or a path on this site"
    )
    financial: bool = Field(
        default=False, description="payments, invoices: always emailed, cannot be switched off"
    )
    account_id: Id | None = None
    expires_at: Moment | None = None


# --- reports ----------------------------------------------------------------------------------


class ReportOut(Response):
    id: int
    state: ReportState
    reason: ReportReason
    note: str = Field(description="the reporter's own words, as written")
    message_id: int
    room_id: int
    author_id: int | None = Field(description="who wrote the reported message")
    reporter_id: int
    created_at: datetime
    handled_by_id: int | None = Field(description="the moderator user, when one handled it")
    handled_at: datetime | None


class ReportList(Response):
    reports: list[ReportOut] = Field(description="newest first")


class ReportQuery(Query):
    state: ReportState = ReportState.OPEN
    limit: Annotated[int, Field(ge=1, le=200)] = 50
