"""Ethical walls: with `INBOX_ROUTER_ETHICAL_WALLS` on, an attorney sees and acts on a
message only when listed on it: the attorney it is assigned to, the responsible
attorney of its matter, or the relationship attorney of its client. VAs and admins
see everything, as without walls. Off by default: many firms share work freely.
No Flask here: one check for a message, one condition for queue queries.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from inbox.models import Client, Matter, Message, User


def walled(user: User, walls_on: bool) -> bool:
    """Whether the walls limit what this user sees."""
    return walls_on and user.role == "attorney"


def may_see(session: Session, user: User, message: Message, walls_on: bool) -> bool:
    if not walled(user, walls_on):
        return True
    mine = user.attorney_id
    if mine is None:
        return False
    if message.assignee_attorney_id == mine:
        return True
    if message.matter_id is not None:
        matter = session.get(Matter, message.matter_id)
        if matter is not None and matter.responsible_attorney_id == mine:
            return True
    if message.client_id is not None:
        client = session.get(Client, message.client_id)
        if client is not None and client.relationship_attorney_id == mine:
            return True
    return False


def visible_condition(user: User) -> Any:
    """The same rule as `may_see`, as a WHERE clause on messages (for walled users)."""
    mine = user.attorney_id
    if mine is None:
        return false()
    return or_(
        Message.assignee_attorney_id == mine,
        Message.matter_id.in_(select(Matter.id).where(Matter.responsible_attorney_id == mine)),
        Message.client_id.in_(select(Client.id).where(Client.relationship_attorney_id == mine)),
    )
