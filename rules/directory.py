"""The firm directory's lookups: a client's open matters, matter numbers in text.

Which client an address belongs to is in inbox/addresses.py (the outbox's recipient
check needs it too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from inbox.models import Client, Matter

# How practice-management systems and firms' spreadsheets mark a matter that is over
# (as the status begins), in the languages of the drafts too.
_CLOSED_WORDS = (
    "closed",
    "archived",
    "completed",
    "concluded",
    "withdrawn",
    "dismissed",
    "inactive",
    "terminated",
    "finished",
    "resolved",
    "abgeschlossen",
    "geschlossen",
    "erledigt",
    "archiviert",
    "cerrado",
    "archivado",
    "concluido",
    "terminado",
    "clos",
    "fermé",
    "archivé",
    "terminé",
    "clôturé",
)
_FIRST_WORD = re.compile(r"[^\W\d_]+")


def matter_is_open(status: str) -> bool:
    """Open unless the status's first word says it is over ("Closed - won"; "closing
    scheduled" is open)."""
    first = _FIRST_WORD.match(status.strip().lower())
    return first is None or first.group() not in _CLOSED_WORDS


# `options` lets a caller load, with the rows, the relationships it will read
# (rules/lookups.py keeps the objects after their session is closed).


def client_matters(session: Session, client: Client, *options: ORMOption) -> list[Matter]:
    """Every matter of the client, open and closed, by number."""
    return list(
        session.scalars(
            select(Matter)
            .where(Matter.client_id == client.id)
            .order_by(Matter.matter_number)
            .options(*options)
        ).unique()
    )


def open_matters(session: Session, client: Client, *options: ORMOption) -> list[Matter]:
    return [m for m in client_matters(session, client, *options) if matter_is_open(m.status)]


def matter_numbers_in(text: str, pattern: str) -> list[str]:
    """Matter numbers mentioned in text, upper-cased, in order, without repeats."""
    found = _matter_regex(pattern).findall(text)
    return list(dict.fromkeys(f.upper() for f in found))


@lru_cache(maxsize=8)
def _matter_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def matters_by_number(
    session: Session, numbers: Iterable[str], *options: ORMOption
) -> list[Matter]:
    wanted = list(numbers)
    if not wanted:
        return []
    by_number = {
        m.matter_number: m
        for m in session.scalars(
            select(Matter).where(Matter.matter_number.in_(wanted)).options(*options)
        ).unique()
    }
    return [by_number[n] for n in wanted if n in by_number]
