"""The pure intake step: whatever bytes arrive, preparing them never fails."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.core.reply_addresses import ReplyKeys
from gateway.inbound.preparation import Envelope, IntakeConfig, prepare_email

from support import MAIL_DOMAIN, SECRET_KEY

CONFIG = IntakeConfig(ReplyKeys.from_secrets(SECRET_KEY), MAIL_DOMAIN)
HEADER_PIECES = [
    b"From: ",
    b"Message-ID: <",
    b"\xff\xfe",
    b"=?utf-8?b?8J+Ygw==?=",
    b">",
    b"\r\n",
    b"\n",
    b"Content-Type: multipart/mixed; boundary=x",
    b"--x",
    b"Auto-Submitted: auto-replied",
    b"a@b.c",
    b" ",
    b":",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=2000),
        st.lists(st.sampled_from(HEADER_PIECES), max_size=40).map(b"".join),
    )
)
def test_preparing_any_bytes_gives_a_result_and_never_raises(raw: bytes) -> None:
    prepared = prepare_email(raw, Envelope("a@b.c", f"x@{MAIL_DOMAIN}"), CONFIG)
    assert len(prepared.key) == 64
    assert (prepared.kept_as is None) or prepared.reply.text == ""
    if prepared.kept_as is None and not prepared.reply.text and not prepared.files:
        assert prepared.content_refusal is not None
