"""A message's rows accumulate (classifications, decisions, drafts): the newest is current.

The two questions every layer asks of that history, answered once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from inbox.models import Draft


def newest_id(model: Any, message_id: Any, *where: Any) -> Select[Any]:
    """The id of a message's newest row of `model` (`message_id` may be a bindparam)."""
    return (
        select(model.id)
        .where(model.message_id == message_id, *where)
        .order_by(model.id.desc())
        .limit(1)
    )


def newest(session: Session, model: Any, message_id: int) -> Any:
    """A message's newest row of `model`, or None."""
    return session.scalar(
        select(model).where(model.id == newest_id(model, message_id).scalar_subquery())
    )


def withdraw_pending_drafts(session: Session, message_id: int) -> None:
    """The message went another way (relabelled, escalated, handed on): its drafts go."""
    for draft in session.scalars(
        select(Draft).where(Draft.message_id == message_id, Draft.state == "pending")
    ):
        draft.state = "discarded"
