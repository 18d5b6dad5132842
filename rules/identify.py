"""Who wrote this, and about which matter? Sender -> contact -> client -> matter.

Matter, in order: a matter number in the mail that belongs to the sender's client
(another client's number is ignored and flagged: confidentiality); an earlier
message of the same thread; a matter whose title the mail clearly names; the
client's only open matter; else ambiguous, with the open matters as candidates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.mail.keys import message_id_hash
from inbox.mail.parse import ParsedMessage
from inbox.models import Client, Contact, Matter, Message
from rules.directory import matter_numbers_in
from rules.lookups import Lookups

_WORD = re.compile(r"[a-z0-9áéíóúñüäöß]{4,}")
_TITLE_STOPWORDS = frozenset(
    "with from that this your have will about matter case claim agreement review dispute "
    "lease".split()
)


@dataclass
class Identification:
    client: Client | None = None
    contact: Contact | None = None
    matter: Matter | None = None
    matter_source: str = "none"  # number | thread | title | only-open | none
    candidates: list[Matter] = field(default_factory=list)
    foreign_numbers: list[str] = field(default_factory=list)  # other clients' matters named

    @property
    def sender_known(self) -> bool:
        return self.client is not None

    @property
    def matter_state(self) -> str:
        """found | ambiguous | none: what the rules see."""
        if self.matter is not None:
            return "found"
        return "ambiguous" if len(self.candidates) > 1 else "none"

    def as_dict(self) -> dict[str, object]:
        return {
            "client": self.client.client_code if self.client else None,
            "contact": self.contact.email if self.contact else None,
            "matter": self.matter.matter_number if self.matter else None,
            "matter_source": self.matter_source,
            "candidates": [m.matter_number for m in self.candidates],
            "foreign_matter_numbers": self.foreign_numbers,
        }


_LIVE = Lookups()


def identify(
    session: Session,
    parsed: ParsedMessage,
    matter_pattern: str,
    lookups: Lookups = _LIVE,
) -> Identification:
    result = Identification()
    if parsed.sender_addr:
        result.client, result.contact = lookups.client_for_address(session, parsed.sender_addr)

    # Numbers the sender wrote now come first; quoted history may cite one too.
    found: list[str] = []
    for text in (parsed.subject, parsed.new_text, parsed.text):
        for number in matter_numbers_in(text, matter_pattern):
            if number not in found:
                found.append(number)
    named = lookups.matters_by_number(session, found)
    own = [m for m in named if result.client is not None and m.client_id == result.client.id]
    result.foreign_numbers = [m.matter_number for m in named if m not in own]
    if own:
        result.matter, result.matter_source = own[0], "number"
        return result
    if result.client is None:
        return result

    thread_matter = _matter_from_thread(session, parsed, result.client)
    if thread_matter is not None:
        result.matter, result.matter_source = thread_matter, "thread"
        return result

    candidates = lookups.open_matters(session, result.client)
    if len(candidates) == 1:
        result.matter, result.matter_source = candidates[0], "only-open"
        return result
    titled = _matter_by_title(candidates, f"{parsed.subject}\n{parsed.new_text}")
    if titled is not None:
        result.matter, result.matter_source = titled, "title"
        return result
    result.candidates = candidates
    return result


def _matter_from_thread(session: Session, parsed: ParsedMessage, client: Client) -> Matter | None:
    parents = [*parsed.references, *([parsed.in_reply_to] if parsed.in_reply_to else [])]
    if not parents:
        return None
    hashes = [message_id_hash(p) for p in parents]
    thread_ids = select(Message.thread_id).where(Message.message_id_hash.in_(hashes))
    matter = session.scalars(
        select(Matter)
        .join(Message, Message.matter_id == Matter.id)
        .where(Message.thread_id.in_(thread_ids), Matter.client_id == client.id)
        .order_by(Message.id.desc())
        .limit(1)
    ).first()
    return matter


def _significant_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _TITLE_STOPWORDS}


def _matter_by_title(candidates: list[Matter], text: str) -> Matter | None:
    """The one open matter whose title shares at least two significant words with the mail."""
    words = _significant_words(text)
    scored = [(len(words & _significant_words(m.title)), m) for m in candidates]
    strong = [m for score, m in scored if score >= 2]
    return strong[0] if len(strong) == 1 else None
