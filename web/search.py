"""The queue search: a substring of the subject, the sender or the text.

PostgreSQL answers ILIKE from trigram indexes (migration 0003); SQLite from an FTS5
trigram index (0004) when the build has one. Terms shorter than three characters,
or a database without the index, fall back to scanning with LIKE: slower, same
answer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, or_, select, text
from sqlalchemy.orm import Session

from inbox.models import Message

FTS_TABLE = "messages_fts"
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


def search_condition(session: Session, term: str) -> ColumnElement[bool]:
    connection = session.connection()
    if connection.dialect.name == "sqlite" and len(term) >= 3 and _sqlite_fts(connection):
        phrase = '"' + term.replace('"', '""') + '"'  # one literal phrase, no FTS syntax
        matching: Any = (
            select(text("rowid"))
            .select_from(text(FTS_TABLE))
            .where(text(f"{FTS_TABLE} MATCH :phrase").bindparams(phrase=phrase))
        )
        return Message.id.in_(matching)
    return _like(term)
