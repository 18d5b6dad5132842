"""Raw mail bytes -> ParsedMessage. Pure: no I/O, no database, no clock.

Built on the standard library's compat32 parser, which is tolerant of broken mail
and about twice as fast as `policy.default`; header decoding, charsets, body choice,
attachments and screening are done here so that no input makes us raise anything
but `MalformedMessage`.
"""

from __future__ import annotations

import datetime as dt
import email
import email.header
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from email.message import Message as MimePart
from email.policy import compat32
from pathlib import Path

from inbox.mail.charsets import decode_bytes, repair_surrogates
from inbox.mail.html_text import html_to_text, limit_nesting, sanitize_for_display
from inbox.mail.quoting import split_new_text
from inbox.mail.screening import Screening, screen

MAX_DEPTH = 40  # nested multiparts deeper than this are kept as raw attachments
SYNTHETIC_DOMAIN = "inbox-router.invalid"
_KNOWN_HEADERS = frozenset(
    [
        "from",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "received",
        "mime-version",
        "content-type",
        "return-path",
        "delivered-to",
        "sender",
        "reply-to",
        "in-reply-to",
        "references",
        "x-mailer",
    ]
)
_MSGID = re.compile(r"<([^<>\s]+)>")
_WS = re.compile(r"\s+")
_HEADER_LINE = re.compile(rb"[\x21-\x39\x3b-\x7e]+[ \t]*:")
# RFC 5322 obsolete syntax allows blanks before the colon ("Subject : hi").
_OBS_HEADER_NAME = re.compile(rb"^([\x21-\x39\x3b-\x7e]+)[ \t]+:", re.MULTILINE)
_BOM = b"\xef\xbb\xbf"


class MalformedMessage(ValueError):
    """The bytes are not an e-mail message we can read; the text says why."""


@dataclass(frozen=True)
class Address:
    name: str
    addr: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "addr": self.addr}


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes
    content_id: str | None = None
    inline: bool = False

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str  # always set: real, or synthetic from the content
    message_id_synthetic: bool
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    sender: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    date: dt.datetime | None
    headers: tuple[tuple[str, str], ...]
    text: str
    html: str | None  # sanitized, nesting bounded, remote images out: served as it is
    new_text: str
    attachments: tuple[ParsedAttachment, ...]
    screening: Screening
    content_sha256: str
    size: int
    defects: tuple[str, ...] = field(default=())
    html_remote_images: int = 0  # taken out of `html` (the page says how many)

    @property
    def sender_addr(self) -> str:
        return self.sender.addr if self.sender else ""

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse one message. Raises only MalformedMessage (no headers, empty input)."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise MalformedMessage(f"expected bytes, got {type(raw).__name__}")
    raw = bytes(raw)
    content_sha256 = hashlib.sha256(raw).hexdigest()
    size = len(raw)
    raw = _normalize_header_block(raw)
    body_start = _skip_leading_blank_lines(raw)
    if body_start >= len(raw):
        raise MalformedMessage("empty message")
    if not _HEADER_LINE.match(raw, body_start) and not raw.startswith(b"From ", body_start):
        raise MalformedMessage("no header fields at the start of the message")
    defects: list[str] = []
    try:
        msg = email.message_from_bytes(raw[body_start:], policy=compat32)
    except Exception as exc:  # the stdlib parser is tolerant, but be certain
        raise MalformedMessage(f"unparseable MIME structure: {exc}") from exc

    raw_items = list(msg.raw_items())
    headers = tuple(
        (repair_surrogates(str(name)), decode_header_value(value)) for name, value in raw_items
    )
    by_name: dict[str, list[str]] = {}
    for name, value in headers:
        by_name.setdefault(name.lower(), []).append(value)
    if not _KNOWN_HEADERS.intersection(by_name):
        raise MalformedMessage("no recognisable header fields (From, To, Subject, Date ...)")

    raw_values = {name.lower(): str(value) for name, value in reversed(raw_items)}
    subject = _first(by_name, "subject")
    sender = _first_address(raw_values.get("from", "")) or _first_address(
        raw_values.get("sender", "")
    )
    message_id = _first_msgid(_first(by_name, "message-id"))
    synthetic = message_id is None
    if message_id is None:
        message_id = f"<{content_sha256[:40]}@{SYNTHETIC_DOMAIN}>"

    walker = _BodyWalker(defects)
    walker.walk(msg, 0)
    text = "\n\n".join(t for t in walker.plain if t.strip())
    html_source = limit_nesting(walker.html[0]) if walker.html else None
    html, remote_images = (
        sanitize_for_display(html_source) if html_source is not None else (None, 0)
    )
    if not text.strip() and html_source is not None:
        text = html_to_text(html_source)
    text = text.replace("\r\n", "\n").replace("\r", "\n")

    content_type = msg.get_content_type()
    report_type = (msg.get_param("report-type") or "") if content_type == "multipart/report" else ""
    screening = screen(
        by_name, sender.addr if sender else "", content_type, str(report_type).lower(), subject
    )
    defects.extend(type(d).__name__ for d in getattr(msg, "defects", ()))

    return ParsedMessage(
        message_id=message_id,
        message_id_synthetic=synthetic,
        in_reply_to=_first_msgid(_first(by_name, "in-reply-to")),
        references=tuple(f"<{m}>" for m in _MSGID.findall(_first(by_name, "references"))),
        subject=subject,
        sender=sender,
        to=_addresses(raw_values.get("to", "")),
        cc=_addresses(raw_values.get("cc", "")),
        reply_to=_addresses(raw_values.get("reply-to", "")),
        date=_parse_date(_first(by_name, "date"), defects),
        headers=headers,
        text=text,
        html=html,
        html_remote_images=remote_images,
        new_text=split_new_text(text),
        attachments=tuple(walker.attachments),
        screening=screening,
        content_sha256=content_sha256,
        size=size,
        defects=tuple(dict.fromkeys(defects)),
    )


def parse_file(path: Path) -> tuple[ParsedMessage, None] | tuple[None, str]:
    """Read and parse one .eml file: (ParsedMessage, None) or (None, reason)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    try:
        return parse_message(raw), None
    except MalformedMessage as exc:
        return None, f"malformed: {exc}"


def decode_header_value(value: object) -> str:
    """RFC 2047 encoded-words and raw 8-bit bytes decoded; folding removed."""
    if isinstance(value, email.header.Header):
        value = str(value)
    text = repair_surrogates(str(value))
    text = _WS.sub(" ", text).strip()
    if "=?" not in text:
        return text
    try:
        chunks = email.header.decode_header(text)
    except Exception:  # malformed encoded-words: show them as they are
        return text
    out: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset or "ascii"))
        else:
            out.append(chunk)
    return _WS.sub(" ", "".join(out)).strip()


def _normalize_header_block(raw: bytes) -> bytes:
    """Drop a byte-order mark and blanks before header colons, in the header block only."""
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    end = raw.find(b"\n\n")
    crlf_end = raw.find(b"\r\n\r\n")
    if end < 0 or (0 <= crlf_end < end):
        end = crlf_end
    head, tail = (raw, b"") if end < 0 else (raw[:end], raw[end:])
    if not _OBS_HEADER_NAME.search(head):
        return raw
    return _OBS_HEADER_NAME.sub(rb"\1:", head) + tail


def _skip_leading_blank_lines(raw: bytes) -> int:
    """Some real files start with a line of spaces; headers begin after it."""
    i = 0
    while i < len(raw):
        end = raw.find(b"\n", i)
        line = raw[i : len(raw) if end < 0 else end]
        if line.strip(b" \t\r"):
            return i
        if end < 0:
            return len(raw)
        i = end + 1
    return i


def _first(by_name: dict[str, list[str]], name: str) -> str:
    values = by_name.get(name)
    return values[0] if values else ""


def _first_msgid(value: str) -> str | None:
    match = _MSGID.search(value)
    if match:
        return f"<{match.group(1)}>"
    token = value.strip().split(" ")[0] if value.strip() else ""
    return f"<{token.strip('<>')}>" if token.strip("<>") else None


def _addresses(raw_value: str) -> tuple[Address, ...]:
    if not raw_value:
        return ()
    unfolded = repair_surrogates(raw_value).replace("\r", " ").replace("\n", " ")
    try:
        pairs = email.utils.getaddresses([unfolded])
    except Exception:
        return ()
    result = []
    for name, addr in pairs:
        addr = addr.strip().strip("<>").lower()
        if not addr or "@" not in addr:
            continue
        result.append(Address(name=decode_header_value(name).strip('"'), addr=addr))
    return tuple(result)


def _first_address(raw_value: str) -> Address | None:
    found = _addresses(raw_value)
    return found[0] if found else None


def _parse_date(value: str, defects: list[str]) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        defects.append(f"unreadable Date: {value[:80]}")
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    try:
        return parsed.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        defects.append(f"Date out of range: {value[:80]}")
        return None


class _BodyWalker:
    """Collects text/plain and text/html bodies and every attachment, depth-first."""

    def __init__(self, defects: list[str]) -> None:
        self.defects = defects
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[ParsedAttachment] = []

    def walk(self, part: MimePart, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.defects.append("MIME nesting too deep; kept as raw attachment")
            self._attach(part, "application/octet-stream", _as_bytes(part))
            return
        ctype = part.get_content_type()
        if ctype == "message/rfc822" or (
            part.get_content_maintype() == "message" and part.is_multipart()
        ):
            self._attach(part, "message/rfc822", _as_bytes(_inner_message(part)))
            return
        if part.is_multipart():
            payload = part.get_payload()
            children = payload if isinstance(payload, list) else []
            if ctype == "multipart/alternative":
                children = _prefer_plain(children)
            for child in children:
                if isinstance(child, MimePart):
                    self.walk(child, depth + 1)
            return
        self._leaf(part, ctype)

    def _leaf(self, part: MimePart, ctype: str) -> None:
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part)
        is_body = disposition != "attachment" and not filename
        if is_body and ctype in ("text/plain", "text/html"):
            text = decode_bytes(_payload_bytes(part, self.defects), _charset(part))
            (self.plain if ctype == "text/plain" else self.html).append(text)
            return
        # text/enriched, text/rfc822-headers, unknown text/*: the body when nothing better
        readable = ctype not in ("text/calendar", "text/x-vcard", "text/vcard")
        if is_body and readable and part.get_content_maintype() == "text" and not self.plain:
            text = decode_bytes(_payload_bytes(part, self.defects), _charset(part))
            self.plain.append(text)
            return
        self._attach(part, ctype, _payload_bytes(part, self.defects))

    def _attach(self, part: MimePart, ctype: str, content: bytes) -> None:
        content_id = part.get("Content-ID")
        self.attachments.append(
            ParsedAttachment(
                filename=_filename(part) or _default_name(part, ctype),
                content_type=ctype,
                content=content,
                content_id=decode_header_value(content_id).strip("<>") if content_id else None,
                inline=(part.get_content_disposition() or "") == "inline",
            )
        )


def _prefer_plain(children: list[object]) -> list[object]:
    """In multipart/alternative keep the plain and the HTML versions, nothing twice."""
    chosen: list[object] = []
    seen: set[str] = set()
    for child in children:
        if not isinstance(child, MimePart):
            continue
        ctype = child.get_content_type()
        if ctype in ("text/plain", "text/html"):
            if ctype in seen:
                continue
            seen.add(ctype)
        chosen.append(child)
    return chosen


def _charset(part: MimePart) -> str | None:
    try:
        charset = part.get_param("charset")
    except Exception:
        return None
    if isinstance(charset, tuple):  # RFC 2231 form
        charset = charset[2]
    return str(charset) if charset else None


def _payload_bytes(part: MimePart, defects: list[str]) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:
        defects.append(f"payload not decodable: {exc}")
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def _inner_message(part: MimePart) -> MimePart:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], MimePart):
        return payload[0]
    return part


def _as_bytes(part: MimePart) -> bytes:
    try:
        return part.as_bytes()
    except Exception:
        try:
            return part.as_string().encode("utf-8", "surrogateescape")
        except Exception:
            return b""


def _filename(part: MimePart) -> str:
    try:
        name = part.get_filename() or part.get_param("name")
    except Exception:
        return ""
    if isinstance(name, tuple):  # an RFC 2231 value the stdlib left undecoded
        name = email.utils.collapse_rfc2231_value(name)
    return decode_header_value(name) if name else ""


def _default_name(part: MimePart, ctype: str) -> str:
    if ctype == "message/rfc822":
        inner = _inner_message(part)
        subject = decode_header_value(inner.get("Subject", "")) if inner is not part else ""
        return (subject or "forwarded message")[:120] + ".eml"
    return "attachment"
