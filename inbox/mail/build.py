"""The bytes of an outgoing mail, built by pure functions from an outbox entry.

Nothing here touches a database or a server: the worker copies the entry's fields
into an `OutgoingMail` and gets back exactly the bytes it will send, so every
attempt (and the copy filed in the Sent folder) is byte-for-byte the same mail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.utils import format_datetime, parseaddr

from inbox.mail import headers

# RFC 5322 3.6.4 lets a long References list be trimmed; keep the thread's root
# and the most recent ids, which is what clients use to place a reply.
MAX_REFERENCES = 20


@dataclass(frozen=True)
class OutgoingMail:
    """One outgoing mail, as plain values (the outbox turns its entries into these)."""

    message_id: str  # with <>, fixed when the entry was queued
    from_addr: str  # "Name <addr>" or a bare address
    to: tuple[str, ...]
    date: dt.datetime
    subject: str = ""
    body_text: str = ""
    body_html: str | None = None
    cc: tuple[str, ...] = ()
    reply_to: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    auto_submitted: bool = False
    # (file name, content type, content): firm documents the reply attaches.
    attachments: tuple[tuple[str, str, bytes], ...] = ()

    @property
    def recipients(self) -> tuple[str, ...]:
        """Envelope recipients: the bare addresses of To and Cc, each once."""
        return tuple(dict.fromkeys(bare_address(a) for a in (*self.to, *self.cc) if a))

    @property
    def sender(self) -> str:
        return bare_address(self.from_addr)


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything this project stores is UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def bare_address(value: str) -> str:
    return parseaddr(value)[1] or value.strip()


def thread_headers(
    original_id: str | None, original_references: Sequence[str], *, synthetic: bool = False
) -> tuple[str | None, tuple[str, ...]]:
    """In-Reply-To and References for a reply, so the client's mail program threads it.

    A synthetic Message-ID (we made it up because the original had none) means
    nothing to the client's program, so it is not referred to.
    """
    references = [r for r in original_references if r]
    parent = original_id if original_id and not synthetic else None
    if parent:
        references.append(parent)
    unique = list(dict.fromkeys(references))
    if len(unique) > MAX_REFERENCES:
        unique = [unique[0], *unique[-(MAX_REFERENCES - 1) :]]
    return parent, tuple(unique)


def html_from_text(text: str) -> str:
    """An HTML part for a mail written as plain text: escaped paragraphs and line breaks."""
    paragraphs = [p.strip("\n") for p in text.replace("\r\n", "\n").split("\n\n")]
    body = "\n".join(
        "<p>" + "<br>\n".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
        if p.strip()
    )
    return f'<!DOCTYPE html>\n<html><body>\n<div dir="auto">\n{body}\n</div>\n</body></html>\n'


def _transfer_encoding(text: str) -> str:
    """7bit when the text allows it; quoted-printable keeps non-ASCII and long lines safe
    for any relay, with or without 8BITMIME."""
    if text.isascii() and all(len(line) <= 998 for line in text.splitlines()):
        return "7bit"
    return "quoted-printable"


def header_lines(mail: OutgoingMail) -> list[tuple[str, str]]:
    """The header fields we write, each (name, folded line): the one place they are set.

    Nothing here parses or decodes a value (see inbox/mail/headers.py for why)."""
    if not mail.to:
        raise ValueError("an outgoing mail needs at least one To address")
    fields: list[tuple[str, str | None]] = [
        ("Date", f"Date: {format_datetime(as_utc(mail.date))}\r\n"),
        ("From", headers.address_header("From", [mail.from_addr])),
        ("To", headers.address_header("To", mail.to)),
        ("Cc", headers.address_header("Cc", mail.cc) if mail.cc else None),
        (
            "Reply-To",
            headers.address_header("Reply-To", [mail.reply_to]) if mail.reply_to else None,
        ),
        ("Subject", headers.text_header("Subject", mail.subject)),
        ("Message-ID", headers.msg_id_header("Message-ID", [mail.message_id])),
        ("In-Reply-To", headers.msg_id_header("In-Reply-To", [mail.in_reply_to or ""])),
        ("References", headers.msg_id_header("References", mail.references)),
    ]
    if mail.auto_submitted:
        # RFC 3834: tells autoresponders (out-of-office, ticket systems) not to answer;
        # the Microsoft header does the same for Exchange.
        fields.append(("Auto-Submitted", "Auto-Submitted: auto-generated\r\n"))
        fields.append(("X-Auto-Response-Suppress", "X-Auto-Response-Suppress: All\r\n"))
    if fields[6][1] is None:
        raise ValueError(f"not a Message-ID: {mail.message_id!r}")
    return [(name, line) for name, line in fields if line is not None]


def _body(mail: OutgoingMail) -> EmailMessage:
    """The MIME body (text and HTML alternatives), with only its own MIME headers."""
    body = headers.clean_body(mail.body_text)
    text = body if body.endswith("\n") else body + "\n"
    message = EmailMessage(policy=policy.SMTP)
    message.set_content(text, subtype="plain", charset="utf-8", cte=_transfer_encoding(text))
    page = headers.clean_body(mail.body_html) if mail.body_html else html_from_text(body)
    # A MIMEPart, not add_alternative(): that would repeat MIME-Version inside the part.
    html_part = MIMEPart(policy=policy.SMTP)
    html_part.set_content(page, subtype="html", charset="utf-8", cte=_transfer_encoding(page))
    message.make_alternative()
    message.attach(html_part)
    boundary = _boundary(mail.message_id, text + page)
    message.set_boundary(boundary)
    if mail.attachments:
        # The text and HTML stay one alternative part (keeping its boundary), the files
        # follow it; the outer boundary is derived too, so the bytes stay the same.
        message.make_mixed()
        for filename, content_type, content in mail.attachments:
            maintype, _, subtype = content_type.partition("/")
            message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
        message.set_boundary(_boundary(f"{mail.message_id}/mixed", text + page + boundary))
    return message


class UnexpectedHeader(ValueError):
    """The generated mail reads back with a header field we did not write: never send it."""


def written_fields(mail: OutgoingMail) -> list[str]:
    """The names of the fields a mail's header block must have, exactly."""
    return [name for name, _ in header_lines(mail)] + [
        "MIME-Version",
        "Content-Type",
    ]


def render(mail: OutgoingMail) -> bytes:
    """The exact bytes sent over SMTP and filed in the Sent folder.

    The last check before the bytes leave this module: read back, the header block has
    exactly the fields written above, or UnexpectedHeader is raised (the outbox holds
    such a mail for a person instead of sending it)."""
    lines = header_lines(mail)
    data = "".join(line for _, line in lines).encode("ascii") + _body(mail).as_bytes()
    wrong = headers.unexpected_fields(data, written_fields(mail))
    if wrong:
        raise UnexpectedHeader(f"the mail would carry header fields we did not write: {wrong}")
    return data


def build_message(mail: OutgoingMail) -> EmailMessage:
    """The outgoing mail parsed back from its bytes (for tests and the Sent copy's reader)."""
    parsed = BytesParser(policy=policy.SMTP).parsebytes(render(mail))
    assert isinstance(parsed, EmailMessage)
    return parsed


def _boundary(message_id: str, content: str) -> str:
    """Derived from the Message-ID, so every rendering of one entry is the same bytes."""
    digest = hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()
    boundary = f"=_ir_{digest[:32]}"
    while boundary in content:  # practically never; keeps the parts separable
        boundary += "_"
    return boundary
