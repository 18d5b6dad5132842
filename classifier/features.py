"""Text cleanup before the model: what the classifier reads, and only that.

Numbers, amounts, dates, addresses and matter numbers are replaced by placeholder
tokens: the model should learn that a message mentions an invoice number, not
which one. Screening flags become tokens so the linear model can weigh them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inbox.mail.parse import ParsedMessage
from inbox.models import Message

# One pass over the text; at each position the first alternative that matches wins,
# in this order (a URL is not read as an e-mail, an invoice number not as a matter).
_PLACEHOLDERS = re.compile(
    r"(?P<url>https?://\S+|www\.\S+)"
    r"|(?P<email>\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b)"
    r"|(?P<invoicenum>\b[A-Z]{1,6}-INV-\d+\b)"
    r"|(?P<matternum>\b[A-Z]{1,6}-\d{4}-\d{2,6}\b)"
    r"|(?P<money>[$€£]\s?\d[\d,.]*|\b\d[\d,.]*\s?(?:usd|eur|dollars?|euros?)\b)"
    r"|(?P<date>\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b)"
    r"|(?P<num>\b\d+\b)",
    re.IGNORECASE,
)
# Every placeholder contains one of these, with no whitespace before it in the match
# (url "://" or "www.", email "@", the rest a digit or currency sign). So no match
# starts before the whitespace-separated word holding the next trigger, and the
# pattern only needs to run from there: the same result as one sub over the text.
# One search finds the leftmost of either kind of trigger: a trigger character, or a
# "w" that opens "www." (written so, one class then a check, rather than as two
# alternatives, the search runs twice as fast).
_TRIGGER = re.compile(r"[\d@$€£:wW](?:(?<![wW])|(?=[wW]{2}\.))")
_NON_SPACE = re.compile(r"\S*")  # the rest of a word
MAX_CHARS = 2000  # long mail: the question is almost always near the top
_LONG_WORD = re.compile(r"[^\W\d_]{2,}")


def _placeholder(match: re.Match[str]) -> str:
    return f" {match.lastgroup}token "


def _next_word_with_trigger(text: str, pos: int) -> tuple[int, int]:
    """Start and end of the word (at or after pos) holding the next trigger; (-1, -1)
    when no trigger is left."""
    found = _TRIGGER.search(text, pos)
    if found is None:
        return -1, -1
    start = found.start()
    while start > pos and not text[start - 1].isspace():  # str.isspace is re's \s
        start -= 1
    return start, _NON_SPACE.match(text, found.start()).end()  # type: ignore[union-attr]


def _next_placeholder(text: str, pos: int) -> re.Match[str] | None:
    """`_PLACEHOLDERS.search(text, pos)`, tried only where a match can start: in a word
    holding a trigger. A search from the word would scan on, position by position,
    through all the text after a word that holds a trigger but no placeholder ("re:",
    "hi anna:"): most of the cleanup's time."""
    while (span := _next_word_with_trigger(text, pos))[0] >= 0:
        start, end = span
        for at in range(start, end):
            match = _PLACEHOLDERS.match(text, at)
            if match is not None:
                return match
        pos = end
    return None


def clean_text(text: str) -> str:
    """_PLACEHOLDERS.sub over the text, spaces collapsed, lower case."""
    text = text[:MAX_CHARS]
    parts: list[str] = []
    pos = 0
    while (match := _next_placeholder(text, pos)) is not None:
        parts += (text[pos : match.start()], _placeholder(match))
        pos = match.end()
    parts.append(text[pos:])
    return " ".join("".join(parts).split()).lower()


_REPLY_PREFIX = re.compile(r"^\s*((re|aw|antw|sv|r|rv|wg|fwd?|tr)\s*(\[\d+\])?\s*:\s*)+", re.I)
_ENOUGH_WORDS = 8


def model_text(subject: str, new_text: str, flags: tuple[str, ...] = ()) -> str:
    """The single string the pipeline vectorizes: flags, subject, new text.

    A reply's subject belongs to the thread's history ("Re: Invoice 1043"), not to
    what the sender asks now (DESIGN.md: quoted history does not count). When the
    new text says enough on its own, the subject's words become features of their
    own ("rsinvoice"), so the model can learn how little they say about the ask.
    """
    flag_tokens = " ".join(f"flag{f}" for f in flags)
    is_reply = bool(_REPLY_PREFIX.match(subject))
    subject = clean_text(_REPLY_PREFIX.sub("", subject))
    if is_reply and len(new_text.split()) >= _ENOUGH_WORDS:
        subject = " ".join(f"rs{word}" for word in subject.split())
    return f"{flag_tokens} subj {subject} body {clean_text(new_text)}".strip()


@dataclass(frozen=True)
class ModelInput:
    """What the classifier reads of a message, whether parsed now or stored earlier."""

    subject: str
    new_text: str
    auto_submitted: bool = False
    bulk: bool = False
    bounce: bool = False
    has_attachment: bool = False

    @property
    def machine_written(self) -> bool:
        return self.auto_submitted or self.bulk or self.bounce

    @property
    def flags(self) -> tuple[str, ...]:
        named = (
            ("auto", self.auto_submitted),
            ("bulk", self.bulk),
            ("bounce", self.bounce),
            ("attachment", self.has_attachment),
        )
        return tuple(name for name, on in named if on)

    @classmethod
    def from_parsed(cls, parsed: ParsedMessage) -> ModelInput:
        s = parsed.screening
        return cls(
            parsed.subject,
            parsed.new_text,
            s.auto_submitted,
            s.bulk,
            s.bounce,
            bool(parsed.attachments),
        )

    @classmethod
    def from_message(cls, message: Message) -> ModelInput:
        return cls(
            message.subject,
            message.new_text,
            message.is_auto_submitted,
            message.is_bulk,
            message.is_bounce,
            bool(message.attachments),
        )

    def text(self) -> str:
        return model_text(self.subject, self.new_text, self.flags)

    def new_words(self) -> list[str]:
        """The new text's words of two letters or more, in lower case: read once for its
        share of known words and its language (classifier/predict.py)."""
        return _LONG_WORD.findall(self.new_text.lower())
