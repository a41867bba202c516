"""Compressed RTF ([MS-OXRTFCP]), the form of an Outlook message's RTF body (PR_RTF_COMPRESSED).

Owns ``decompress_rtf``: the LZ77 variant "LZFu" (and the uncompressed "MELA" form) read
up to MAX_RTF_BYTES of output. Each input token writes at most 17 bytes, so a short
hostile stream can ask for many times its size; the cap bounds the work per message, and
the person's words come first in the body. The CRC is not checked: a damaged stream is
read as far as it goes, which is what the reader of the result wants.

One pass over the input, constant work per output byte: linear. Never raises.
Stdlib only: must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

import struct

__all__ = ["MAX_RTF_BYTES", "decompress_rtf"]

MAX_RTF_BYTES = 1_000_000
HEADER_BYTES = 16  # compressed size, raw size, type, CRC ([MS-OXRTFCP] section 2.1.3.1)
COMPRESSED, UNCOMPRESSED = b"LZFu", b"MELA"
DICTIONARY_SIZE = 4096
# The dictionary's initial contents ([MS-OXRTFCP] section 3.1.3.1); the rest is spaces.
INITIAL_DICTIONARY = (
    b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\"
    b"fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New "
    b"RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\"
    b"f0\\fs20\\b\\i\\u\\tab\\tx"
)


def decompress_rtf(data: bytes, limit: int = MAX_RTF_BYTES) -> bytes | None:
    """The RTF in a compressed RTF stream, at most `limit` bytes; None if it is not one."""
    if len(data) < HEADER_BYTES:
        return None
    compressed_size, raw_size = struct.unpack_from("<II", data)
    kind = data[8:12]
    body = data[HEADER_BYTES : 4 + compressed_size]
    if kind == UNCOMPRESSED:
        return body[: min(raw_size, limit)]
    if kind != COMPRESSED:
        return None
    return _lzfu(body, limit)


def _lzfu(body: bytes, limit: int) -> bytes:
    window = bytearray(INITIAL_DICTIONARY.ljust(DICTIONARY_SIZE, b" "))
    write = len(INITIAL_DICTIONARY)
    out = bytearray()
    position, end = 0, len(body)
    while position < end and len(out) < limit:
        control = body[position]
        position += 1
        for bit in range(8):
            if not control & (1 << bit):  # a literal byte
                if position >= end:
                    return bytes(out)
                byte = body[position]
                position += 1
                out.append(byte)
                window[write] = byte
                write = (write + 1) % DICTIONARY_SIZE
                continue
            if position + 2 > end:
                return bytes(out)
            token = (body[position] << 8) | body[position + 1]
            position += 2
            offset, length = token >> 4, (token & 0xF) + 2
            if offset == write:  # the end marker (section 2.2.1.1)
                return bytes(out)
            for step in range(length):
                byte = window[(offset + step) % DICTIONARY_SIZE]
                out.append(byte)
                window[write] = byte
                write = (write + 1) % DICTIONARY_SIZE
        if len(out) >= limit:
            break
    return bytes(out[:limit])
