"""Who wrote this, and about which matter? Sender -> contact -> client -> matter.

The matter: a number in the mail that belongs to the sender's client decides
(another client's number is ignored and flagged: confidentiality); else the matter
resolver (rules/matter_resolver.py) weighs the thread, the attorney addressed, the
words of the mail against each title and keywords, negations and the contact's last
matter. Gathering what it weighs is here; weighing it is there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.mail.keys import message_id_hash
from inbox.mail.parse import ParsedMessage
from inbox.models import Attorney, Client, Contact, Invoice, Matter, Message
from rules.directory import matter_is_open, matter_numbers_in
from rules.lookups import Lookups
from rules.matter_resolver import MailFacts, MatterFacts, Resolution, resolve


@dataclass
class Identification:
    client: Client | None = None
    contact: Contact | None = None
    matter: Matter | None = None
    matter_source: str = "none"  # number | thread | attorney | title | keywords | ...
    matter_confidence: float = 0.0
    candidates: list[Matter] = field(default_factory=list)
    foreign_numbers: list[str] = field(default_factory=list)  # other clients' matters named
    evidence: dict[str, list[str]] = field(default_factory=dict)  # matter number -> phrases
    # The one client attorney the mail addresses who handles one of the candidates.
    addressed_attorney: Attorney | None = None

    @property
    def sender_known(self) -> bool:
        return self.client is not None

    @property
    def attorneys(self) -> list[Attorney]:
        """The client's attorneys a mail may address: of its matter (or the candidates)
        and the relationship attorney, each once."""
        matters = [self.matter] if self.matter is not None else self.candidates
        found = [m.responsible_attorney for m in matters]
        if self.client is not None:
            found.append(self.client.relationship_attorney)
        return list({a.email: a for a in found if a is not None}.values())

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
            "matter_confidence": self.matter_confidence,
            "candidates": [m.matter_number for m in self.candidates],
            "foreign_matter_numbers": self.foreign_numbers,
            "matter_evidence": self.evidence,
        }

    @property
    def matter_explanation(self) -> str:
        """'AK-2026-0009 — addressed to its attorney, 'EEOC' in the text'."""
        if self.matter is None:
            return ""
        why = ", ".join(self.evidence.get(self.matter.matter_number, []))
        return f"{self.matter.matter_number} — {why}" if why else self.matter.matter_number


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
    if result.client is None:
        return result
    client_matters: list[Matter] = []
    if not own:  # numbers the firm's pattern does not describe: the client's own, as written
        client_matters = lookups.client_matters(session, result.client)
        texts = (parsed.subject, parsed.new_text, parsed.text)
        own = next((w for text in texts if (w := numbers_written(text, client_matters))), [])
    if own:
        result.matter, result.matter_source, result.matter_confidence = own[0], "number", 1.0
        result.evidence = {own[0].matter_number: [f"its number {own[0].matter_number}"]}
        return result

    thread_matter = _matter_from_thread(session, parsed, result.client)
    last = lookups.last_matter(session, parsed.sender_addr, result.client)
    matters = {m.matter_number: m for m in client_matters}
    for extra in (thread_matter, last):
        if extra is not None:
            matters.setdefault(extra.matter_number, extra)
    facts = MailFacts(
        subject=parsed.subject,
        new_text=parsed.new_text,
        addressed=tuple(a.addr for a in (*parsed.to, *parsed.cc) if a.addr),
        thread_matter=thread_matter.matter_number if thread_matter else None,
        last_matter=last.matter_number if last else None,
        invoices=_invoices_named(
            f"{parsed.subject}\n{parsed.new_text}", lookups.invoices(session, result.client)
        ),
    )
    _apply(result, resolve([_facts_of(m) for m in matters.values()], facts), matters)
    return result


def numbers_written(text: str, matters: Sequence[Matter]) -> list[Matter]:
    """The matters whose number the text holds as the firm writes it, whatever its shape
    ("2026/0142", "M10234", "ak-2026-0001"), and with spaces, dots, slashes or dashes
    between its letters and digits ("AK 2026 0001"), in the order the text names them:
    a firm's numbers need not look like the configured pattern."""
    found: list[tuple[int, Matter]] = []
    lowered = text.lower()
    for matter in matters:
        parts = re.findall(r"[^\W_]+", matter.matter_number)
        if not any(c.isdigit() for c in matter.matter_number):
            continue
        if not all(part.lower() in lowered for part in parts):
            continue  # most matters, most mail: no pattern built (a client may have hundreds)
        loose = r"[\s./_-]*".join(map(re.escape, parts))
        hit = re.search(rf"(?<![^\W_]){loose}(?![^\W_])", text, re.IGNORECASE)
        if hit:
            found.append((hit.start(), matter))
    return [matter for _, matter in sorted(found, key=lambda pair: pair[0])]


def _facts_of(matter: Matter) -> MatterFacts:
    lawyer = matter.responsible_attorney
    return MatterFacts(
        number=matter.matter_number,
        title=matter.title,
        is_open=matter_is_open(matter.status),
        attorney_email=lawyer.email if lawyer else "",
        attorney_name=(lawyer.name or "") if lawyer else "",
        keywords=tuple(k.strip() for k in (matter.keywords or "").split(";") if k.strip()),
        next_step=f"{matter.status}\n{matter.next_step}",
    )


def _invoices_named(text: str, invoices: Sequence[Invoice]) -> tuple[tuple[str, str], ...]:
    """(invoice, matter) for each of the client's invoices the text names, in full or as
    'invoice 5223' / '#5223' by the digits it ends with."""
    named = []
    for invoice in invoices:
        number = invoice.invoice_number
        digits = re.search(r"\d{3,}$", number)
        short = (
            rf"|(?:invoice|inv|rechnung|factura)\.?\s*(?:no\.?|number|nr\.?|#)?\s*#?\s*0*"
            rf"{int(digits.group(0))}(?!\d)|#0*{int(digits.group(0))}(?!\d)"
            if digits
            else ""
        )
        if re.search(rf"(?<!\w){re.escape(number)}(?!\w){short}", text, re.I):
            named.append((number, invoice.matter.matter_number))
    return tuple(named)


def _apply(result: Identification, found: Resolution, matters: dict[str, Matter]) -> None:
    result.matter = matters[found.matter] if found.matter else None
    result.matter_source = found.source
    result.matter_confidence = found.confidence
    result.evidence = {c.number: list(c.evidence) for c in found.candidates if c.evidence}
    if result.matter is None:
        result.candidates = [matters[c.number] for c in found.candidates]
        lawyers = {
            m.responsible_attorney.email: m.responsible_attorney
            for m in result.candidates
            if m.responsible_attorney is not None
            and m.responsible_attorney.email in found.addressed_attorneys
        }
        if len(lawyers) == 1:
            result.addressed_attorney = next(iter(lawyers.values()))


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
