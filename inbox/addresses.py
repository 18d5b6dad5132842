"""Which client an address belongs to: its contact, else the client of its domain.

Identification (rules/) and the outbox's recipient check (inbox/outgoing/) both ask.
`options` lets a caller load, with the rows, the relationships it will read
(rules/lookups.py keeps the objects after their session is closed).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from inbox.db import prepared
from inbox.models import Client, Contact
from inbox.public_mail import is_public_mail_domain


def contact_for_address(session: Session, address: str, *options: ORMOption) -> Contact | None:
    # A lookup by key (inbox/db.py), on every message page with a draft.
    found = select(Contact).where(func.lower(Contact.email) == address.lower()).options(*options)
    return session.scalar(prepared(found))


def client_for_domain(session: Session, domain: str, *options: ORMOption) -> Client | None:
    """A sender at sub.example.com belongs to the client whose domain is example.com."""
    labels = domain.lower().strip(".").split(".")
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    if not candidates or is_public_mail_domain(domain):
        return None  # a Gmail sender is nobody's client by domain (inbox/public_mail.py)
    clients = session.scalars(
        select(Client).where(Client.domain.in_(candidates)).options(*options)
    ).all()
    return max(clients, key=lambda c: len(c.domain or ""), default=None)


def client_for_address(session: Session, address: str) -> tuple[Client | None, Contact | None]:
    """Exact contact first, then the client's domain."""
    contact = contact_for_address(session, address)
    if contact is not None:
        return contact.client, contact
    if "@" not in address:
        return None, None
    return client_for_domain(session, address.rpartition("@")[2]), None
