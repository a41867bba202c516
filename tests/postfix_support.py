"""A real Postfix for tests: one instance of its own (config, queue and data directories in a
temporary directory), listening on two loopback ports.

- `inbound_port` plays the gateway's public MX: it takes mail for the reply domain from
  anyone, checks each recipient with the gateway before saying yes (recipient address
  verification, ADDRESS_VERIFICATION_README: `reject_unverified_recipient` probes the next
  hop's RCPT, so a forged address is refused at RCPT and never bounced later), and relays
  what it accepted to the gateway's SMTP port.
- `submission_port` is the relay the gateway sends through: clients on 127.0.0.0/8 may relay,
  and everything not for the reply domain goes to `relayhost` (the recording sink).

Nothing is looked up in DNS; no traffic leaves 127.0.0.1. Postfix runs as root (the master)
with `mail_owner = postfix`, as Debian installs it; `postfix start` creates the queue
directories itself (post-install create-missing). `require_postfix()` skips a test where the
package is missing, or fails it when GATEWAY_REQUIRE_MAIL_SERVERS is set (CI).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import free_port

POSTFIX = Path("/usr/sbin/postfix")
POSTQUEUE = Path("/usr/sbin/postqueue")
HOST = "127.0.0.1"
MY_HOSTNAME = "mx.gateway.test"  # must differ from the gateway's greeting, or Postfix sees a loop
COMMAND_TIMEOUT = 30.0
READY_TIMEOUT = 15.0

# Timings made short for a test; in production the defaults (3 polls of 3 s) are right.
MAIN_CF = """\
compatibility_level = 3.6
mail_owner = postfix
setgid_group = postdrop
queue_directory = {root}/queue
data_directory = {root}/data
maillog_file = {root}/postfix.log
maillog_file_prefixes = {root}
myhostname = {hostname}
inet_interfaces = {host}
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_recipient_maps =
local_transport = error:5.1.1 no local delivery here
alias_maps =
alias_database =
biff = no
append_dot_mydomain = no
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtputf8_enable = yes

# Mail for the reply domain goes to the gateway; the rest to the sink.
relay_domains = {reply_domain}
relay_recipient_maps =
relay_transport = smtp:[{host}]:{gateway_port}
relayhost = [{host}]:{sink_port}

# Recipient address verification: probe the gateway's RCPT, answer its verdict at RCPT.
# An empty map keeps the verdicts in the verify daemon's memory (one instance per test).
address_verify_map =
address_verify_poll_count = 15
address_verify_poll_delay = 1s
unverified_recipient_reject_code = 550
unverified_recipient_defer_code = 450

# A deferred message waits for a flush (postqueue -f), not for a timer, in a test.
queue_run_delay = 1h
minimal_backoff_time = 1h
maximal_backoff_time = 1h
"""

# Every service runs unchrooted (no copies of /etc in a chroot jail to keep up to date).
MASTER_CF = """\
{host}:{inbound_port} inet n - n - - smtpd
  -o smtpd_relay_restrictions=reject_unauth_destination
  -o smtpd_recipient_restrictions=reject_unverified_recipient
{host}:{submission_port} inet n - n - - smtpd
  -o smtpd_relay_restrictions=permit_mynetworks,reject
  -o smtpd_recipient_restrictions=
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
"""


def require_postfix() -> None:
    """Skip (or, with GATEWAY_REQUIRE_MAIL_SERVERS set, fail) where Postfix is missing."""
    if POSTFIX.exists() and POSTQUEUE.exists():
        return
    if os.environ.get("GATEWAY_REQUIRE_MAIL_SERVERS"):  # CI: a missing server is a failure
        pytest.fail(f"GATEWAY_REQUIRE_MAIL_SERVERS is set but {POSTFIX} is missing")
    pytest.skip(
        f"Postfix tests need {POSTFIX} (Debian package `postfix`; CI installs it): "
        "not found on this machine"
    )


@dataclass(frozen=True)
class Postfix:
    """A running instance, and the commands a test needs to look into it."""

    root: Path
    inbound_port: int
    submission_port: int

    @property
    def config_dir(self) -> Path:
        return self.root / "etc"

    def queue(self) -> list[dict[str, object]]:
        """Every message in the queue (`postqueue -j`: one JSON object per message)."""
        output = _run(POSTQUEUE, "-c", str(self.config_dir), "-j")
        return [json.loads(line) for line in output.splitlines() if line.strip()]

    def flush(self) -> None:
        """Retry every deferred message now (`postqueue -f`)."""
        _run(POSTQUEUE, "-c", str(self.config_dir), "-f")

    def log(self) -> str:
        path = self.root / "postfix.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_for(self, what: str, condition: Callable[[], bool], timeout: float = 15.0) -> None:
        """Poll `condition` until true; AssertionError naming `what` (and the log) if not."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"Postfix: {what} did not happen\n{self.log()[-4000:]}")
            time.sleep(0.1)


@contextmanager
def running_postfix(*, reply_domain: str, gateway_port: int, sink_port: int) -> Iterator[Postfix]:
    """Postfix in a fresh directory of its own, stopped and removed on exit whatever happened."""
    require_postfix()
    # Not under pytest's tmp_path: its parents are private to root, and the postfix user
    # must reach the queue and data directories.
    root = Path(tempfile.mkdtemp(prefix="gateway-postfix-"))
    root.chmod(0o755)
    postfix = Postfix(root, inbound_port=free_port(), submission_port=free_port())
    try:
        _write_config(
            postfix, reply_domain=reply_domain, gateway_port=gateway_port, sink_port=sink_port
        )
        _run(POSTFIX, "-c", str(postfix.config_dir), "start")
        _wait_for_greeting(postfix, postfix.inbound_port)
        _wait_for_greeting(postfix, postfix.submission_port)
        yield postfix
    finally:
        _run(POSTFIX, "-c", str(postfix.config_dir), "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)


def _write_config(
    postfix: Postfix, *, reply_domain: str, gateway_port: int, sink_port: int
) -> None:
    postfix.config_dir.mkdir()
    # `postfix` changes into the queue directory first; `postfix start` (post-install
    # create-missing) then makes the queues in it, with their owners and modes.
    (postfix.root / "queue").mkdir(mode=0o755)
    data = postfix.root / "data"
    data.mkdir(mode=0o700)
    shutil.chown(data, "postfix", "postfix")
    values = {
        "root": postfix.root,
        "host": HOST,
        "hostname": MY_HOSTNAME,
        "reply_domain": reply_domain,
        "gateway_port": gateway_port,
        "sink_port": sink_port,
        "inbound_port": postfix.inbound_port,
        "submission_port": postfix.submission_port,
    }
    (postfix.config_dir / "main.cf").write_text(MAIN_CF.format(**values))
    (postfix.config_dir / "master.cf").write_text(MASTER_CF.format(**values))


def _wait_for_greeting(postfix: Postfix, port: int) -> None:
    """Until the port answers with a 220 greeting (the master forks smtpd on connect)."""
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        try:
            with socket.create_connection((HOST, port), timeout=5) as sock:
                if sock.recv(512).startswith(b"220"):
                    sock.sendall(b"QUIT\r\n")
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"Postfix did not greet on port {port}\n{postfix.log()}")
        time.sleep(0.1)


def _run(command: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(
        [str(command), *args], capture_output=True, text=True, timeout=COMMAND_TIMEOUT
    )
    if check and done.returncode != 0:
        raise AssertionError(f"{command.name} {' '.join(args)} failed: {done.stderr}")
    return done.stdout


__all__ = ["Postfix", "require_postfix", "running_postfix"]
