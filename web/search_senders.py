"""SQLite: the messages of a `from:` sender, found once for a search (migration 0024).

`from:` finds the messages whose sender's address or name holds the typed text, as
LIKE tests it (a part anywhere, ASCII letters in either case). No b-tree finds a part
of a string, so the text is looked up among the senders, each (address and name)
once in `search_senders`: from three characters in their trigram index, always tested
as typed on those rows. Their messages are read from ix_messages_sender by address and
name, and kept for the search in a table of this connection (`temp.search_from_N`,
one a sender of the search), ids only: the search's statements test an id against it
(~0.1 us) or look each one up, and no message row is read to test its sender.

At 100,000 messages "from:delgado" (7,000 messages of ~950 senders): ~3 ms to find
and keep, where testing LIKE on each entry of ix_messages_sender and on each message
row a walk met cost a search ~13 ms.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Insert,
    Select,
    TableClause,
    and_,
    bindparam,
    column,
    insert,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from inbox.models import Message

TRIGRAM = 3  # the shortest text the trigram index finds
SENDERS = table("search_senders", column("id"), column("from_addr"), column("from_name"))
GRAMS = "search_senders_grams"
KEPT = "search_from_{}"  # a sender's messages for one search, in temp
QUEUE_KEPT = "search_queue"  # a search's messages in a queue, in temp (web/search.py)
SUBJECTS_KEPT = "search_subjects"  # a search's subject matches, in temp (web/search.py)


def like_pattern(value: str) -> str:
    """A LIKE pattern finding `value` anywhere, its own % _ and \\ taken as they are."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _sender_ids(trigrams: bool, in_states: bool = False) -> Select[tuple[int]]:
    """The ids of the messages whose sender's address or name holds the text (LIKE
    :pattern), the senders found in their trigram index first (:grams) if asked, in the
    states :states if asked (each sender's a range of ix_messages_sender, 0026)."""
    pattern = bindparam("pattern")
    found = (
        select(Message.id)
        .select_from(SENDERS)
        .join(
            Message,
            and_(
                Message.from_addr == SENDERS.c.from_addr,
                Message.from_name == SENDERS.c.from_name,
            ),
        )
        .where(
            or_(
                SENDERS.c.from_addr.like(pattern, escape="\\"),
                SENDERS.c.from_name.like(pattern, escape="\\"),
            )
        )
    )
    if in_states:
        found = found.where(Message.state.in_(bindparam("states", expanding=True)))
    if not trigrams:
        return found
    grams = select(literal_column("rowid")).select_from(table(GRAMS))
    return found.where(SENDERS.c.id.in_(grams.where(text(f"{GRAMS} MATCH :grams"))))


def kept_ids(slot: int) -> TableClause:
    """This connection's table of a search's `slot`th sender's messages."""
    return table(KEPT.format(slot), column("id"), schema="temp")


@cache
def _filling(slot: int, trigrams: bool, in_states: bool) -> Insert:
    """The statement keeping a sender's messages, up to :most (built once: ~0.4 ms)."""
    found = _sender_ids(trigrams, in_states).limit(bindparam("most"))
    return insert(kept_ids(slot)).from_select(["id"], found)


def empty_id_table(connection: Connection, name: str) -> TableClause:
    """This connection's temp table `name` of message ids, made if need be and emptied:
    ids a search keeps for its statements to test rows against (`held`)."""
    _make_id_table(connection, name)
    connection.exec_driver_sql(f"DELETE FROM temp.{name}")
    return table(name, column("id"), schema="temp")


def make_id_tables(connection: Connection) -> None:
    """This connection's temp tables of ids a search keeps, made if need be (by a search
    before it writes: see web/search.py _make_temp_tables)."""
    for name in (KEPT.format(0), QUEUE_KEPT, SUBJECTS_KEPT):
        _make_id_table(connection, name)


def _make_id_table(connection: Connection, name: str) -> None:
    connection.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {name} (id INTEGER PRIMARY KEY)")


def keep_sender_messages(
    session: Session, value: str, slot: int, most: int, states: Sequence[str] = ()
) -> tuple[TableClause, int]:
    """The messages of sender `value` (in `states`, if given: a queue's) kept in this
    connection's table `slot`, and how many (counted no further than `most` + 1: past
    `most` the table is left partial)."""
    connection = session.connection()
    empty_id_table(connection, KEPT.format(slot))
    trigrams = len(value) >= TRIGRAM
    asked: dict[str, Any] = {"pattern": like_pattern(value), "most": most + 1}
    if trigrams:
        asked["grams"] = '"' + value.replace('"', '""') + '"'
    if states:
        asked["states"] = sorted(states)
    filled = connection.execute(_filling(slot, trigrams, bool(states)), asked)
    return kept_ids(slot), filled.rowcount


def held(ids: TableClause, id_column: ColumnElement[int]) -> ColumnElement[bool]:
    """`id_column` among the kept ids, tested on each row ("+ 0": never looked up by
    them, which would read a message row for each of the sender's messages)."""
    return (id_column + 0).in_(select(ids.c.id))
