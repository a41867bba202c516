"""A real Dovecot IMAP server for tests: its own config directory, a loopback port, one user.

`Dovecot` writes a config (plain IMAP on 127.0.0.1, no TLS, a passwd-file user with a plain
password, Maildir storage in a temporary directory), runs `dovecot -F -c CONFIG` as a child
process, and stops it by that process's id. The test side talks to it with imaplib (APPEND,
CREATE, DELETE, flags), so what the gateway reads was put there the way an MTA or a mail
client would.

Dovecot will not give mail processes root's rights, so when the tests run as root the mail
(and the server's internal processes) run as the system user `dovecot`, and the login
processes as `dovenull`; the temporary directory is then made traversable for them.

Tests skip (with the reason) when Dovecot is not installed, unless GATEWAY_REQUIRE_MAIL_SERVERS
is set (CI): then they fail.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from support import free_port

DOVECOT = Path("/usr/sbin/dovecot")
USER = "gateway"
PASSWORD = "imap-test/pass@1"  # "/" and "@" must be escaped in the URL
START_SECONDS = 20.0


def require_dovecot() -> None:
    """Skip, or in CI fail, when Dovecot is missing."""
    if DOVECOT.exists():
        return
    if os.environ.get("GATEWAY_REQUIRE_MAIL_SERVERS"):  # CI: a missing server is a failure
        pytest.fail(f"GATEWAY_REQUIRE_MAIL_SERVERS is set but {DOVECOT} is missing")
    pytest.skip(
        f"IMAP tests need Dovecot at {DOVECOT} (Debian package `dovecot-imapd`; CI installs "
        "it): not found on this machine"
    )


class Dovecot:
    """One Dovecot instance with one user, on a loopback port of its own."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="gateway-dovecot-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._mail_user, self._login_user = _system_users()
        self.root.chmod(0o711)
        self.home = self.root / "mail" / USER
        self.home.mkdir(parents=True)
        for path in (self.root / "mail", self.home):
            shutil.chown(path, self._mail_user, self._mail_user)
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::{self.home}::\n")
        self.config = self.root / "dovecot.conf"
        self.config.write_text(self._config_text())

    def _config_text(self) -> str:
        root = self.root
        return f"""\
base_dir = {root}/run
state_dir = {root}/state
instance_name = gateway-test-{self.port}
protocols = imap
listen = 127.0.0.1
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
login_trusted_networks = 127.0.0.0/8
default_internal_user = {self._mail_user}
default_internal_group = {self._mail_user}
default_login_user = {self._login_user}
mail_uid = {self._mail_user}
mail_gid = {self._mail_user}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:~/Maildir
# IDLE notices new mail at once (inotify), else after this long.
mailbox_idle_check_interval = 1 secs
shutdown_clients = yes
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""

    # --- the server process ----------------------------------------------------------------

    def start(self) -> Dovecot:
        (self.root / "state").mkdir(exist_ok=True)
        self.process = subprocess.Popen(
            [str(DOVECOT), "-F", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            # A group of its own: the mail processes outlive the master otherwise, and
            # "the server stopped" must take the open connections with it.
            start_new_session=True,
        )
        deadline = time.monotonic() + START_SECONDS
        while not _listening(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                error = self.process.stderr.read() if self.process.stderr else b""
                raise RuntimeError(f"dovecot did not start: {error.decode()} {self.log()}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Stop the server (its connections with it) and wait until it is gone."""
        if self.process is None:
            return
        group = self.process.pid  # its own session: the group id is the master's pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait()
        deadline = time.monotonic() + START_SECONDS
        while _group_alive(group) and time.monotonic() < deadline:
            time.sleep(0.02)
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None
        deadline = time.monotonic() + START_SECONDS
        while _listening(self.port) and time.monotonic() < deadline:
            time.sleep(0.02)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- what the gateway is told ----------------------------------------------------------

    def url(self, folder: str = "INBOX", **options: str) -> str:
        query = "&".join(f"{name}={value}" for name, value in options.items())
        return f"imap://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{self.port}/{folder}" + (
            f"?{query}" if query else ""
        )

    # --- the test's own IMAP client --------------------------------------------------------

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        client.login(USER, PASSWORD)
        return client

    def append(self, *messages: bytes, folder: str = "INBOX") -> None:
        """Put messages in the folder as an MTA's delivery would (APPEND, RFC 3501 6.3.11)."""
        client = self.client()
        try:
            for raw in messages:
                raw = re.sub(rb"\r?\n", b"\r\n", raw)
                status, _ = client.append(folder, None, None, raw)
                assert status == "OK"
        finally:
            client.logout()

    def create(self, folder: str) -> None:
        self._command("create", folder)

    def delete(self, folder: str) -> None:
        self._command("delete", folder)

    def flags(self, folder: str = "INBOX") -> dict[int, set[str]]:
        """Each message's UID and flags."""
        client = self.client()
        try:
            client.select(folder)
            status, lines = client.uid("FETCH", "1:*", "(UID FLAGS)")
            assert status == "OK"
        finally:
            client.logout()
        found = {}
        for line in lines:
            if isinstance(line, bytes):
                match = re.search(rb"UID (\d+) FLAGS \(([^)]*)\)", line)
                if match:
                    found[int(match.group(1))] = set(match.group(2).decode().split())
        return found

    def uidvalidity(self, folder: str = "INBOX") -> int:
        client = self.client()
        try:
            status, data = client.status(folder, "(UIDVALIDITY)")
        finally:
            client.logout()
        assert status == "OK"
        match = re.search(rb"UIDVALIDITY (\d+)", data[0] or b"")
        assert match
        return int(match.group(1))

    def _command(self, name: str, folder: str) -> None:
        client = self.client()
        try:
            status, data = getattr(client, name)(folder)
            assert status == "OK", data
        finally:
            client.logout()


def _system_users() -> tuple[str, str]:
    """(mail and internal user, login user): Dovecot's own when run as root, else ourselves."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid()).pw_name
        return me, me
    return "dovecot", "dovenull"


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(name="dovecot")
def dovecot_server() -> Iterator[Dovecot]:
    """A running Dovecot with an empty INBOX, stopped and removed afterwards."""
    require_dovecot()
    server = Dovecot()
    try:
        yield server.start()
    finally:
        server.remove()
