"""A message stored with only what the metrics and queue pages read (date, label,
state and the fields given), for tests that count or list mail."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.orm import Session

from inbox.models import Message, MessageState


def add_message(
    session: Session, received: dt.datetime, label: str | None, **fields: Any
) -> Message:
    key = uuid.uuid4().hex
    message = Message(
        dedupe_key=key,
        message_id=f"<{key}@test>",
        message_id_hash=key,
        received_at=received,
        label=label,
        state=fields.pop("state", MessageState.REVIEW),
        **fields,
    )
    session.add(message)
    session.flush()
    return message
