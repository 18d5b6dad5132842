"""Submitting mail over SMTP with aiosmtplib. I/O only.

One `SmtpConnection` is opened per worker pass and reused for its messages. The
DATA phase is split so the caller can act between the message content and the
end-of-data dot: that dot is the moment the server may accept the mail, and the
worker files its Sent copy just before it (see inbox/outgoing/worker.py for why).
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Callable, Sequence

import aiosmtplib

from inbox.imap import MailboxConfigError, run_password_command
from inbox.settings import Settings

_LEADING_DOT = re.compile(rb"(?m)^\.")
_BARE_LINE_END = re.compile(rb"\r\n|\r|\n")


class DeliveryError(Exception):
    """One attempt failed. `permanent`: the server refused the mail itself (5xx), so
    trying again cannot help. `server_down`: the connection or login failed, so other
    mail would fail the same way and the pass should stop."""

    def __init__(self, text: str, *, permanent: bool = False, server_down: bool = False):
        super().__init__(text)
        self.text = text
        self.permanent = permanent
        self.server_down = server_down


def failure(exc: BaseException) -> DeliveryError:
    """Classify an aiosmtplib or network error: 5xx permanent, the rest temporary."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        # A wrong password fails every mail alike; it is fixed by an admin, not by
        # giving up on this one.
        return DeliveryError(f"login refused: {exc.code} {exc.message}", server_down=True)
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refused = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
        permanent = all(500 <= r.code < 600 for r in exc.recipients)
        return DeliveryError(f"recipients refused: {refused}", permanent=permanent)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        where = ""
        if isinstance(exc, aiosmtplib.SMTPRecipientRefused):
            where = f" for {exc.recipient}"
        elif isinstance(exc, aiosmtplib.SMTPSenderRefused):
            where = f" for sender {exc.sender}"
        text = f"{exc.code} {exc.message}{where}"
        if isinstance(exc, aiosmtplib.SMTPConnectResponseError):
            return DeliveryError(f"server refused the connection: {text}", server_down=True)
        return DeliveryError(text, permanent=500 <= exc.code < 600)
    if isinstance(exc, aiosmtplib.SMTPConnectError | aiosmtplib.SMTPNotSupported):
        return DeliveryError(f"cannot connect: {exc}", server_down=True)
    if isinstance(exc, ssl.SSLError | MailboxConfigError):
        return DeliveryError(f"cannot connect: {exc}", server_down=True)
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected):
        return DeliveryError(f"connection lost: {exc}")
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return DeliveryError(f"timed out: {exc or 'no answer'}")
    if isinstance(exc, OSError):
        return DeliveryError(f"network error: {exc}")
    return DeliveryError(f"{type(exc).__name__}: {exc}")


def dot_stuffed(content: bytes) -> bytes:
    """RFC 5321 4.5.2: CRLF line ends, a leading dot doubled, ending with CRLF."""
    content = _BARE_LINE_END.sub(b"\r\n", content)
    if not content.endswith(b"\r\n"):
        content += b"\r\n"
    return _LEADING_DOT.sub(b"..", content)


class SmtpConnection:
    """One SMTP session, secured and logged in as the settings say, for several mails."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: aiosmtplib.SMTP | None = None

    @property
    def connected(self) -> bool:
        return self._smtp is not None and self._smtp.is_connected

    async def open(self) -> None:
        s = self.settings
        smtp = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            timeout=s.smtp_timeout,
            use_tls=s.smtp_security == "ssl",
            start_tls=s.smtp_security == "starttls",
            tls_context=ssl.create_default_context() if s.smtp_security != "plain" else None,
        )
        try:
            await smtp.connect()
            if s.smtp_user:
                await smtp.login(s.smtp_user, self._password())
        except BaseException:
            _drop(smtp)
            raise
        self._smtp = smtp

    def _password(self) -> str:
        if self.settings.smtp_password_command:
            return run_password_command(self.settings.smtp_password_command)
        if self.settings.smtp_password is None:
            raise MailboxConfigError(
                "INBOX_ROUTER_SMTP_USER is set but neither INBOX_ROUTER_SMTP_PASSWORD "
                "nor INBOX_ROUTER_SMTP_PASSWORD_COMMAND"
            )
        return self.settings.smtp_password

    async def send(
        self,
        sender: str,
        recipients: Sequence[str],
        content: bytes,
        before_end: Callable[[], None] | None = None,
        after_end: Callable[[], None] | None = None,
        *,
        on_data: Callable[[], None] | None = None,
    ) -> str:
        """Submit one mail; return the server's acceptance text or raise DeliveryError.

        Every recipient must be accepted or nothing is sent, so a retry never
        reaches anyone twice. `on_data` runs once the server has accepted DATA, before
        the content is written. `before_end` runs after the content and before the
        end-of-data dot; if it raises, the dot is never sent and the server drops
        the mail with the connection. `after_end` runs once the dot is written,
        before the server's reply is read. All are plain functions on purpose:
        yielding to the event loop between a write and `read_response` would let
        aiosmtplib discard the reply as unsolicited.
        """
        smtp = await self._start(sender)
        in_data = False
        try:
            for recipient in recipients:
                await smtp.rcpt(recipient)
            reply = await smtp.execute_command(b"DATA")
            if reply.code != 354:
                raise aiosmtplib.SMTPDataError(reply.code, reply.message)
            in_data = True
            if on_data is not None:
                on_data()
            protocol = smtp.protocol
            assert protocol is not None
            protocol.write(dot_stuffed(content))
            if before_end is not None:
                before_end()
            protocol.write(b".\r\n")
            if after_end is not None:
                after_end()
            reply = await protocol.read_response(timeout=self.settings.smtp_timeout)
            in_data = False
            if reply.code != 250:
                raise aiosmtplib.SMTPDataError(reply.code, reply.message)
            return f"{reply.code} {reply.message}"
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self._after_failure(in_data)
            raise failure(exc) from exc
        except BaseException:
            self.abort()
            raise

    async def _start(self, sender: str) -> aiosmtplib.SMTP:
        """MAIL FROM on a live session. A reused session the server has meanwhile
        closed (idle timeout) is reopened rather than counted as a failure; a session
        that cannot be opened means the server is down for every mail."""
        if self._smtp is not None and self.connected:
            try:
                await self._smtp.mail(sender)
                return self._smtp
            except aiosmtplib.SMTPServerDisconnected:
                self.abort()
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                await self._after_failure(in_data=False)
                raise failure(exc) from exc
        try:
            await self.open()
        except (aiosmtplib.SMTPException, OSError, TimeoutError, MailboxConfigError) as exc:
            raise DeliveryError(failure(exc).text, server_down=True) from exc
        assert self._smtp is not None
        try:
            await self._smtp.mail(sender)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self._after_failure(in_data=False)
            raise failure(exc) from exc
        return self._smtp

    async def _after_failure(self, in_data: bool) -> None:
        """Reset the session for the next mail, or drop it when that is impossible."""
        if in_data or not self.connected:
            self.abort()  # mid-DATA nothing but closing stops the server's transaction
            return
        try:
            await self._smtp.rset()  # type: ignore[union-attr]
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            self.abort()

    def abort(self) -> None:
        """Close at once, without QUIT: an unfinished transaction is dropped by the server."""
        if self._smtp is not None:
            _drop(self._smtp)
            self._smtp = None

    async def close(self) -> None:
        if self._smtp is None:
            return
        try:
            if self._smtp.is_connected:
                await asyncio.wait_for(self._smtp.quit(), self.settings.smtp_timeout)
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            pass  # the server went first; closing our end is all that is left
        finally:
            self.abort()


def _drop(smtp: aiosmtplib.SMTP) -> None:
    """Close the connection now. A TLS transport's plain close() waits on the loop for
    the peer's close_notify; if the loop ends first the socket is left open."""
    if smtp.transport is not None:
        smtp.transport.abort()
    smtp.close()
