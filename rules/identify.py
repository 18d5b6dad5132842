"""Who wrote this? Sender address -> contact -> client (exact address, then domain)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from inbox.models import Message
from inbox.parse import ParsedMessage
from rules.directory import client_for_address


def identify_sender(session: Session, message: Message, parsed: ParsedMessage) -> None:
    """Pipeline stage: link the message to the sender's contact and client, if known."""
    if not parsed.sender_addr:
        return
    client, contact = client_for_address(session, parsed.sender_addr)
    message.client = client
    message.contact = contact
