"""Settings: every GATEWAY_* environment variable, read once at start-up.

Owns the names, defaults and validation of configuration. Nothing else in the gateway reads
os.environ: the CLI builds one `Settings` and passes it down. A bad value raises
`SettingsError` whose message is one line naming the variable.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from email_validator import EmailNotValidError, validate_email

from gateway.imap_settings import ImapMailbox, imap_mailboxes
from gateway.settings_error import SettingsError
from gateway.support_settings import SupportSettings, support_settings

__all__ = ["RelaySettings", "Settings", "SettingsError"]

SECRET_KEY_FILE = "secret_key"
MIN_SECRET_KEY_LENGTH = 32
DEFAULT_MAX_MESSAGE_SIZE = 25 * 1024 * 1024
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
MAX_AUTHSERV_ID_LENGTH = 255
# RFC 2045 section 5.1 token (RFC 8601's authserv-id is a value: a token or quoted string).
_TOKEN_RE = re.compile(r"[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+")


@dataclass(frozen=True, slots=True)
class RelaySettings:
    """Where outbound mail goes: `smtp://[user:password@]host[:port][?starttls=true]`."""

    host: str
    port: int
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str = field(repr=False)
    previous_secret_key: str | None = field(default=None, repr=False)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_tls_cert: Path | None = None
    smtp_tls_key: Path | None = None
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    mail_domain: str = "localhost"
    relay: RelaySettings | None = None
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    base_url: str = "http://127.0.0.1:8080"
    site_name: str = "Gateway"
    attachment_max_files: int = 10
    attachment_max_bytes: int = 95 * 1024 * 1024
    daily_conversation_limit: int = 30
    # Waitress threads: every open live page holds one for its event stream, so the pool is
    # sized for a few hundred open pages (idle threads cost little: 200 open streams measured
    # about 25 MB). Live streams are capped below the pool so page views always find a thread.
    web_threads: int = 256
    live_stream_limit: int = 240
    # Reverse proxies in front of the web server (each appends to X-Forwarded-For): with N,
    # the client address is the Nth from the right. 0 trusts no forwarding header, since a
    # client could write its own and slip past sign-in throttling.
    web_trusted_proxies: int = 0
    # How long an immediate email waits, so what someone reads on the web meanwhile (or
    # answers there) is not emailed too; 0 sends at the next outbound tick.
    notify_grace_seconds: int = 600
    # The authserv-id of the receiving MTA in front (RFC 8601): its Authentication-Results
    # decide whether a reply is held for failing DMARC. None: no such check.
    trusted_authserv_id: str | None = None
    # Operators: addresses of users who moderate every report (GATEWAY_OPERATORS, separated
    # by commas); a room's owner and admins moderate their own room's reports anyway.
    operators: tuple[str, ...] = ()
    # Support addresses (GATEWAY_SUPPORT_ADDRESSES): mail to one opens a support ticket.
    # Parsed and checked by gateway.support_settings.
    support: SupportSettings = field(default_factory=lambda: SupportSettings())
    # Mailboxes read over IMAP (GATEWAY_IMAP_URL): parsed and checked by gateway.imap_settings.
    imap: tuple[ImapMailbox, ...] = ()

    @property
    def secure_cookies(self) -> bool:
        """Cookies carry the Secure flag whenever the site is served over https."""
        return self.base_url.startswith("https://")

    @property
    def embedded(self) -> bool:
        """True on SQLite (the embedded default): one process owns the database file, so it
        is migrated at start-up; a PostgreSQL schema is upgraded by `gateway db upgrade`."""
        return self.database_url.startswith("sqlite")

    @property
    def maildir(self) -> Path:
        """Where outbound mail is written when no relay is configured."""
        return self.data_dir / "outbox-maildir"

    @property
    def notifications_from(self) -> str:
        """The envelope sender of notification emails (bounces come back here)."""
        return f"bounces@{self.mail_domain}"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate settings; on the embedded default, create the secret key file."""
        env = dict(os.environ if environ is None else environ)
        data_dir = Path(env.get("GATEWAY_DATA_DIR") or "./gateway-data").resolve()
        database_url = env.get("GATEWAY_DATABASE_URL") or f"sqlite:///{data_dir / 'gateway.db'}"
        web_host = env.get("GATEWAY_WEB_HOST") or "127.0.0.1"
        web_port = _port(env, "GATEWAY_WEB_PORT", 8080)
        settings = cls(
            data_dir=data_dir,
            database_url=_database_url(database_url),
            secret_key=_secret_key(env, data_dir, embedded="GATEWAY_DATABASE_URL" not in env),
            previous_secret_key=_optional_secret(env, "GATEWAY_SECRET_KEY_PREVIOUS"),
            smtp_host=env.get("GATEWAY_SMTP_HOST") or "127.0.0.1",
            smtp_port=_port(env, "GATEWAY_SMTP_PORT", 2525),
            smtp_tls_cert=_optional_file(env, "GATEWAY_SMTP_TLS_CERT"),
            smtp_tls_key=_optional_file(env, "GATEWAY_SMTP_TLS_KEY"),
            max_message_size=_positive_int(
                env, "GATEWAY_MAX_MESSAGE_SIZE", DEFAULT_MAX_MESSAGE_SIZE
            ),
            mail_domain=_mail_domain(env),
            relay=_relay(env.get("GATEWAY_RELAY_URL", "")),
            web_host=web_host,
            web_port=web_port,
            base_url=(env.get("GATEWAY_BASE_URL") or f"http://{web_host}:{web_port}").rstrip("/"),
            site_name=env.get("GATEWAY_SITE_NAME") or "Gateway",
            attachment_max_files=_positive_int(env, "GATEWAY_ATTACHMENT_MAX_FILES", 10),
            attachment_max_bytes=_positive_int(
                env, "GATEWAY_ATTACHMENT_MAX_BYTES", 95 * 1024 * 1024
            ),
            daily_conversation_limit=_positive_int(env, "GATEWAY_DAILY_CONVERSATION_LIMIT", 30),
            web_threads=_positive_int(env, "GATEWAY_WEB_THREADS", 256),
            live_stream_limit=_positive_int(env, "GATEWAY_LIVE_STREAM_LIMIT", 240),
            web_trusted_proxies=_whole_number(env, "GATEWAY_WEB_TRUSTED_PROXIES", 0),
            notify_grace_seconds=_whole_number(env, "GATEWAY_NOTIFY_GRACE_SECONDS", 600),
            trusted_authserv_id=_authserv_id(env, "GATEWAY_TRUSTED_AUTHSERV_ID"),
            operators=tuple(
                a.strip().lower() for a in env.get("GATEWAY_OPERATORS", "").split(",") if a.strip()
            ),
            support=support_settings(env),
            imap=imap_mailboxes(env),
        )
        if (settings.smtp_tls_cert is None) != (settings.smtp_tls_key is None):
            raise SettingsError(
                "GATEWAY_SMTP_TLS_CERT and GATEWAY_SMTP_TLS_KEY must be set together"
            )
        return settings


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    if not value:
        return default
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        raise SettingsError(f"{name} must be a port number from 0 to 65535, got {value!r}")
    return int(value)


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    return _int_at_least(env, name, default, 1)


def _whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    return _int_at_least(env, name, default, 0)


def _int_at_least(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    value = env.get(name)
    if not value:
        return default
    if not value.isdigit() or int(value) < minimum:
        kind = "positive whole number" if minimum == 1 else f"whole number ({minimum} or more)"
        raise SettingsError(f"{name} must be a {kind}, got {value!r}")
    return int(value)


def _authserv_id(env: Mapping[str, str], name: str) -> str | None:
    """An RFC 8601 authserv-id as the MTA writes it: one token, usually its host name."""
    value = (env.get(name) or "").strip()
    if not value:
        return None
    if len(value) > MAX_AUTHSERV_ID_LENGTH or not _TOKEN_RE.fullmatch(value):
        raise SettingsError(
            f"{name} must be the authserv-id your receiving MTA writes first in its "
            f"Authentication-Results fields (usually its host name, e.g. mx.example.com), "
            f"got {value[:80]!r}"
        )
    return value


def _database_url(url: str) -> str:
    if not url.startswith(("sqlite:", "postgresql")):
        raise SettingsError(
            "GATEWAY_DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL, "
            f"got {url.split(':', 1)[0]!r}"
        )
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _mail_domain(env: Mapping[str, str]) -> str:
    domain = (env.get("GATEWAY_MAIL_DOMAIN") or "localhost").strip().lower()
    if domain == "localhost":
        return domain
    try:
        validate_email(f"probe@{domain}", check_deliverability=False)
    except EmailNotValidError as error:
        raise SettingsError(f"GATEWAY_MAIL_DOMAIN is not a usable mail domain: {error}") from None
    return domain


def _optional_file(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name)
    if not value:
        return None
    path = Path(value)
    if not path.is_file():
        raise SettingsError(f"{name} names a file that does not exist: {value}")
    return path


def _optional_secret(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value and len(value) < MIN_SECRET_KEY_LENGTH:
        raise SettingsError(f"{name} must be at least {MIN_SECRET_KEY_LENGTH} characters long")
    return value or None


def _secret_key(env: Mapping[str, str], data_dir: Path, *, embedded: bool) -> str:
    """The signing key: from the environment, or on the embedded default a generated file."""
    value = _optional_secret(env, "GATEWAY_SECRET_KEY")
    if value:
        return value
    if not embedded:
        raise SettingsError(
            "GATEWAY_SECRET_KEY is required when GATEWAY_DATABASE_URL is set "
            f"(at least {MIN_SECRET_KEY_LENGTH} random characters)"
        )
    path = data_dir / SECRET_KEY_FILE
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            # O_EXCL: two processes starting at once must not write different keys.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return path.read_text().strip()
    except FileExistsError:
        return path.read_text().strip()
    except OSError as error:
        raise SettingsError(f"GATEWAY_DATA_DIR is not writable: {error}") from None


def _relay(url: str) -> RelaySettings | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "smtp" or not parts.hostname:
        raise SettingsError(
            "GATEWAY_RELAY_URL must look like smtp://[user:password@]host[:port][?starttls=true]"
        )
    try:
        port = parts.port or 25
    except ValueError:
        raise SettingsError("GATEWAY_RELAY_URL has an invalid port") from None
    starttls_word = parse_qs(parts.query).get("starttls", [""])[0].lower()
    if starttls_word not in TRUE_WORDS | FALSE_WORDS:
        raise SettingsError("GATEWAY_RELAY_URL starttls must be true or false")
    return RelaySettings(
        host=parts.hostname,
        port=port,
        starttls=starttls_word in TRUE_WORDS,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )
