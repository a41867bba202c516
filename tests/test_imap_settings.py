"""GATEWAY_IMAP_URL: mailboxes parsed and checked at start-up, the password never shown."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.imap_settings import (
    DEFAULT_KEYWORD,
    encode_folder_name,
    imap_mailboxes,
    parse_mailbox_url,
)
from gateway.settings_error import SettingsError

SECRET = "s3cret/p@ss"
URL = "imaps://reader%40example.com:s3cret%2Fp%40ss@imap.example.com/INBOX"


def test_an_imaps_url_gives_host_port_user_password_and_folder() -> None:
    [mailbox] = imap_mailboxes({"GATEWAY_IMAP_URL": URL})
    assert (mailbox.host, mailbox.port, mailbox.tls) == ("imap.example.com", 993, True)
    assert (mailbox.username, mailbox.password) == ("reader@example.com", SECRET)
    assert (mailbox.folder, mailbox.flag, mailbox.move_to) == ("INBOX", DEFAULT_KEYWORD, None)
    assert (mailbox.idle, mailbox.poll_seconds) == (True, 60.0)
    assert mailbox.name == "reader@example.com@imap.example.com:993/INBOX"


def test_no_setting_means_no_mailboxes() -> None:
    assert imap_mailboxes({}) == ()
    assert imap_mailboxes({"GATEWAY_IMAP_URL": "  "}) == ()


def test_several_space_separated_mailboxes_and_their_options() -> None:
    moved, flagged = imap_mailboxes(
        {
            "GATEWAY_IMAP_URL": f"{URL}?processed=move:Done%20Mail&poll=5 "
            "imap://u:p@127.0.0.1:1143/Replies?processed=flag:%5CSeen&idle=false&poll=0.5"
        }
    )
    assert (moved.move_to, moved.poll_seconds) == ("Done Mail", 5.0)
    assert (flagged.tls, flagged.port, flagged.folder) == (False, 1143, "Replies")
    assert (flagged.flag, flagged.move_to, flagged.idle, flagged.poll_seconds) == (
        "\\Seen",
        None,
        False,
        0.5,
    )


@pytest.mark.parametrize(
    "url, complaint",
    [
        ("pop3://u:p@host/INBOX", "imaps://"),
        ("imap://u:p@imap.example.com/INBOX", "plain imap://"),
        ("imaps:///INBOX", "no host"),
        ("imaps://imap.example.com/INBOX", "user and a password"),
        ("imaps://u:p@imap.example.com:99999/INBOX", "not a valid URL"),
        ("imaps://u:p@imap.example.com/INBOX?processed=delete", "processed must be"),
        ("imaps://u:p@imap.example.com/INBOX?processed=flag:bad(word", "KEYWORD"),
        ("imaps://u:p@imap.example.com/INBOX?poll=0", "poll must be"),
        ("imaps://u:p@imap.example.com/INBOX?poll=soon", "poll must be"),
        ("imaps://u:p@imap.example.com/INBOX?idle=maybe", "idle must be"),
        ("imaps://u:p@imap.example.com/INBOX?colour=blue", "unknown option"),
        ("imaps://u:p@imap.example.com/IN%0ABOX", "folder"),
    ],
)
def test_a_bad_url_is_refused_with_one_line_naming_the_variable(url: str, complaint: str) -> None:
    with pytest.raises(SettingsError) as refused:
        imap_mailboxes({"GATEWAY_IMAP_URL": url})
    message = str(refused.value)
    assert message.startswith("GATEWAY_IMAP_URL")
    assert complaint in message
    assert "\n" not in message


def test_the_same_mailbox_twice_is_refused() -> None:
    with pytest.raises(SettingsError, match="twice"):
        imap_mailboxes({"GATEWAY_IMAP_URL": f"{URL} {URL}"})


def test_the_password_is_in_no_refusal_and_no_repr() -> None:
    with pytest.raises(SettingsError) as refused:
        imap_mailboxes({"GATEWAY_IMAP_URL": f"imap://u:{SECRET}@imap.example.com/INBOX"})
    assert "s3cret" not in str(refused.value)
    [mailbox] = imap_mailboxes({"GATEWAY_IMAP_URL": URL})
    assert "s3cret" not in repr(mailbox)


@given(
    password=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._~", min_size=6),
    option=st.sampled_from(["poll=never", "idle=maybe", "processed=drop", "x=1"]),
    scheme=st.sampled_from(["imap", "imaps", "pop3"]),
)
def test_no_refusal_ever_shows_the_password(password: str, option: str, scheme: str) -> None:
    secret = f"PW{password}"
    with pytest.raises(SettingsError) as refused:
        parse_mailbox_url(f"{scheme}://user:{secret}@imap.example.com/INBOX?{option}")
    assert secret not in str(refused.value)


def test_folder_names_are_written_in_modified_utf7() -> None:
    assert encode_folder_name("INBOX") == "INBOX"
    assert encode_folder_name("R&D") == "R&-D"
    assert encode_folder_name("Entwürfe") == "Entw&APw-rfe"
    assert encode_folder_name("台北") == "&U,BTFw-"
