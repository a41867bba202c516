"""Outlook's winmail.dat (TNEF): its body and files reach the room, the container never."""

from __future__ import annotations

import base64
import struct

from compressed_rtf import compress
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import find_membership
from gateway.inbound.parsing import parse_email
from gateway.inbound.preparation import reply_text_of
from gateway.inbound.rtf_compression import decompress_rtf
from gateway.inbound.rtf_text import read_rtf
from gateway.inbound.tnef import (
    ATT_ATTACH_DATA,
    ATT_ATTACH_REND_DATA,
    ATT_ATTACH_TITLE,
    ATT_ATTACHMENT,
    ATT_BODY,
    ATT_MSG_PROPS,
    PR_ATTACH_LONG_FILENAME,
    PR_ATTACH_MIME_TAG,
    PR_BODY,
    PR_HTML,
    PR_RTF_COMPRESSED,
    PT_BINARY,
    PT_STRING8,
    PT_UNICODE,
    TNEF_SIGNATURE,
    read_tnef,
)
from gateway.store.database import Database
from gateway.store.models import Attachment, Message

from smtp_gateway import SMTPGateway
from support import MAIL_DOMAIN, World

# --- building TNEF streams ([MS-OXTNEF] section 2.1.3) --------------------------------------


def attribute(level: int, attribute_id: int, data: bytes, kind: int = 0x0006) -> bytes:
    checksum = sum(data) & 0xFFFF
    header = struct.pack("<BHHI", level, attribute_id, kind, len(data))
    return header + data + struct.pack("<H", checksum)


def mapi_value(kind: int, prop_id: int, value: bytes) -> bytes:
    padded = value + b"\0" * (-len(value) % 4)
    return struct.pack("<HHII", kind, prop_id, 1, len(value)) + padded


def mapi_props(*props: bytes) -> bytes:
    return struct.pack("<I", len(props)) + b"".join(props)


def tnef(*attributes: bytes) -> bytes:
    return struct.pack("<IH", TNEF_SIGNATURE, 0x1234) + b"".join(attributes)


def tnef_file(name: str, data: bytes, mime: str = "") -> bytes:
    props = [mapi_value(PT_UNICODE, PR_ATTACH_LONG_FILENAME, (name + "\0").encode("utf-16-le"))]
    if mime:
        props.append(mapi_value(PT_STRING8, PR_ATTACH_MIME_TAG, mime.encode() + b"\0"))
    return (
        attribute(2, ATT_ATTACH_REND_DATA, b"\0" * 14)
        + attribute(2, ATT_ATTACH_TITLE, name[:8].encode() + b"\0")
        + attribute(2, ATT_ATTACH_DATA, data)
        + attribute(2, ATT_ATTACHMENT, mapi_props(*props))
    )


def mail_with(
    container: bytes,
    *,
    text: str | None = None,
    sender: str = "member@example.org",
    to: str = "reply@gateway.example",
) -> bytes:
    """An Outlook-style message: an optional text part and winmail.dat."""
    parts = []
    if text is not None:
        parts.append(f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n")
    encoded = base64.encodebytes(container).decode().replace("\n", "\r\n")
    parts.append(
        'Content-Type: application/ms-tnef; name="winmail.dat"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        'Content-Disposition: attachment; filename="winmail.dat"\r\n\r\n' + encoded
    )
    body = "".join(f"--b1\r\n{part}" for part in parts) + "--b1--\r\n"
    head = (
        f"From: Member <{sender}>\r\nTo: {to}\r\n"
        "Subject: Re: plans\r\nMessage-ID: <tnef-1@example.org>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    )
    return (head + body).encode()


REPORT = b"%PDF-1.4 quarterly numbers"
PHOTO = b"\x89PNG\r\n\x1a\n not really a png"


# --- reading the container ------------------------------------------------------------------


def test_files_and_plain_body_are_read_from_a_container() -> None:
    container = tnef(
        attribute(1, ATT_BODY, b"See the attached report.\r\nAnn\0"),
        tnef_file("Quarterly report 2026.pdf", REPORT, "application/pdf"),
        tnef_file("photo.png", PHOTO),
    )
    content = read_tnef(container)
    assert content.text == "See the attached report.\r\nAnn"
    assert [(f.filename, f.content_type, f.data) for f in content.files] == [
        ("Quarterly report 2026.pdf", "application/pdf", REPORT),
        ("photo.png", "", PHOTO),
    ]
    assert content.problems == []
    # A file the container gives no type is typed by its extension.
    parsed = parse_email(mail_with(container))
    assert [a.content_type for a in parsed.attachments] == ["application/pdf", "image/png"]


def test_html_body_from_mapi_properties_is_read() -> None:
    html = b"<html><body><p>Yes, <b>Thursday</b> works.</p></body></html>"
    container = tnef(attribute(1, ATT_MSG_PROPS, mapi_props(mapi_value(PT_BINARY, PR_HTML, html))))
    assert read_tnef(container).html == html.decode()


def test_compressed_rtf_body_is_decompressed_and_read_as_text() -> None:
    rtf = rb"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}}\f0 Sounds good.\par Caf\'e9 at noon\par}"
    props = mapi_props(mapi_value(PT_BINARY, PR_RTF_COMPRESSED, compress(rtf)))
    content = read_tnef(tnef(attribute(1, ATT_MSG_PROPS, props)))
    assert content.text is not None
    assert content.text.split() == ["Sounds", "good.", "Café", "at", "noon"]
    assert "Arial" not in content.text


def test_rtf_encapsulating_html_gives_the_html_back() -> None:
    rtf = (
        rb"{\rtf1\ansi\fromhtml1 {\fonttbl{\f0 Arial;}}"
        rb"{\*\htmltag64 <div>}\htmlrtf {\b\htmlrtf0 Hello \htmlrtf}\htmlrtf0 "
        rb"{\*\htmltag1 <b>}there{\*\htmltag2 </b>}{\*\htmltag72 </div>}}"
    )
    body = read_rtf(rtf)
    assert body.kind == "html"
    assert body.text.replace(" ", "") == "<div>Hello<b>there</b></div>".replace(" ", "")


def test_a_message_with_only_winmail_dat_gets_its_body_and_files() -> None:
    container = tnef(
        attribute(1, ATT_BODY, b"Signed copy attached.\0"),
        tnef_file("contract.pdf", REPORT, "application/pdf"),
    )
    parsed = parse_email(mail_with(container))
    assert parsed.text == "Signed copy attached."
    assert [(a.filename, a.content_type, a.data) for a in parsed.attachments] == [
        ("contract.pdf", "application/pdf", REPORT)
    ]
    assert reply_text_of(parsed).text == "Signed copy attached."


def test_a_winmail_dat_reply_over_smtp_posts_its_body_and_files_not_the_container(
    smtp_gateway: SMTPGateway, database: Database, world: World, keys: ReplyKeys
) -> None:
    with database.read_session() as session:
        membership = find_membership(session, world.room.id, world.bob.id)
        assert membership is not None
        address = reply_address(membership, keys, MAIL_DOMAIN)
    rtf = rb"{\rtf1\ansi{\fonttbl{\f0 Calibri;}}\f0 Signed copy attached.\par}"
    container = tnef(
        attribute(
            1, ATT_MSG_PROPS, mapi_props(mapi_value(PT_BINARY, PR_RTF_COMPRESSED, compress(rtf)))
        ),
        tnef_file("contract.pdf", REPORT, "application/pdf"),
    )
    raw = mail_with(container, sender="bob@example.org", to=address)
    assert smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address]).final[0] == 250
    with database.read_session() as session:
        [message] = session.scalars(select(Message).where(Message.room_id == world.room.id))
        assert message.body_source == "Signed copy attached."
        files = session.scalars(select(Attachment)).all()
        assert [(f.filename, f.data) for f in files] == [("contract.pdf", REPORT)]


def test_the_mime_body_wins_over_the_container_body() -> None:
    container = tnef(attribute(1, ATT_BODY, b"rich copy\0"), tnef_file("a.txt", b"file body"))
    parsed = parse_email(mail_with(container, text="The plain words."))
    assert parsed.text is not None and parsed.text.strip() == "The plain words."
    assert [a.filename for a in parsed.attachments] == ["a.txt"]


def test_container_file_names_are_sanitized_like_any_attachment() -> None:
    container = tnef(tnef_file("..\\..\\evil\u202egpj.exe", b"MZ payload"), tnef_file("", PHOTO))
    parsed = parse_email(mail_with(container, text="files"))
    assert [a.filename for a in parsed.attachments] == ["evilgpj.exe", "attachment-1.bin"]


def test_an_unreadable_container_is_kept_as_winmail_dat() -> None:
    parsed = parse_email(mail_with(b"\x78\x9f\x3e\x22 not tnef at all", text="see attached"))
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("winmail.dat", "application/ms-tnef")
    ]


def test_a_truncated_container_keeps_what_was_read() -> None:
    whole = tnef(tnef_file("first.txt", b"one"), tnef_file("second.txt", b"two"))
    content = read_tnef(whole[:-20])
    # The second file's properties (its long name) are cut off; its data and short title
    # (attAttachTitle) came before them.
    assert [(f.filename, f.data) for f in content.files] == [
        ("first.txt", b"one"),
        ("second.t", b"two"),
    ]
    assert content.problems == ["an attribute runs past the end of the stream"]


def test_a_compressed_stream_asking_for_more_than_the_cap_stops_there() -> None:
    # Every token a 17-byte back-reference (never at the write position, which would end
    # the stream): about 8 output bytes per input byte.
    tokens, write = [], 207
    for _ in range(8 * 20_000):
        tokens.append((((write + 100) % 4096) << 4 | 0xF).to_bytes(2, "big"))
        write = (write + 17) % 4096
    body = b"".join(b"\xff" + b"".join(tokens[i : i + 8]) for i in range(0, len(tokens), 8))
    stream = struct.pack("<II", len(body) + 12, 0) + b"LZFu" + b"\0\0\0\0" + body
    assert len(decompress_rtf(stream, limit=100_000) or b"") == 100_000


def test_an_uncompressed_rtf_stream_is_read_as_it_is() -> None:
    rtf = rb"{\rtf1 plain}"
    stream = struct.pack("<II", len(rtf) + 12, len(rtf)) + b"MELA" + b"\0\0\0\0" + rtf
    assert decompress_rtf(stream) == rtf


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_decompression_undoes_the_reference_compressor(rtf: bytes) -> None:
    assert decompress_rtf(compress(rtf)) == rtf


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data: bytes) -> None:
    read_tnef(data)
    read_tnef(struct.pack("<IH", TNEF_SIGNATURE, 0) + data)
    read_rtf(data)
    parse_email(mail_with(data))
    parse_email(mail_with(struct.pack("<IH", TNEF_SIGNATURE, 0) + data, text="words"))
    decompress_rtf(data)
    decompress_rtf(struct.pack("<I", len(data)) + b"\0\0\0\0LZFu\0\0\0\0" + data)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.sampled_from(
                [
                    ATT_BODY,
                    ATT_ATTACH_DATA,
                    ATT_ATTACH_TITLE,
                    ATT_ATTACH_REND_DATA,
                    ATT_ATTACHMENT,
                    ATT_MSG_PROPS,
                ]
            ),
            st.binary(max_size=64),
        ),
        max_size=12,
    )
)
def test_well_framed_random_attributes_never_raise(items: list[tuple[int, int, bytes]]) -> None:
    container = tnef(*(attribute(level, name, data) for level, name, data in items))
    content = read_tnef(container)
    parse_email(mail_with(container))
    assert all(file.data for file in content.files)


def test_unicode_body_property_is_read() -> None:
    props = mapi_props(mapi_value(PT_UNICODE, PR_BODY, "Grüße, Ann\0".encode("utf-16-le")))
    assert read_tnef(tnef(attribute(1, ATT_MSG_PROPS, props))).text == "Grüße, Ann"
