"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 and a free port, recording mail.

The handler can be scripted: answer the next DATA with a 4xx or 5xx, or hang up in
the middle of the next DATA. `on_accept` runs before the server says 250, so a test
can file each accepted mail in an IMAP Sent folder, as Gmail and Microsoft 365 do.
Optionally implicit TLS or STARTTLS with a throwaway certificate, and AUTH.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any, AnyStr

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

from tests.servers.postgres import free_port


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    accepted_at: float  # time.time()

    @property
    def message_id(self) -> str | None:
        return BytesHeaderParser().parsebytes(self.content).get("Message-ID")


class RecordingHandler:
    """Records accepted mail. `then("451", "550", "drop", "hang-up")` scripts the next DATA
    commands: a reply code, a hang-up in the middle of the data, or acceptance with the
    connection closed before the 250 is sent."""

    def __init__(self, on_accept: Callable[[Received], None] | None = None) -> None:
        self.received: list[Received] = []
        self.on_accept = on_accept
        self.transactions = 0  # MAIL commands seen
        self._script: deque[str] = deque()
        self._lock = threading.Lock()

    def then(self, *actions: str) -> None:
        with self._lock:
            self._script.extend(actions)

    def _take(self, wanted: Callable[[str], bool]) -> str | None:
        with self._lock:
            if self._script and wanted(self._script[0]):
                return self._script.popleft()
        return None

    def take_drop(self) -> bool:
        return self._take(lambda a: a == "drop") is not None

    def message_ids(self) -> Counter[str | None]:
        with self._lock:
            return Counter(r.message_id for r in self.received)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # type: ignore[no-untyped-def]
        with self._lock:
            self.transactions += 1
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        action = self._take(lambda a: a[:1] in ("4", "5") or a == "hang-up")
        if action is not None and action != "hang-up":
            text = "Try again later" if action.startswith("4") else "Message refused"
            return f"{action} {action[0]}.7.1 {text}"
        server.hang_up_before_reply = action == "hang-up"
        received = Received(
            mail_from=envelope.mail_from,
            rcpt_tos=tuple(envelope.rcpt_tos),
            content=bytes(envelope.original_content or envelope.content),
            accepted_at=time.time(),
        )
        if self.on_accept is not None:
            self.on_accept(received)
        with self._lock:
            self.received.append(received)
        return f"250 2.0.0 OK queued as {len(self.received)}"


class _ScriptedSMTP(SMTP):
    hang_up_before_reply = False  # accepted, but the 250 never reaches the client

    async def push(self, status: AnyStr) -> None:
        if self.hang_up_before_reply and str(status).startswith("250"):
            self.hang_up_before_reply = False
            assert self.transport is not None
            self.transport.close()
            return
        await super().push(status)

    async def smtp_DATA(self, arg: str) -> None:
        if self.event_handler.take_drop():
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            await self._reader.readuntil(b"\r\n")  # the first line of the mail, then hang up
            assert self.transport is not None
            self.transport.close()
            await self._reader.read()  # returns at the close, before any more is parsed
            return
        await super().smtp_DATA(arg)


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _ScriptedSMTP(self.handler, **self.SMTP_kwargs)


@dataclass
class Sink:
    host: str
    port: int
    handler: RecordingHandler


def _accept_login(user: str, password: str):  # type: ignore[no-untyped-def]
    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False)  # aiosmtpd answers 235 or 535

    return authenticator


@contextmanager
def smtp_sink(
    handler: RecordingHandler | None = None,
    *,
    certificate: tuple[Path, Path] | None = None,
    security: str = "plain",
    login: tuple[str, str] | None = None,
) -> Iterator[Sink]:
    """Start the server, yield where it listens, stop it afterwards."""
    handler = handler or RecordingHandler()
    kwargs: dict[str, Any] = {}
    if security != "plain":
        assert certificate is not None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*certificate)
        if security == "ssl":
            kwargs["ssl_context"] = context
        else:
            kwargs.update(tls_context=context, require_starttls=True)
    if login is not None:
        # aiosmtpd cannot tell implicit TLS from plain text, so there AUTH is offered
        # without "require TLS" (and then cannot be required without a warning).
        starttls = security == "starttls"
        kwargs.update(
            authenticator=_accept_login(*login), auth_required=starttls, auth_require_tls=starttls
        )
    port = free_port()
    controller = _Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10, **kwargs)
    controller.start()
    try:
        yield Sink("127.0.0.1", port, handler)
    finally:
        controller.stop()
