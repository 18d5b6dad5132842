"""Firm-directory reads for routing, live or remembered for one batch of mail.

Routing asks the same questions of the directory for almost every message (who is
this sender, which matters does that client have open, who is the intake
attorney). The directory changes rarely, so the pipeline remembers the answers for
one fetched batch (`BatchLookups`, cleared when the next batch is prepared);
everything else (`route --json`, relabel) asks the database each time
(`Lookups`). Remembered objects are loaded with the relationships routing reads,
so they stay usable after the session that loaded them is closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, sessionmaker

from inbox import addresses
from inbox.models import (
    Attorney,
    Client,
    Contact,
    FirmDocument,
    Invoice,
    Matter,
    Message,
    Payment,
    TrustBalance,
)
from rules import directory

_T = TypeVar("_T")

# What routing and drafting read through these objects: load it with them.
_CLIENT = joinedload(Client.relationship_attorney)
_CONTACT = joinedload(Contact.client).joinedload(Client.relationship_attorney)
_MATTER = (joinedload(Matter.responsible_attorney), joinedload(Matter.client))


class Lookups:
    """Each question goes to the database (what a one-off command wants)."""

    def client_for_address(
        self, session: Session, address: str
    ) -> tuple[Client | None, Contact | None]:
        return addresses.client_for_address(session, address)

    def matters_by_number(self, session: Session, numbers: Sequence[str]) -> list[Matter]:
        return directory.matters_by_number(session, numbers)

    def client_matters(self, session: Session, client: Client) -> list[Matter]:
        """Open and closed: a closed matter counts when the mail names it."""
        return directory.client_matters(session, client)

    def last_matter(self, session: Session, address: str, client: Client) -> Matter | None:
        """The client's matter this address last wrote about (one indexed query)."""
        if not address:
            return None
        return session.scalars(
            select(Matter)
            .join(Message, Message.matter_id == Matter.id)
            .where(Message.from_addr == address, Matter.client_id == client.id)
            .order_by(Message.id.desc())
            .limit(1)
        ).first()

    def attorney(self, session: Session, email: str) -> Attorney | None:
        return session.scalar(select(Attorney).where(Attorney.email == email))

    def attorneys(self, session: Session) -> list[Attorney]:
        return list(session.scalars(select(Attorney).order_by(Attorney.id)))

    def invoices(self, session: Session, client: Client) -> list[Invoice]:
        return list(
            session.scalars(
                select(Invoice)
                .join(Matter, Invoice.matter_id == Matter.id)
                .where(Matter.client_id == client.id)
                .options(joinedload(Invoice.matter).joinedload(Matter.responsible_attorney))
            )
        )

    def payments(self, session: Session, invoices: Sequence[Invoice]) -> list[Payment]:
        """Payments recorded against these invoices (optional payments.csv)."""
        ids = [i.id for i in invoices]
        if not ids:
            return []
        return list(session.scalars(select(Payment).where(Payment.invoice_id.in_(ids))))

    def payments_on_file(self, session: Session) -> bool:
        """Whether the firm imported any payments at all: without them, no confirmation."""
        return session.scalar(select(Payment.id).limit(1)) is not None

    def document_names(self, session: Session) -> frozenset[str]:
        """Firm documents on file (invoices/<number>.pdf, w9.pdf) that drafts may attach."""
        return frozenset(session.scalars(select(FirmDocument.name)))

    def trust_balances(self, session: Session, client: Client) -> list[TrustBalance]:
        return list(
            session.scalars(
                select(TrustBalance)
                .where(TrustBalance.client_id == client.id)
                .options(joinedload(TrustBalance.matter))
            )
        )


class BatchLookups(Lookups):
    """The same answers, remembered until `clear` (called once per fetched batch).

    Loads in a short session of its own, never in the message's: a message whose
    transaction rolls back would expire every object loaded in it, cache included.
    """

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._memo: dict[tuple[object, ...], object] = {}

    def clear(self) -> None:
        self._memo.clear()

    def _remember(self, key: tuple[object, ...], load: Callable[[Session], _T]) -> _T:
        if key not in self._memo:
            with self._factory() as own:
                self._memo[key] = load(own)
        return self._memo[key]  # type: ignore[return-value]

    def preload_senders(self, addresses: Iterable[str]) -> None:
        """Who each sender of a batch is, in two queries instead of one or two each."""
        wanted = {a.lower() for a in addresses if a}
        if wanted:
            with self._factory() as own:
                self._preload_senders(own, wanted)

    def _preload_senders(self, session: Session, wanted: set[str]) -> None:
        contacts = session.scalars(
            select(Contact)
            .where(func.lower(Contact.email).in_(wanted))
            .order_by(Contact.id)
            .options(_CONTACT)
        ).unique()
        for contact in contacts:
            key = ("address", contact.email.lower())
            if key not in self._memo:
                self._memo[key] = (contact.client, contact)
        rest = {a for a in wanted if ("address", a) not in self._memo and "@" in a}
        domains = {a.rpartition("@")[2] for a in rest}
        suffixes = {s for d in domains for s in _domain_suffixes(d)}
        clients = (
            session.scalars(select(Client).where(Client.domain.in_(suffixes)).options(_CLIENT))
            .unique()
            .all()
            if suffixes
            else []
        )
        by_domain = {c.domain: c for c in clients}
        for domain in domains:
            found = [by_domain[s] for s in _domain_suffixes(domain) if s in by_domain]
            self._memo[("domain", domain)] = found[0] if found else None  # longest first
        for address in rest:
            client = self._memo[("domain", address.rpartition("@")[2])]
            self._memo[("address", address)] = (client, None)

    # The `session` argument is the message's; these load in their own (see above).

    def client_for_address(
        self, session: Session, address: str
    ) -> tuple[Client | None, Contact | None]:
        def load(own: Session) -> tuple[Client | None, Contact | None]:
            contact = addresses.contact_for_address(own, address, _CONTACT)
            if contact is not None:
                return contact.client, contact
            if "@" not in address:
                return None, None
            domain = address.rpartition("@")[2].lower()
            return addresses.client_for_domain(own, domain, _CLIENT), None

        return self._remember(("address", address.lower()), load)

    def matters_by_number(self, session: Session, numbers: Sequence[str]) -> list[Matter]:
        key = ("matters", tuple(numbers))
        return list(
            self._remember(key, lambda own: directory.matters_by_number(own, numbers, *_MATTER))
        )

    def client_matters(self, session: Session, client: Client) -> list[Matter]:
        key = ("matters", client.id)
        return list(
            self._remember(key, lambda own: directory.client_matters(own, client, *_MATTER))
        )

    def attorney(self, session: Session, email: str) -> Attorney | None:
        return self._remember(("attorney", email), lambda own: Lookups.attorney(self, own, email))

    def attorneys(self, session: Session) -> list[Attorney]:
        return list(self._remember(("attorneys",), lambda own: Lookups.attorneys(self, own)))

    def invoices(self, session: Session, client: Client) -> list[Invoice]:
        key = ("invoices", client.id)
        return list(self._remember(key, lambda own: Lookups.invoices(self, own, client)))


def _domain_suffixes(domain: str) -> list[str]:
    """sub.example.com -> [sub.example.com, example.com]: longest first, as the directory
    matches them."""
    labels = domain.lower().strip(".").split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]
