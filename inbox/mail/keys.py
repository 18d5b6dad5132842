"""The keys that say two mails are one: by Message-ID, by content, by raw bytes."""

from __future__ import annotations

import hashlib
import re

from inbox.mail.parse import ParsedMessage


def message_id_hash(message_id: str) -> str:
    return hashlib.sha256(message_id.strip().encode("utf-8", "replace")).hexdigest()


def key_for_raw(raw: bytes) -> str:
    """For mail we cannot parse: the bytes, with line endings made uniform."""
    return "raw:" + hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest()


# Headers that differ between copies of one mail (added in transit or by a store).
_TRANSPORT_HEADER = re.compile(
    rb"^(received|return-path|delivered-to|x-[\w-]*|dkim-signature|arc-[\w-]+|"
    rb"authentication-results|envelope-to|status|content-length|lines)\s*:",
    re.IGNORECASE,
)


def dedupe_key(parsed: ParsedMessage, raw: bytes) -> str:
    """The same mail, whatever path it took to us: Message-ID plus content.

    Copies of one mail differ only in transport headers and line endings, so those are
    left out. The Message-ID alone is not enough: some mailers reuse one for every
    mail, and keying on it would silently drop a client's second message.
    """
    digest = hashlib.sha256()
    digest.update(("" if parsed.message_id_synthetic else parsed.message_id).encode())
    digest.update(b"\0")
    text = raw.replace(b"\r\n", b"\n")
    head, sep, body = text.partition(b"\n\n")
    kept: list[bytes] = []
    skipping = False
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)
            continue
        skipping = bool(_TRANSPORT_HEADER.match(line))
        if not skipping:
            kept.append(line)
    digest.update(b"\n".join(kept) + sep + body.rstrip())
    return "fp:" + digest.hexdigest()
