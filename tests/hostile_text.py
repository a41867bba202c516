"""Hypothesis strategies for hostile header text: RFC 2047 encoded words whose text decodes
to line breaks, NUL or other controls, mixed with ordinary words, non-ASCII and raw controls.
Shared by the header writer's tests and the single-line field rule's tests."""

from __future__ import annotations

import base64

from hypothesis import strategies as st

# What an encoded word may hide: line breaks, NUL, NEL, a line separator, and what an
# attacker puts after them, mixed with harmless text.
HIDDEN = st.lists(
    st.sampled_from(
        ["\r", "\n", "\r\n", "\x00", "\x85", "\u2028", "\t", "Bcc: x@evil.example", "Zoë", " ", "a"]
    ),
    min_size=1,
    max_size=6,
).map("".join)
# Charsets an attacker names; the encoding of the hidden text follows the name.
CHARSETS = st.sampled_from(
    ["utf-8", "UTF-8", "iso-8859-1", "us-ascii", "utf-8*en", "utf-16", "windows-1252", "gb18030"]
)
ORDINARY = st.sampled_from(["Plans", "Re:", " ", "  ", "é", "日本", "Q3", "review", "-"])
SYNTAX = st.sampled_from(["=?", "?=", "=?utf-8?q?", "?q?", '"', "<", ">", ",", ":", "\\", "_"])
RAW_CONTROLS = st.sampled_from(["\t", "\r\n", "\n", "\x00", "\x85", "\u2028", "\udc80"])


def q_encoded(data: bytes) -> str:
    """RFC 2047 section 4.2: "=XX" for anything but letters and digits, "_" for a space."""
    return "".join(
        "_" if byte == 0x20 else chr(byte) if chr(byte).isalnum() else f"={byte:02X}"
        for byte in data
    )


def _codec(charset: str) -> str:
    name = charset.partition("*")[0].lower()
    return "latin-1" if name in ("iso-8859-1", "us-ascii") else name


@st.composite
def encoded_words(draw: st.DrawFn, hidden: st.SearchStrategy[str] = HIDDEN) -> str:
    """`=?charset?q|b?...?=` whose text decodes to what `hidden` draws."""
    charset = draw(CHARSETS)
    data = draw(hidden).encode(_codec(charset), "replace")
    if draw(st.booleans()):
        return f"=?{charset}?{draw(st.sampled_from('qQ'))}?{q_encoded(data)}?="
    return f"=?{charset}?{draw(st.sampled_from('bB'))}?{base64.b64encode(data).decode()}?="


def hostile_text(*, raw_controls: bool = True) -> st.SearchStrategy[str]:
    """Encoded-word shaped text mixed with ordinary words, non-ASCII, header syntax and
    (unless `raw_controls` is False) raw controls, separators and lone surrogates."""
    parts = [encoded_words(), encoded_words(ORDINARY), ORDINARY, SYNTAX]
    if raw_controls:
        parts += [RAW_CONTROLS, st.text(max_size=12)]
    return st.lists(st.one_of(*parts), max_size=12).map("".join)
