"""Who a message can be assigned to: each person once, and who holds it now.

An attorney with a login is one person (the directory's attorney), not two entries;
admins and deactivated people take no work, and an attorney login with no directory
entry has no "My escalations" to receive it in. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.models import Attorney, Message, User

UNASSIGNED = "none"


class AssignmentError(ValueError):
    """The chosen assignee cannot take work; the text says why."""


@dataclass(frozen=True)
class Assignee:
    value: str  # the form value: "a:<attorney id>" or "u:<user id>"
    name: str
    role: str  # "attorney" or "va"

    @property
    def label(self) -> str:
        return f"{self.name} ({'attorney' if self.role == 'attorney' else 'VA'})"


def assignees(session: Session) -> list[Assignee]:
    """Active attorneys of the directory, then active VAs, each once, by name."""
    attorneys = session.execute(
        select(Attorney.id, Attorney.name).where(Attorney.active).order_by(Attorney.name)
    )
    vas = session.execute(
        select(User.id, User.name, User.email)
        .where(User.active, User.role == "va")
        .order_by(User.name, User.email)
    )
    return [Assignee(f"a:{id_}", name, "attorney") for id_, name in attorneys] + [
        Assignee(f"u:{id_}", name or email, "va") for id_, name, email in vas
    ]


def current_assignee(message: Message) -> str:
    """The form value of whoever holds the message now (the latest reassignment wins:
    a VA given the message keeps the attorney on record but holds it)."""
    user = message.assignee_user
    if user is not None and user.attorney_id is None:
        return f"u:{user.id}"
    if message.assignee_attorney_id is not None:
        return f"a:{message.assignee_attorney_id}"
    return UNASSIGNED


def chosen_person(session: Session, value: str) -> tuple[User | None, Attorney | None]:
    """The person a form value names, if they can take work; (None, None) for unassigned."""
    if value == UNASSIGNED:
        return None, None
    if value not in {person.value for person in assignees(session)}:
        raise AssignmentError(f"{value!r} is not someone who can take work; choose from the list")
    kind, _, number = value.partition(":")
    if kind == "u":
        return session.get_one(User, int(number)), None
    return None, session.get_one(Attorney, int(number))
