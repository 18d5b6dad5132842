"""The text of a reply a person wrote: their words, their signature, the original quoted.

Pure, so the preview on the page and the mail the outbox sends are one function's
output. The HTML part is never written by anyone: it is made from this text
(inbox/mail/build.py html_from_text), escaped.
"""

from __future__ import annotations

import datetime as dt

SIGNATURE_SEPARATOR = "-- "  # RFC 3676: mail programs recognise (and may fold) what follows
MAX_QUOTED_LINES = 400


def quote_original(sender: str, when: dt.datetime | None, text: str) -> str:
    """The original below a reply, as mail programs write it: an attribution line, then
    each line after "> " (at most MAX_QUOTED_LINES of them)."""
    stamp = f"On {when:%a, %d %b %Y at %H:%M}, " if when is not None else ""
    lines = text.replace("\r\n", "\n").strip("\n").split("\n")
    if len(lines) > MAX_QUOTED_LINES:
        lines = [*lines[:MAX_QUOTED_LINES], "[...]"]
    quoted = "\n".join(">" if not line.strip() else f"> {line}" for line in lines)
    return f"{stamp}{sender} wrote:\n{quoted}\n"


def reply_text(body: str, signature: str = "", quote: str = "") -> str:
    """The whole text sent: the person's words, their signature under the separator
    (unless they already typed it), then the quoted original."""
    text = body.replace("\r\n", "\n").rstrip() + "\n"
    signature = signature.replace("\r\n", "\n").strip("\n")
    if signature.strip() and signature.strip() not in text[-(len(signature) + 200) :]:
        text += f"\n{SIGNATURE_SEPARATOR}\n{signature.rstrip()}\n"
    if quote.strip():
        text += f"\n{quote.rstrip()}\n"
    return text
