"""A private Dovecot IMAP server for one test: its own config, dirs and free port.

Debian's dovecot-imapd, Dovecot 2.3 syntax. Found when setting this up as root:
auth needs `default_internal_user = root`, mail must belong to an unprivileged
uid (nobody) with `first_valid_uid = 1`, and base_dir must stay short (socket
paths are limited to 108 bytes). A failed login slows the next one from the same
address, so each test gets a fresh instance.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

from tests.servers.certificate import self_signed_certificate
from tests.servers.postgres import ServerUnavailable, free_port

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login{mechanisms}
{internal_user}
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_uid = {uid}
mail_gid = {gid}
imap_idle_notify_interval = 1 secs
login_trusted_networks = 127.0.0.0/8
auth_failure_delay = 0
{capability}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
{passdb}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
}}
"""


# `ssl = required`: no login before TLS, on the imaps port (implicit TLS) and on the
# imap port (after STARTTLS). Dovecot counts 127.0.0.1 as secure (login_trusted_networks
# and the local address), so the tests' own plain logins to fill folders still work;
# a Login line in the log with ", TLS" is how a test sees that TLS was used.
TLS = """\
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
"""


@dataclass
class Dovecot:
    host: str
    port: int
    user: str
    password: str
    root: Path
    process: subprocess.Popen[bytes] | None = None
    tls_port: int | None = None  # implicit TLS (imaps), when started with tls=True
    ca_file: Path | None = None  # the throwaway certificate, to trust as a CA

    def log(self) -> str:
        return (self.root / "dovecot.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def start(self) -> None:
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        self.process = subprocess.Popen(
            [binary, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.root / "dovecot.log").read_text(errors="replace")[-800:]
                raise ServerUnavailable(f"dovecot exited: {log}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise ServerUnavailable("dovecot did not start in time")

    def login(self) -> IMAPClient:
        """A logged-in client of this server, for tests to put mail in and look."""
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client

    def restart(self) -> None:
        self.stop()
        self.start()


def dovecot_available() -> str | None:
    """None when Dovecot can run here, else the reason it cannot."""
    if not (shutil.which("dovecot") or Path("/usr/sbin/dovecot").exists()):
        return "dovecot is not installed (apt-get install dovecot-imapd)"
    return None


@contextmanager
def private_dovecot(
    user: str = "firm",
    password: str = "secret",
    idle: bool = True,
    tls: bool = False,
    oauth2_conf: Path | None = None,
) -> Iterator[Dovecot]:
    """`idle=False` announces capabilities without IDLE, like servers that lack it.
    `tls=True` adds implicit TLS on `tls_port` and STARTTLS on `port`, with a
    throwaway certificate (`ca_file`). `oauth2_conf` adds XOAUTH2/OAUTHBEARER logins
    checked by Dovecot's oauth2 passdb with that configuration file."""
    reason = dovecot_available()
    if reason:
        raise ServerUnavailable(reason)
    root = Path(tempfile.mkdtemp(prefix="dv", dir="/tmp"))
    root.chmod(0o755)  # mail processes run as nobody and must reach home/ through it
    nobody = pwd.getpwnam("nobody")
    for sub in ("run", "state", "home"):
        (root / sub).mkdir()
    os.chown(root / "home", nobody.pw_uid, nobody.pw_gid)
    (root / "passwd").write_text(f"{user}:{{PLAIN}}{password}\n")
    internal = "default_internal_user = root" if os.geteuid() == 0 else ""
    port = free_port()
    tls_port, ca_file, ssl_block = 0, None, "ssl = no"
    if tls:
        ca_file, key = self_signed_certificate(root)
        tls_port, ssl_block = free_port(), TLS.format(cert=ca_file, key=key)
    passdb = ""
    if oauth2_conf is not None:
        passdb = f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {oauth2_conf}\n}}\n"
    (root / "dovecot.conf").write_text(
        CONFIG.format(
            root=root,
            port=port,
            tls_port=tls_port,
            ssl=ssl_block,
            mechanisms=" xoauth2 oauthbearer" if oauth2_conf is not None else "",
            passdb=passdb,
            uid=nobody.pw_uid,
            gid=nobody.pw_gid,
            internal_user=internal,
            capability=""
            if idle
            else "imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE UIDPLUS MOVE",
        )
    )
    server = Dovecot(
        "127.0.0.1", port, user, password, root, tls_port=tls_port or None, ca_file=ca_file
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
