"""Settings: defaults on the embedded set-up, one clear line naming a bad variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.settings import Settings, SettingsError


def test_embedded_defaults_generate_a_secret_key_once(tmp_path: Path) -> None:
    env = {"GATEWAY_DATA_DIR": str(tmp_path / "data")}
    first = Settings.from_environ(env)
    second = Settings.from_environ(env)
    assert first.embedded
    assert first.database_url == f"sqlite:///{tmp_path / 'data' / 'gateway.db'}"
    assert (first.smtp_host, first.smtp_port) == ("127.0.0.1", 2525)
    assert (first.web_host, first.web_port) == ("127.0.0.1", 8080)
    assert first.relay is None
    assert len(first.secret_key) >= 32 and first.secret_key == second.secret_key
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_relay_url_with_auth_and_starttls_is_parsed(tmp_path: Path) -> None:
    settings = Settings.from_environ(
        {
            "GATEWAY_DATA_DIR": str(tmp_path),
            "GATEWAY_RELAY_URL": "smtp://mailer:p%40ss@smtp.example.com:587?starttls=true",
        }
    )
    assert settings.relay is not None
    assert (settings.relay.host, settings.relay.port, settings.relay.starttls) == (
        "smtp.example.com",
        587,
        True,
    )
    assert (settings.relay.username, settings.relay.password) == ("mailer", "p@ss")
    assert "p@ss" not in repr(settings)


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("GATEWAY_SMTP_PORT", "twenty-five", "GATEWAY_SMTP_PORT"),
        ("GATEWAY_WEB_PORT", "70000", "GATEWAY_WEB_PORT"),
        ("GATEWAY_RELAY_URL", "http://relay", "GATEWAY_RELAY_URL"),
        ("GATEWAY_RELAY_URL", "smtp://relay?starttls=maybe", "GATEWAY_RELAY_URL"),
        ("GATEWAY_DATABASE_URL", "mysql://x", "GATEWAY_DATABASE_URL"),
        ("GATEWAY_MAIL_DOMAIN", "not a domain", "GATEWAY_MAIL_DOMAIN"),
        ("GATEWAY_SECRET_KEY", "short", "GATEWAY_SECRET_KEY"),
        ("GATEWAY_MAX_MESSAGE_SIZE", "-1", "GATEWAY_MAX_MESSAGE_SIZE"),
        ("GATEWAY_SMTP_TLS_CERT", "/nonexistent/cert.pem", "GATEWAY_SMTP_TLS_CERT"),
        ("GATEWAY_WEB_TRUSTED_PROXIES", "-1", "GATEWAY_WEB_TRUSTED_PROXIES"),
        ("GATEWAY_TRUSTED_AUTHSERV_ID", "mx.example.com; dmarc", "GATEWAY_TRUSTED_AUTHSERV_ID"),
        ("GATEWAY_TRUSTED_AUTHSERV_ID", "mx example", "GATEWAY_TRUSTED_AUTHSERV_ID"),
    ],
)
def test_bad_value_stops_with_one_line_naming_the_variable(
    tmp_path: Path, variable: str, value: str, named: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_environ({"GATEWAY_DATA_DIR": str(tmp_path), variable: value})
    message = str(caught.value)
    assert named in message and "\n" not in message


def test_secret_key_is_required_outside_the_embedded_default(tmp_path: Path) -> None:
    env = {
        "GATEWAY_DATA_DIR": str(tmp_path),
        "GATEWAY_DATABASE_URL": "postgresql://db.example.com/gateway",
    }
    with pytest.raises(SettingsError, match="GATEWAY_SECRET_KEY is required"):
        Settings.from_environ(env)
    settings = Settings.from_environ({**env, "GATEWAY_SECRET_KEY": "k" * 40})
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert not settings.embedded


def test_the_trusted_authserv_id_is_read_and_absent_by_default(tmp_path: Path) -> None:
    env = {"GATEWAY_DATA_DIR": str(tmp_path)}
    assert Settings.from_environ(env).trusted_authserv_id is None
    assert (
        Settings.from_environ({**env, "GATEWAY_TRUSTED_AUTHSERV_ID": " "}).trusted_authserv_id
        is None
    )
    chosen = Settings.from_environ({**env, "GATEWAY_TRUSTED_AUTHSERV_ID": " mx.example.com "})
    assert chosen.trusted_authserv_id == "mx.example.com"
