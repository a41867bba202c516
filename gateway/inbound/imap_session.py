"""One IMAP connection to one mailbox: log in, select, find and fetch new mail, mark it.

Owns the protocol side of IMAP intake, on aioimaplib: which commands are sent and what a
refusal means. Every failure (the connection dropped, a command refused or timed out)
raises `ImapError` or an OSError/TimeoutError, for the reader to reconnect after a pause.
Messages are fetched with BODY.PEEK[] so fetching alone never sets \\Seen (RFC 3501
section 6.4.5): a message is marked only once its intake is committed.

Must not import sqlalchemy or gateway.core.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Sequence
from typing import TypeVar

import aioimaplib

from gateway.imap_settings import ImapMailbox, encode_folder_name
from gateway.inbound.imap_responses import (
    messages_of_fetch,
    sizes_of_fetch,
    uid_set,
    uids_of_search,
    uidvalidity_of,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

COMMAND_TIMEOUT_SECONDS = 60.0
# RFC 2177 section 3: a server may drop a client idle for 30 minutes; re-IDLE before that.
IDLE_RENEW_SECONDS = 29 * 60.0
# Search keys that find messages without a system flag (RFC 3501 section 6.4.4).
_UNFLAGGED_KEYS = {
    "\\Seen": "UNSEEN",
    "\\Answered": "UNANSWERED",
    "\\Flagged": "UNFLAGGED",
    "\\Deleted": "UNDELETED",
    "\\Draft": "UNDRAFT",
}


class ImapError(Exception):
    """The server refused a command, or answered in a way we cannot use."""


class ImapSession:
    """A logged-in connection with the mailbox's folder selected."""

    def __init__(self, mailbox: ImapMailbox, client: aioimaplib.IMAP4) -> None:
        self.mailbox = mailbox
        self._client = client
        self.uidvalidity = 0
        # aioimaplib leaves a command waiting when the connection drops: every command is
        # raced against this, so a lost server is noticed at once, not at the timeout.
        self._lost = asyncio.Event()
        client.protocol.conn_lost_cb = lambda _error: self._lost.set()

    @classmethod
    async def open(
        cls, mailbox: ImapMailbox, *, timeout: float = COMMAND_TIMEOUT_SECONDS
    ) -> ImapSession:
        """Connect, log in and select the folder; raises on any failure."""
        if mailbox.tls:
            client: aioimaplib.IMAP4 = aioimaplib.IMAP4_SSL(
                mailbox.host,
                mailbox.port,
                timeout=timeout,
                ssl_context=ssl.create_default_context(),
            )
        else:
            client = aioimaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
        session = cls(mailbox, client)
        try:
            await session._run(client.wait_hello_from_server())
            # aioimaplib quotes the password but sends the user name as it is.
            login = client.login(_quoted(mailbox.username), mailbox.password)
            _check(await session._run(login), "LOGIN")
            # The capabilities after login (RFC 3501 section 6.2.3): IDLE, MOVE, UIDPLUS.
            await session._run(asyncio.wait_for(client.protocol.capability(), timeout))
            await session._select()
        except BaseException:
            await session.close()
            raise
        return session

    async def _select(self) -> None:
        folder = _quoted(encode_folder_name(self.mailbox.folder))
        response = await self._run(self._client.select(folder))
        _check(response, "SELECT")
        uidvalidity = uidvalidity_of(response.lines)
        if uidvalidity is None:
            raise ImapError("SELECT answered no UIDVALIDITY")
        self.uidvalidity = uidvalidity

    @property
    def can_idle(self) -> bool:
        return self.mailbox.idle and self._client.has_capability("IDLE")

    async def new_uids(self, after: int) -> list[int]:
        """UIDs above `after` of the messages not marked processed yet, ascending."""
        criteria = ["UID", f"{after + 1}:*"]
        if self.mailbox.move_to is None:
            flag = self.mailbox.flag
            criteria += [_UNFLAGGED_KEYS[flag]] if flag in _UNFLAGGED_KEYS else ["UNKEYWORD", flag]
        response = await self._run(self._client.uid_search(*criteria, charset=None))
        _check(response, "UID SEARCH")
        return uids_of_search(response.lines, after)

    async def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        """Each message's size in bytes (RFC 3501 section 6.4.5, RFC822.SIZE)."""
        response = await self._run(self._client.uid("fetch", uid_set(uids), "(UID RFC822.SIZE)"))
        _check(response, "UID FETCH")
        return sizes_of_fetch(response.lines)

    async def fetch(self, uids: Sequence[int]) -> list[tuple[int, bytes]]:
        """(UID, raw RFC 5322 bytes) of each message still there, in UID order."""
        response = await self._run(self._client.uid("fetch", uid_set(uids), "(UID BODY.PEEK[])"))
        _check(response, "UID FETCH")
        found = sorted(messages_of_fetch(response.lines))
        missing = set(uids) - {uid for uid, _ in found}
        if missing:
            # Expunged since the search, or sent in a form we do not read: passed over.
            log.warning(
                "IMAP %s: no body for UID(s) %s; passed over",
                self.mailbox.name,
                uid_set(sorted(missing)),
            )
        return found

    async def mark_processed(self, uids: Sequence[int]) -> None:
        """Flag the messages, or move them to the processed folder."""
        if not uids:
            return
        wanted = uid_set(uids)
        if self.mailbox.move_to is None:
            flags = f"({self.mailbox.flag})"
            stored = await self._run(self._client.uid("store", wanted, "+FLAGS.SILENT", flags))
            _check(stored, "UID STORE")
            return
        target = _quoted(encode_folder_name(self.mailbox.move_to))
        if self._client.has_capability("MOVE"):  # RFC 6851
            _check(await self._run(self._client.uid("move", wanted, target)), "UID MOVE")
            return
        _check(await self._run(self._client.uid("copy", wanted, target)), "UID COPY")
        deleted = await self._run(self._client.uid("store", wanted, "+FLAGS.SILENT", "(\\Deleted)"))
        _check(deleted, "UID STORE")
        if self._client.has_capability("UIDPLUS"):  # RFC 4315: expunge only these
            _check(await self._run(self._client.uid("expunge", wanted)), "UID EXPUNGE")

    async def wait_for_news(self, seconds: float) -> None:
        """Return when the server reports a change (IDLE, RFC 2177) or after `seconds`;
        without IDLE, after `seconds` (the next search polls)."""
        if not self.can_idle:
            await asyncio.sleep(seconds)
            return
        idle = await self._run(self._client.idle_start(timeout=min(seconds, IDLE_RENEW_SECONDS)))
        try:
            await self._run(
                self._client.wait_server_push(timeout=min(seconds, IDLE_RENEW_SECONDS) + 5)
            )
        except TimeoutError:
            pass
        finally:
            if self._client.has_pending_idle() and not self._lost.is_set():
                self._client.idle_done()
        _check(await self._run(asyncio.wait_for(idle, COMMAND_TIMEOUT_SECONDS)), "IDLE")

    async def _run(self, command: Awaitable[T]) -> T:
        """`command`'s result; ConnectionError as soon as the connection is lost."""
        task = asyncio.ensure_future(command)
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            await asyncio.wait({task, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
            if not task.done():  # lost, or we are being stopped
                task.cancel()
        if not task.done() or task.cancelled():
            raise ConnectionError("the IMAP server closed the connection")
        return task.result()

    async def close(self) -> None:
        """Log out, or just drop the connection if that fails."""
        with contextlib.suppress(Exception):
            if not self._lost.is_set() and self._client.get_state() in ("AUTH", "SELECTED"):
                await asyncio.wait_for(self._client.logout(), 5)
        transport = self._client.protocol.transport
        if transport is not None:
            transport.close()
        # aioimaplib's own tasks (an IDLE the server will never end now) end with it.
        for task in (*self._client.tasks, *self._client.protocol.tasks):
            task.cancel()


def _check(response: aioimaplib.Response, command: str) -> None:
    if response.result != "OK":
        text = b" ".join(line for line in response.lines[-1:] if isinstance(line, bytes))
        raise ImapError(f"{command} refused: {text.decode('ascii', 'replace')[:200]}")


def _quoted(text: str) -> str:
    """An IMAP quoted string (RFC 3501 section 4.3)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
