"""Mailboxes read over IMAP: GATEWAY_IMAP_URL, read once at start-up.

Owns parsing and checking the IMAP settings (see the README's settings table). A bad value
raises ``SettingsError`` naming the variable; no message ever carries the password.

GATEWAY_IMAP_URL holds one or more space-separated URLs::

    imaps://user:password@host[:port][/FOLDER][?processed=...&poll=SECONDS&idle=false]
    imap://user:password@127.0.0.1:port/FOLDER     (plain IMAP: loopback hosts only)

- ``processed=flag`` (default) marks a message taken in with the keyword ``$GatewayDone``;
  ``processed=flag:KEYWORD`` with another keyword or system flag (``\\Seen``);
  ``processed=move:FOLDER`` moves it to FOLDER instead.
- ``poll`` is how often a server without IDLE (or with ``idle=false``) is asked for news.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from gateway.settings_error import SettingsError

VARIABLE = "GATEWAY_IMAP_URL"
DEFAULT_KEYWORD = "$GatewayDone"
DEFAULT_POLL_SECONDS = 60.0
MAX_POLL_SECONDS = 1740.0  # 29 minutes: RFC 2177 section 3 asks clients to re-IDLE by then
MAX_NAME_LENGTH = 400
# RFC 3501 section 9: a flag keyword is an atom (no specials, no "]" either).
_KEYWORD_RE = re.compile(r"\$?[A-Za-z0-9_.\-]{1,64}")
_SYSTEM_FLAGS = frozenset({"\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"})
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True, slots=True)
class ImapMailbox:
    """One mailbox to read: where, as whom, which folder, and how a message is marked."""

    url: str = field(repr=False)  # as configured, password included: never log it
    host: str = "127.0.0.1"
    port: int = 993
    tls: bool = True
    username: str = ""
    password: str = field(default="", repr=False)
    folder: str = "INBOX"
    # The keyword or system flag set on a message once it is taken in (flag mode) ...
    flag: str = DEFAULT_KEYWORD
    # ... or the folder it is moved to (move mode) when set.
    move_to: str | None = None
    poll_seconds: float = DEFAULT_POLL_SECONDS
    idle: bool = True

    @property
    def name(self) -> str:
        """Who reads which folder where, without the password: the key of its stored state."""
        return f"{self.username}@{self.host}:{self.port}/{self.folder}"


def imap_mailboxes(env: Mapping[str, str]) -> tuple[ImapMailbox, ...]:
    """The mailboxes in ``env`` (none when GATEWAY_IMAP_URL is unset)."""
    raw = env.get(VARIABLE, "")
    mailboxes = tuple(parse_mailbox_url(url) for url in raw.split())
    names = [mailbox.name for mailbox in mailboxes]
    if len(set(names)) != len(names):
        raise SettingsError(f"{VARIABLE} names the same mailbox twice")
    return mailboxes


def parse_mailbox_url(url: str) -> ImapMailbox:
    """One URL of GATEWAY_IMAP_URL as an ImapMailbox; SettingsError (password hidden) if bad."""
    shown = _without_password(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise SettingsError(f"{VARIABLE}: {shown!r} is not a valid URL") from None
    if parts.scheme not in ("imap", "imaps"):
        raise SettingsError(f"{VARIABLE}: {shown!r} must start with imaps:// or imap://")
    host = parts.hostname or ""
    if not host:
        raise SettingsError(f"{VARIABLE}: {shown!r} names no host")
    tls = parts.scheme == "imaps"
    if not tls and not _is_loopback(host):
        # Plain IMAP sends the password in clear: only to a server on this machine.
        raise SettingsError(
            f"{VARIABLE}: {shown!r} uses plain imap:// to a remote host; use imaps://"
        )
    username, password = unquote(parts.username or ""), unquote(parts.password or "")
    if not username or not password:
        raise SettingsError(f"{VARIABLE}: {shown!r} must name a user and a password")
    if _has_control(username) or _has_control(password):
        raise SettingsError(f"{VARIABLE}: {shown!r} has a control character in its user info")
    folder = _folder(unquote(parts.path.lstrip("/")) or "INBOX", shown)
    options = _options(parts.query, shown)
    mailbox = ImapMailbox(
        url=url,
        host=host,
        port=port or (993 if tls else 143),
        tls=tls,
        username=username,
        password=password,
        folder=folder,
        **options,
    )
    if len(mailbox.name) > MAX_NAME_LENGTH:
        raise SettingsError(f"{VARIABLE}: {shown!r} is too long")
    return mailbox


def encode_folder_name(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 section 5.1.3)."""
    out, pending = [], []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def _options(query: str, shown: str) -> dict[str, object]:
    try:
        values = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise SettingsError(f"{VARIABLE}: {shown!r} has a malformed query") from None
    unknown = set(values) - {"processed", "poll", "idle"}
    if unknown:
        raise SettingsError(f"{VARIABLE}: {shown!r} has unknown option {sorted(unknown)[0]!r}")
    options: dict[str, object] = {}
    if "processed" in values:
        options.update(_processed(values["processed"][-1], shown))
    if "poll" in values:
        options["poll_seconds"] = _poll(values["poll"][-1], shown)
    if "idle" in values:
        word = values["idle"][-1].lower()
        if word not in _TRUE | _FALSE:
            raise SettingsError(f"{VARIABLE}: {shown!r}: idle must be true or false")
        options["idle"] = word in _TRUE
    return options


def _processed(value: str, shown: str) -> dict[str, object]:
    kind, _, argument = value.partition(":")
    if kind == "flag":
        flag = argument or DEFAULT_KEYWORD
        if flag not in _SYSTEM_FLAGS and not _KEYWORD_RE.fullmatch(flag):
            raise SettingsError(
                f"{VARIABLE}: {shown!r}: processed=flag:KEYWORD needs a keyword like "
                f"{DEFAULT_KEYWORD} or a system flag like \\Seen"
            )
        return {"flag": flag, "move_to": None}
    if kind == "move" and argument:
        return {"move_to": _folder(argument, shown)}
    raise SettingsError(
        f"{VARIABLE}: {shown!r}: processed must be flag, flag:KEYWORD or move:FOLDER"
    )


def _poll(value: str, shown: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= MAX_POLL_SECONDS:
        raise SettingsError(
            f"{VARIABLE}: {shown!r}: poll must be a number of seconds above 0 and at most "
            f"{MAX_POLL_SECONDS:.0f}"
        )
    return seconds


def _folder(name: str, shown: str) -> str:
    if _has_control(name) or len(name) > 200:
        raise SettingsError(f"{VARIABLE}: {shown!r} names a folder IMAP cannot carry")
    return name


def _has_control(text: str) -> bool:
    return any(ord(char) < 0x20 or ord(char) == 0x7F for char in text)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _without_password(url: str) -> str:
    """The URL as it may be shown: its password replaced, its length bounded."""
    head, at, tail = url.rpartition("@")
    if at:
        scheme, sep, userinfo = head.partition("://")
        user = userinfo.split(":", 1)[0]
        url = f"{scheme}{sep}{user}:***@{tail}" if sep else f"***@{tail}"
    return url[:200]
