"""Reading the IMAP server's answers the gateway needs: SELECT, UID SEARCH and UID FETCH.

Owns turning aioimaplib's response lines (bytes, with each literal as one bytearray item)
into numbers and messages. The server is outside input: every function is linear in the
lines it is given, bounds the numbers it accepts to IMAP's (unsigned 32-bit, RFC 3501
section 9 "nz-number"), and never raises on a line it does not expect; it skips it.

Stdlib only: must not import aioimaplib, sqlalchemy or gateway.core.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_UID = 2**32 - 1
_UIDVALIDITY_RE = re.compile(rb"\[UIDVALIDITY (\d{1,10})\]")
_FETCH_RE = re.compile(rb"\d{1,10} FETCH \(")
_UID_RE = re.compile(rb"(?:^|[ (])UID (\d{1,10})(?=[ )]|$)")
_LITERAL_RE = re.compile(rb"BODY\[\] \{\d{1,12}\}$")
_SIZE_RE = re.compile(rb"RFC822\.SIZE (\d{1,12})(?=[ )]|$)")


def uidvalidity_of(lines: Sequence[bytes | bytearray]) -> int | None:
    """The UIDVALIDITY a SELECT answered (RFC 3501 section 7.1), if it named a valid one."""
    for line in lines:
        if isinstance(line, bytes):
            found = _UIDVALIDITY_RE.search(line)
            if found and 0 < int(found.group(1)) <= MAX_UID:
                return int(found.group(1))
    return None


def uids_of_search(lines: Sequence[bytes | bytearray], after: int) -> list[int]:
    """The UIDs a UID SEARCH answered that are above `after`, ascending.

    `after+1:*` names the highest UID even when it is below after+1 (RFC 3501 section 6.4.8),
    so the answer is filtered again here.
    """
    uids: set[int] = set()
    for line in lines[:-1]:  # the last line is the tagged completion's text
        if not isinstance(line, bytes):
            continue
        words = line.split()
        if words[:1] == [b"SEARCH"]:
            words = words[1:]
        for word in words:
            if word.isdigit() and len(word) <= 10 and after < int(word) <= MAX_UID:
                uids.add(int(word))
    return sorted(uids)


def messages_of_fetch(lines: Sequence[bytes | bytearray]) -> list[tuple[int, bytes]]:
    """(UID, raw message) for each message a `UID FETCH ... (UID BODY.PEEK[])` returned, in
    the order given; a FETCH without the body (a flag change, an expunged message) is
    skipped."""
    found: list[tuple[int, bytes]] = []
    for index, line in enumerate(lines):
        if not isinstance(line, bytes) or not _FETCH_RE.match(line):
            continue
        if not _LITERAL_RE.search(line) or index + 1 >= len(lines):
            continue
        body = lines[index + 1]
        if not isinstance(body, bytearray):
            continue
        uid = _uid_in(line)
        if uid is None and index + 2 < len(lines) and isinstance(lines[index + 2], bytes):
            uid = _uid_in(bytes(lines[index + 2]))  # "UID n" after the body: also allowed
        if uid is not None:
            found.append((uid, bytes(body)))
    return found


def sizes_of_fetch(lines: Sequence[bytes | bytearray]) -> dict[int, int]:
    """UID -> size in bytes, from a `UID FETCH ... (UID RFC822.SIZE)` answer."""
    sizes: dict[int, int] = {}
    for line in lines:
        if isinstance(line, bytes) and _FETCH_RE.match(line):
            uid, size = _uid_in(line), _SIZE_RE.search(line)
            if uid is not None and size is not None:
                sizes[uid] = int(size.group(1))
    return sizes


def uid_set(uids: Sequence[int]) -> str:
    """UIDs as an IMAP sequence set, runs collapsed ("3:7,9")."""
    ordered = sorted(set(uids))
    runs: list[str] = []
    start = previous = ordered[0]
    for uid in [*ordered[1:], -1]:
        if uid == previous + 1:
            previous = uid
            continue
        runs.append(str(start) if start == previous else f"{start}:{previous}")
        start = previous = uid
    return ",".join(runs)


def _uid_in(line: bytes) -> int | None:
    found = _UID_RE.search(line)
    if found and 0 < int(found.group(1)) <= MAX_UID:
        return int(found.group(1))
    return None
