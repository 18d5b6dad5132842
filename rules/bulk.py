"""One decision applied to many messages at once (a queue's checked lines).

Each message goes through the same function of rules/review.py as its single action
(so it is audited as one), but only if it is as the person saw it: every checked line
carries the message's version as the page showed it (`message_version`), and a message
changed since (by someone else, another tab, the router) is skipped with the reason,
never overwritten. No Flask here; the caller commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.models import AuditEvent, Message, User
from rules.review import ReviewError

MOST_AT_ONCE = 200  # more than a page of a queue (50) holds


def message_version(
    state: str, assignee_user_id: int | None, assignee_attorney_id: int | None, label: str | None
) -> str:
    """What a bulk action decides on and changes, as a short token: the state, who holds
    the message and its label. A note or a view does not change it; a reassignment,
    a relabel or a move to another queue does."""
    seen = f"{state}|{assignee_user_id or ''}|{assignee_attorney_id or ''}|{label or ''}"
    return hashlib.sha256(seen.encode()).hexdigest()[:12]


def version_of(message: Message) -> str:
    return message_version(
        message.state, message.assignee_user_id, message.assignee_attorney_id, message.label
    )


@dataclass(frozen=True)
class Pick:
    """A checked line: the message and its version as the page showed it."""

    message_id: int
    version: str


def read_picks(values: Iterable[str]) -> list[Pick]:
    """The form's `<id>:<version>` values, each message once; anything else is dropped
    (a checkbox value is not free text: only a tampered form sends something else)."""
    picks: dict[int, Pick] = {}
    for value in values:
        number, _, version = value.partition(":")
        if number.isdigit() and version.isalnum():
            picks.setdefault(int(number), Pick(int(number), version))
    return list(picks.values())


@dataclass(frozen=True)
class Skipped:
    message_id: int
    why: str


@dataclass
class Outcome:
    changed: list[int] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _changed_by(session: Session, message_id: int, user: User) -> str:
    """Who last acted on the message, as the skip reason names them."""
    actor = session.scalar(
        select(AuditEvent.actor)
        .where(AuditEvent.message_id == message_id, AuditEvent.action != "view")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if actor is None or actor == "system":
        return "changed since you loaded the page"
    return (
        "changed by "
        + ("you in another window" if actor == user.email else actor)
        + (" since you loaded the page")
    )


def apply_each(
    session: Session,
    picks: list[Pick],
    user: User,
    change: Callable[[Session, Message], object],
    *,
    may_see: Callable[[Message], bool] = lambda _message: True,
) -> Outcome:
    """`change` (a rules/review.py decision) on each picked message still as it was seen.

    The messages are locked for the request where the database can (PostgreSQL's FOR
    UPDATE): a bulk action and another person's single one on the same message wait
    for each other, and the second sees the first's change as a changed version."""
    if len(picks) > MOST_AT_ONCE:
        raise ReviewError(f"at most {MOST_AT_ONCE} messages at once")
    wanted = {pick.message_id: pick.version for pick in picks}
    found = {
        message.id: message
        for message in session.scalars(
            select(Message).where(Message.id.in_(wanted)).order_by(Message.id).with_for_update()
        )
    }
    outcome = Outcome()
    for message_id, version in wanted.items():
        message = found.get(message_id)
        if message is None or not may_see(message):
            outcome.skipped.append(Skipped(message_id, "no such message"))
        elif version_of(message) != version:
            outcome.skipped.append(Skipped(message_id, _changed_by(session, message_id, user)))
        else:
            try:
                change(session, message)
            except ReviewError as exc:  # refused before it changed anything
                outcome.skipped.append(Skipped(message_id, str(exc)))
                continue
            outcome.changed.append(message_id)
    return outcome
