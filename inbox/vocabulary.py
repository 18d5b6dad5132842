"""SQLite: every word the messages hold, kept for the search's typo lookup (migration
0013, web/search_words.py).

FTS5 cannot list its terms without reading the whole index, so a trigger notes each
new or changed message in `search_words_pending`; `catch_up` adds their words to
`search_words` (and each word's trigrams to `search_word_trigrams`, migration 0017).
Ingest catches up after each batch it stores (inbox/ingest/runner.py), so a search
finds little or nothing left to do; a search does a bounded part of what is left (a
bulk load of 100,000 messages outside the pipeline once left a typo search ~20 s of
work, over a minute under load). PostgreSQL keeps its `search_words` by trigger.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, Engine, column, delete, select, table, text
from sqlalchemy.exc import OperationalError

from inbox.models import Message

CATCH_UP_BATCH = 500  # messages a transaction (~90 ms at 100,000 messages)
_PENDING = table("search_words_pending", column("message_id"))
_WORD = re.compile(r"[^\W_]+")


def words_of(text: str) -> tuple[str, ...]:
    """The words of `text` as the indexes see them, lower case."""
    return tuple(w.lower() for w in _WORD.findall(text))


def trigrams(word: str) -> set[str]:
    """pg_trgm's trigrams of one word: padded with two spaces before, one after."""
    padded = f"  {word.lower()} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _worth_keeping(word: str) -> bool:
    return 3 <= len(word) <= 40 and not word.isdigit()


def catch_up(bind: Engine | Connection, most: int | None = None) -> int:
    """SQLite: add the words of the messages noted as pending, CATCH_UP_BATCH messages a
    transaction of its own, `most` messages at most (None: all); how many were done.
    Busy (another process writing): the words known so far will do. Call it outside
    any transaction of the same database (it waits for a writer's lock)."""
    if bind.dialect.name != "sqlite":
        return 0
    engine = bind.engine
    done = 0
    try:
        with engine.connect() as connection:
            while most is None or done < most:
                size = CATCH_UP_BATCH if most is None else min(CATCH_UP_BATCH, most - done)
                added = _catch_up_batch(connection, size)
                if not added:  # nothing written: nothing to commit
                    connection.rollback()
                    return done
                connection.commit()
                done += added
    except OperationalError:
        pass
    return done


def _catch_up_batch(connection: Connection, size: int) -> int:
    ids = connection.scalars(
        select(_PENDING.c.message_id).order_by(_PENDING.c.message_id).limit(size)
    ).all()
    if not ids:
        return 0
    columns = (Message.subject, Message.from_name, Message.from_addr, Message.text_body)
    rows = connection.execute(select(*columns).where(Message.id.in_(ids)))
    words = {w for row in rows for value in row for w in words_of(value or "")}
    kept = sorted(w for w in words if _worth_keeping(w))
    if kept:
        connection.execute(
            text("INSERT OR IGNORE INTO search_words (word) VALUES (:w)"),
            [{"w": w} for w in kept],
        )
        connection.execute(
            text("INSERT OR IGNORE INTO search_word_trigrams (trigram, word) VALUES (:g, :w)"),
            [{"g": g, "w": w} for w in kept for g in sorted(trigrams(w))],
        )
    connection.execute(delete(_PENDING).where(_PENDING.c.message_id.in_(ids)))
    return len(ids)
