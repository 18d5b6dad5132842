"""Header lines of outgoing mail, written here and nowhere else.

Every value that reaches a header (a client's decoded subject, a person's name, a
Message-ID from someone else's mail) is hostile text. The email package's header
classes parse the values they are given as if they were raw headers, so a subject
that *decodes* to an encoded word (`=?utf-8?q?x=0D=0AReply-To:...?=`) is decoded a
second time and, on some CPython versions, generated with a real CR/LF: a new
header. Here a value is never parsed or decoded, only cleaned and encoded:
- `clean_text` turns every control character (CR, LF, NUL, Unicode line breaks...)
  into a space, so no input can start a line;
- text that is not plain ASCII words, or that holds `=?`, is written as RFC 2047
  encoded words, so what the recipient sees is exactly the text, decoded once;
- Message-IDs are written as msg-ids (never encoded), folded between ids;
- `unexpected_fields` reads the finished bytes back and names any field we did not
  write: the last check before a mail is queued or sent.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Iterable, Sequence
from email import policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses

LINE = 78  # RFC 5322 2.1.1: lines SHOULD be at most 78 characters
HARD_LINE = 998  # ... and MUST be at most 998
_ENCODED_OVERHEAD = len("=?utf-8?b??=")
_MAX_ENCODED_WORD = 75  # RFC 2047 2
_ADDR_SPEC = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?"
)
_MSG_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]+>")  # printable ASCII but < and >
_PLAIN_WORD = re.compile(r"[\x21-\x7e]{1,70}")
_SPECIALS = set('()<>[]:;@\\,."')


class HeaderError(ValueError):
    """A header value that cannot be written safely (a malformed address)."""


def clean_text(value: str) -> str:
    """One line of text: controls and line breaks become spaces, runs of space one."""
    chars = []
    for ch in value:
        category = unicodedata.category(ch)
        if category in ("Cc", "Zl", "Zp") or ch.isspace():
            chars.append(" ")
        elif category == "Cs":  # a lone surrogate cannot be encoded
            chars.append("\ufffd")
        else:
            chars.append(ch)
    return " ".join("".join(chars).split())


def clean_body(value: str) -> str:
    """Body text: line ends become LF; other controls (NUL, lone CR...) are removed."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        ch
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
        else ("\ufffd" if unicodedata.category(ch) == "Cs" else "")
        for ch in text
    )


def _needs_encoding(text: str) -> bool:
    return "=?" in text or not all(_PLAIN_WORD.fullmatch(word) for word in text.split(" "))


def _encoded_words(text: str, first_room: int) -> list[str]:
    """Base64 encoded words of whole characters; the first fits in `first_room`."""
    words: list[str] = []
    chunk = b""
    room = first_room
    for ch in text:
        piece = ch.encode("utf-8")
        if chunk and len(base64.b64encode(chunk + piece)) + _ENCODED_OVERHEAD > room:
            words.append(_encoded_word(chunk))
            chunk, room = b"", _MAX_ENCODED_WORD
        chunk += piece
    if chunk:
        words.append(_encoded_word(chunk))
    return words


def _encoded_word(data: bytes) -> str:
    return f"=?utf-8?b?{base64.b64encode(data).decode('ascii')}?="


def _words(text: str, first_room: int) -> list[str]:
    """The tokens of a phrase or unstructured text; folding may break between them."""
    if not text:
        return []
    if _needs_encoding(text):
        return _encoded_words(text, max(first_room, 24))
    return text.split(" ")


def fold(name: str, tokens: Sequence[str]) -> str:
    """`Name: tok tok ...` with CRLF SP between tokens where a line would pass 78."""
    lines = [f"{name}:"]
    for token in tokens:
        if len(lines[-1]) + 1 + len(token) > LINE and lines[-1] != f"{name}:":
            lines.append("")
        lines[-1] += " " + token
    if any(len(line) > HARD_LINE for line in lines):
        raise HeaderError(f"{name}: a value too long for one line of mail")
    return "\r\n".join(lines) + "\r\n"


def text_header(name: str, value: str) -> str:
    """An unstructured header (Subject): the cleaned text, encoded when needed."""
    text = clean_text(value)
    return fold(name, _words(text, LINE - len(name) - 2))


def parse_mailbox(value: str) -> tuple[str, str]:
    """(display name, address) from `Name <addr>`, `"Name" <addr>` or `addr`; never decodes."""
    pairs = getaddresses([clean_text(value)])
    if len(pairs) != 1 or not _ADDR_SPEC.fullmatch(pairs[0][1]):
        raise HeaderError(f"not one e-mail address: {clean_text(value)[:200]!r}")
    return clean_text(pairs[0][0]), pairs[0][1]


def mailbox(name: str, address: str) -> str:
    """The stored form of one address with its name (`Name <addr>`, quoted when it needs
    to be), never RFC 2047-encoded, so that writing it later cannot decode anything."""
    name = clean_text(name)
    if not name:
        return address
    if name.isascii() and not set(name) & _SPECIALS:
        return f"{name} <{address}>"
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + f'" <{address}>'


def _mailbox_tokens(value: str, room: int) -> list[str]:
    name, address = parse_mailbox(value)
    if not name:
        return [address]
    if _needs_encoding(name):
        return [*_encoded_words(name, max(room, 24)), f"<{address}>"]
    if set(name) & _SPECIALS:
        quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return [*quoted.split(" "), f"<{address}>"]
    return [*name.split(" "), f"<{address}>"]


def address_header(name: str, values: Iterable[str]) -> str:
    """From, To, Cc, Reply-To: each address checked, names encoded, folded between words."""
    tokens: list[str] = []
    items = list(values)
    for index, value in enumerate(items):
        part = _mailbox_tokens(value, LINE - len(name) - 2)
        if index < len(items) - 1:
            part[-1] += ","
        tokens.extend(part)
    if not tokens:
        raise HeaderError(f"{name}: no address")
    return fold(name, tokens)


def valid_msg_id(value: str | None) -> str | None:
    """The msg-id itself (`<left@right>`), or None for anything else."""
    if not value:
        return None
    value = value.strip()
    return value if _MSG_ID.fullmatch(value) and len(value) < HARD_LINE - 20 else None


def msg_id_header(name: str, ids: Iterable[str]) -> str | None:
    """Message-ID, In-Reply-To, References: msg-ids as they are, one token each
    (RFC 5322 3.6.4: never encoded); ids that are not msg-ids are left out."""
    tokens = [found for found in (valid_msg_id(i) for i in ids) if found]
    return fold(name, tokens) if tokens else None


def field_names(data: bytes) -> list[str]:
    """The names of the header fields of a generated mail, in order, as a reader sees them."""
    parsed = BytesHeaderParser(policy=policy.compat32).parsebytes(data)
    return [key.lower() for key in parsed]


def unexpected_fields(data: bytes, written: Sequence[str]) -> list[str]:
    """Fields in the header block of `data` that are not exactly the ones we wrote."""
    expected = [name.lower() for name in written]
    found = field_names(data)
    extra = [name for name in found if name not in expected]
    missing = [name for name in expected if name not in found]
    repeated = sorted({name for name in found if found.count(name) > 1})
    return extra + [f"(missing) {m}" for m in missing] + [f"(twice) {r}" for r in repeated]
