"""Outlook's TNEF container (winmail.dat, application/ms-tnef), read for its body and files.

Owns ``read_tnef``: the Transport Neutral Encapsulation Format of [MS-OXTNEF] as Outlook and
Exchange send it when they wrap a rich-text message: a signature (0x223E9F78), a key, then
attributes (level, id, length, data, checksum). From them it takes the body (attBody, or
the MAPI properties PR_BODY, PR_HTML, or PR_RTF_COMPRESSED, decompressed by
gateway.inbound.rtf_compression and de-encapsulated by gateway.inbound.rtf_text) and the
attachments (attAttachTitle / attAttachData, and their MAPI properties: long filename,
MIME type, content id).

Written here rather than taken from the tnefparse package: tnefparse (last release
2021) copies the rest of the stream for every attribute (quadratic on a blob of tiny
attributes) and loops as many times as a count in the data says. Here every count is
checked against the bytes left before it is used, each attribute and property moves the
reader forward, and values are copied once: linear on any input. Never raises.

Must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

import codecs
import struct
from dataclasses import dataclass, field

from gateway.inbound.rtf_compression import decompress_rtf
from gateway.inbound.rtf_text import read_rtf

__all__ = ["TNEF_SIGNATURE", "TnefContent", "TnefFile", "is_tnef", "read_tnef"]


TNEF_SIGNATURE = 0x223E9F78
TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
LEVEL_MESSAGE, LEVEL_ATTACHMENT = 1, 2
# Attribute ids ([MS-OXTNEF] section 2.1.3.1), the low 16 bits of the attribute id.
ATT_BODY = 0x800C
ATT_ATTACH_DATA = 0x800F
ATT_ATTACH_TITLE = 0x8010
ATT_ATTACH_REND_DATA = 0x9002  # starts each attachment
ATT_MSG_PROPS = 0x9003
ATT_ATTACHMENT = 0x9005
ATT_OEM_CODEPAGE = 0x9007
# MAPI property ids ([MS-OXPROPS]).
PR_BODY = 0x1000
PR_RTF_COMPRESSED = 0x1009
PR_HTML = 0x1013
PR_DISPLAY_NAME = 0x3001
PR_ATTACH_DATA = 0x3701
PR_ATTACH_FILENAME = 0x3704
PR_ATTACH_LONG_FILENAME = 0x3707
PR_ATTACH_MIME_TAG = 0x370E
PR_ATTACH_CONTENT_ID = 0x3712
PR_INTERNET_CPID = 0x3FDE
# MAPI property types ([MS-OXCDATA] section 2.11.1).
PT_STRING8, PT_UNICODE, PT_BINARY, PT_OBJECT, PT_CLSID = 0x001E, 0x001F, 0x0102, 0x000D, 0x0048
MV_FLAG = 0x1000
_FIXED_SIZES = {0x0002: 2, 0x0003: 4, 0x0004: 4, 0x0005: 8, 0x0006: 8, 0x0007: 8, 0x000A: 4,
                0x000B: 2, 0x0014: 8, 0x0040: 8, PT_CLSID: 16, 0x0001: 0}  # fmt: skip
_VARIABLE = frozenset({PT_STRING8, PT_UNICODE, PT_BINARY, PT_OBJECT})
_IID_LENGTH = 16  # an embedded object's value starts with its interface id
# Files read from one container, as many as the MIME parts one message may have
# (gateway.inbound.mime_tree.MAX_PARTS); the room's own limit is far lower.
MAX_FILES = 250


@dataclass(frozen=True, slots=True)
class TnefFile:
    filename: str  # as the container names it, unsanitized ("" if it names none)
    content_type: str  # from PR_ATTACH_MIME_TAG, "" if absent
    data: bytes
    content_id: str | None


@dataclass(slots=True)
class TnefContent:
    text: str | None = None
    html: str | None = None
    files: list[TnefFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # why parts could not be read

    @property
    def decoded(self) -> bool:
        return bool(self.text or self.html or self.files)


@dataclass(slots=True)
class _Attachment:
    title: str = ""
    data: bytes = b""
    props: dict[int, tuple[int, bytes]] = field(default_factory=dict)


def is_tnef(content_type: str, filename: str) -> bool:
    return content_type in TNEF_TYPES or filename.strip().lower() == "winmail.dat"


def read_tnef(data: bytes) -> TnefContent:
    """The body and files of a TNEF stream; what could not be read is in ``problems``."""
    content = TnefContent()
    if len(data) < 6 or struct.unpack_from("<I", data)[0] != TNEF_SIGNATURE:
        content.problems.append("no TNEF signature")
        return content
    view = memoryview(data)
    codepage = "cp1252"
    message_props: dict[int, tuple[int, bytes]] = {}
    attachments: list[_Attachment] = []
    position = 6  # signature and key
    while position + 11 <= len(data):
        level, attribute = view[position], struct.unpack_from("<H", data, position + 1)[0]
        length = struct.unpack_from("<I", data, position + 5)[0]
        start, end = position + 9, position + 9 + length
        if end + 2 > len(data):
            content.problems.append("an attribute runs past the end of the stream")
            break
        value = view[start:end]
        position = end + 2  # the checksum is not checked: a wrong one costs nothing here
        if attribute == ATT_ATTACH_REND_DATA:
            if len(attachments) == MAX_FILES:
                content.problems.append(f"more than {MAX_FILES} files")
                break
            attachments.append(_Attachment())
        elif level == LEVEL_ATTACHMENT and attachments:
            _attachment_attribute(attachments[-1], attribute, value, codepage, content)
        elif attribute == ATT_BODY:
            content.text = bytes(value).decode(codepage, "replace").rstrip("\x00")
        elif attribute == ATT_OEM_CODEPAGE and length >= 4:
            codepage = _encoding(struct.unpack_from("<I", data, start)[0], codepage)
        elif attribute == ATT_MSG_PROPS:
            message_props.update(_properties(value, content))
    _take_body(content, message_props)
    content.files = [file for file in map(_file, attachments) if file is not None]
    return content


def _attachment_attribute(
    attachment: _Attachment, attribute: int, value: memoryview, codepage: str, content: TnefContent
) -> None:
    if attribute == ATT_ATTACH_TITLE:
        attachment.title = bytes(value).decode(codepage, "replace").rstrip("\x00")
    elif attribute == ATT_ATTACH_DATA:
        attachment.data = bytes(value)
    elif attribute == ATT_ATTACHMENT:
        attachment.props.update(_properties(value, content))


def _file(attachment: _Attachment) -> TnefFile | None:
    props = attachment.props
    data = attachment.data
    if not data and PR_ATTACH_DATA in props:
        kind, data = props[PR_ATTACH_DATA]
        if kind == PT_OBJECT:
            data = data[_IID_LENGTH:]  # an embedded message, kept as its bytes
    if not data:
        return None
    name = (
        _text(props.get(PR_ATTACH_LONG_FILENAME))
        or _text(props.get(PR_ATTACH_FILENAME))
        or attachment.title
        or _text(props.get(PR_DISPLAY_NAME))
    )
    mime = _text(props.get(PR_ATTACH_MIME_TAG)).strip().lower()
    content_id = _text(props.get(PR_ATTACH_CONTENT_ID)).strip().strip("<>") or None
    return TnefFile(name, mime if mime.count("/") == 1 else "", data, content_id)


def _take_body(content: TnefContent, props: dict[int, tuple[int, bytes]]) -> None:
    internet = props.get(PR_INTERNET_CPID)
    encoding = "cp1252"
    if internet is not None and len(internet[1]) >= 4:
        encoding = _encoding(struct.unpack_from("<I", internet[1])[0], "utf-8")
    if PR_HTML in props:
        content.html = _text(props[PR_HTML], encoding) or None
    if PR_BODY in props and not content.text:
        content.text = _text(props[PR_BODY], encoding) or None
    if content.text or content.html or PR_RTF_COMPRESSED not in props:
        return
    data = decompress_rtf(props[PR_RTF_COMPRESSED][1])
    if data is None:
        content.problems.append("the RTF body is in no known compression")
        return
    rtf = read_rtf(data)
    if rtf.text.strip():
        if rtf.kind == "html":
            content.html = rtf.text
        else:
            content.text = rtf.text


def _properties(value: memoryview, content: TnefContent) -> dict[int, tuple[int, bytes]]:
    """The MAPI properties of an attribute ([MS-OXTNEF] section 2.1.3.5): {id: (type, the
    first value's bytes)}; reading stops at the first property that does not fit."""
    found: dict[int, tuple[int, bytes]] = {}
    data = bytes(value)  # one copy of this attribute's bytes
    if len(data) < 4:
        return found
    count, position = struct.unpack_from("<I", data)[0], 4
    for _ in range(min(count, len(data) // 4)):  # every property takes at least 4 bytes
        read = _property(data, position)
        if read is None:
            content.problems.append("a MAPI property runs past its attribute")
            break
        position, prop_id, kind, first = read
        if first is not None:
            found.setdefault(prop_id, (kind, first))
    return found


def _property(data: bytes, position: int) -> tuple[int, int, int, bytes | None] | None:
    """One property at ``position``: (next position, id, type, first value), or None."""
    if position + 4 > len(data):
        return None
    kind, prop_id = struct.unpack_from("<HH", data, position)
    position += 4
    if prop_id >= 0x8000:  # a named property: GUID, then a number or a name
        if position + 20 > len(data):
            return None
        name_kind = struct.unpack_from("<I", data, position + 16)[0]
        position += 20 + (4 if name_kind == 0 else 0)
        if name_kind != 0:
            if position + 4 > len(data):
                return None
            length = struct.unpack_from("<I", data, position)[0]
            position += 4 + _padded(length)
    base, values = kind & ~MV_FLAG, 1
    if kind & MV_FLAG or base in _VARIABLE:
        if position + 4 > len(data):
            return None
        values = struct.unpack_from("<I", data, position)[0]
        position += 4
    first: bytes | None = None
    for _ in range(min(values, max(0, len(data) - position) // 4 + 1)):
        if base in _VARIABLE:
            if position + 4 > len(data):
                return None
            length = struct.unpack_from("<I", data, position)[0]
            start, position = position + 4, position + 4 + _padded(length)
            value = data[start : start + length]
        elif base in _FIXED_SIZES:
            size = _FIXED_SIZES[base]
            value, position = data[position : position + size], position + max(4, _padded(size))
        else:
            return None  # an unknown type: its size cannot be known
        if position > len(data):
            return None
        if first is None:
            first = value
    return position, prop_id, base, first


def _padded(length: int) -> int:
    return (length + 3) // 4 * 4


def _text(prop: tuple[int, bytes] | None, encoding: str = "cp1252") -> str:
    if prop is None:
        return ""
    kind, value = prop
    if kind == PT_UNICODE:
        return value.decode("utf-16-le", "replace").rstrip("\x00")
    return value.decode(encoding, "replace").rstrip("\x00")


def _encoding(codepage: int, current: str) -> str:
    name = "utf-8" if codepage == 65001 else f"cp{codepage}"
    try:
        codecs.lookup(name)
    except LookupError:
        return current
    return name
