"""Size limits checked on the raw bytes before a message is parsed.

Parsing, sanitizing and showing a message cost time and memory that grow with its
size (and faster than its size for some inputs): a 50 MB mail, a 10 MB subject or
200,000 encoded words in one header would stall ingest and every page that shows
them. Such mail is not dropped: the runner keeps its raw bytes and quarantines it
with the reason this module gives. Pure: bytes in, a reason or None out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Fields the product reads one value from and stores or shows (RFC 5322 allows 998
# bytes a line; these are limited after unfolding, so folding cannot get around it).
SINGLE_VALUE_FIELDS = frozenset(
    [b"subject", b"from", b"sender", b"reply-to", b"message-id", b"in-reply-to", b"date"]
)
_HEADER_END = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True)
class MailLimits:
    """The defaults are Settings' defaults (inbox/settings.py); 0 turns a limit off."""

    max_message_bytes: int = 25 * 1024 * 1024
    max_header_line_bytes: int = 998
    max_header_block_bytes: int = 256 * 1024


def over_limit(raw: bytes, limits: MailLimits) -> str | None:
    """Why this message is too large to process, or None when it is within the limits."""
    if limits.max_message_bytes and len(raw) > limits.max_message_bytes:
        return (
            f"message of {len(raw):,} bytes is over the limit of "
            f"{limits.max_message_bytes:,} bytes (INBOX_ROUTER_MAX_MESSAGE_BYTES)"
        )
    block_limit = limits.max_header_block_bytes or len(raw)
    end = _HEADER_END.search(raw, 0, block_limit + 4)
    head = raw[: end.start()] if end else raw[: block_limit + 1]
    long_field = _long_field(head, limits.max_header_line_bytes)
    if long_field is not None:
        return long_field
    if limits.max_header_block_bytes and len(head) > limits.max_header_block_bytes:
        return (
            f"header block over the limit of {limits.max_header_block_bytes:,} bytes "
            "(INBOX_ROUTER_MAX_HEADER_BLOCK_BYTES)"
        )
    return None


def _long_field(head: bytes, limit: int) -> str | None:
    """The first single-value field longer than `limit` bytes once unfolded."""
    if not limit:
        return None
    name, length = b"", 0
    for line in head.split(b"\n"):
        line = line.rstrip(b"\r")
        if line[:1] in (b" ", b"\t") and name:
            length += len(line)
        else:
            name = line.split(b":", 1)[0].strip().lower()
            length = len(line)
        if name in SINGLE_VALUE_FIELDS and length > limit:
            shown = name.decode("ascii", "replace").title()
            return (
                f"{shown} header over the limit of {limit:,} bytes after unfolding "
                "(INBOX_ROUTER_MAX_HEADER_LINE_BYTES)"
            )
    return None
