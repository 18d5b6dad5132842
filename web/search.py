"""The queue search: a substring of the subject, the sender or the text.

PostgreSQL answers ILIKE from trigram indexes (migration 0003); SQLite from an FTS5
trigram index (0004) when the build has one. Terms shorter than three characters,
or a database without the index, fall back to scanning with LIKE: slower, same
answer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    column,
    func,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from inbox.models import Message

FTS_TABLE = "messages_fts"
_FTS = table(FTS_TABLE, column("rowid"))
SEARCHED = (Message.subject, Message.from_addr, Message.from_name, Message.text_body)
_has_fts: dict[str, bool] = {}  # per database URL: the schema does not change under us


def _sqlite_fts(connection: Connection) -> bool:
    key = str(connection.engine.url)
    if key not in _has_fts:
        found = connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS_TABLE,)
        ).first()
        _has_fts[key] = found is not None
    return _has_fts[key]


def _like(term: str) -> ColumnElement[bool]:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return or_(*(column.ilike(pattern, escape="\\") for column in SEARCHED))


def _match(term: str) -> Any:
    phrase = '"' + term.replace('"', '""') + '"'  # one literal phrase, no FTS syntax
    return text(f"{FTS_TABLE} MATCH :phrase").bindparams(phrase=phrase)


def count_matches(session: Session, query: Select[Any], term: str, cap: int) -> int:
    """How many messages of `query` contain `term`, counting no further than `cap`.

    On PostgreSQL, given the LIMIT, the planner reads the table in order hoping to meet
    `cap` matches soon: 0.2-0.3 s when they are rare at 100,000 messages. The trigram
    indexes find the candidates in milliseconds, so the count is told not to scan."""
    found = (
        narrowed(session, query, term, common=False)
        .with_only_columns(Message.id)
        .limit(cap)
        .subquery()
    )
    counting = select(func.count()).select_from(found)
    if session.connection().dialect.name != "postgresql":
        return session.scalar(counting) or 0
    # For this statement only (a failure rolls the transaction back, and the SET with it).
    session.execute(text("SET LOCAL enable_seqscan = off"))
    total = session.scalar(counting) or 0
    session.execute(text("RESET enable_seqscan"))
    return total


def narrowed(session: Session, query: Select[Any], term: str, *, common: bool) -> Select[Any]:
    """`query` limited to the messages that contain `term`.

    `common`: the term matches more messages than a page needs to sort (the caller
    has counted). SQLite then walks the queue's order and keeps the matching
    messages (the first fifty are found after a few hundred rows), instead of
    gathering every match of a common word and sorting them all; a rare term is
    looked up in the index and its few matches sorted."""
    connection = session.connection()
    if connection.dialect.name == "sqlite" and len(term) >= 3 and _sqlite_fts(connection):
        if common:
            matching: Any = select(text("rowid")).select_from(text(FTS_TABLE)).where(_match(term))
            # "+ 0": not an index lookup by id, a test of each row of the walk.
            return query.where((Message.id + 0).in_(matching))
        return query.join(_FTS, _FTS.c.rowid == Message.id).where(_match(term))
    return query.where(_like(term))
