"""Lines in the triage queue for tests about what a person does there, whatever the
shipped model decides for the sample mailbox."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inbox.models import Message, MessageState

WAITING = (MessageState.TRIAGE, MessageState.RECEIVED)


def ensure_in_triage(db: sessionmaker[Session], count: int = 2) -> None:
    """At least `count` messages waiting in triage: mails the model filed as nothing to
    answer are put back there (tests of the queue's actions, not of the classifier)."""
    with db() as session, session.begin():
        waiting = len(session.scalars(select(Message.id).where(Message.state.in_(WAITING))).all())
        spare = session.scalars(
            select(Message).where(Message.state == MessageState.IGNORED).order_by(Message.id)
        ).all()
        for message in spare[: max(0, count - waiting)]:
            message.state = MessageState.TRIAGE
