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
# As migration 0019 made messages_words: its terms are what this tokenizer makes.
TOKENIZE = "porter unicode61 remove_diacritics 2"
# A small index of this connection's own, made as the word index is: the terms of some
# text, read back from its vocabulary (emptied after each use).
_STEMMER = "search_stemmer"
_STEMMER_TABLES = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_STEMMER} USING fts5(subject, from_name, "
    f"from_addr, text_body, content='', tokenize='{TOKENIZE}')",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_STEMMER}_terms "
    f"USING fts5vocab(temp, {_STEMMER}, instance)",
)
_STEMMER_FILL = text(
    f"INSERT INTO temp.{_STEMMER} (rowid, subject, from_name, from_addr, text_body) "
    "VALUES (:id, :subject, :from_name, :from_addr, :text_body)"
)
_STEMMER_EMPTY = f"INSERT INTO temp.{_STEMMER} ({_STEMMER}) VALUES ('delete-all')"


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
    rows = connection.execute(select(*columns).where(Message.id.in_(ids))).all()
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
    _add_stems(connection, [tuple(row) for row in rows])
    connection.execute(delete(_PENDING).where(_PENDING.c.message_id.in_(ids)))
    return len(ids)


def _tokenized(connection: Connection, rows: list[tuple[str | None, ...]]) -> list[list[str]]:
    """The terms the word index makes of each row (subject, from_name, from_addr,
    text_body), in order: the stemmer index filled, read and emptied."""
    for statement in _STEMMER_TABLES:
        connection.exec_driver_sql(statement)
    keys = ("subject", "from_name", "from_addr", "text_body")
    connection.execute(
        _STEMMER_FILL,
        [{"id": i, **dict(zip(keys, row, strict=True))} for i, row in enumerate(rows, 1)],
    )
    try:
        found = connection.exec_driver_sql(
            f"SELECT doc, term FROM temp.{_STEMMER}_terms ORDER BY doc, col, offset"
        ).all()
    finally:
        connection.exec_driver_sql(_STEMMER_EMPTY)
    terms: list[list[str]] = [[] for _ in rows]
    for doc, term in found:
        terms[doc - 1].append(term)
    return terms


def stems_of(connection: Connection, words: list[str]) -> list[str | None]:
    """SQLite: each word as the word index holds it (its stem), None if it is not one
    term there (web/search_stems.py)."""
    if not words:
        return []
    tokens = _tokenized(connection, [(w, None, None, None) for w in words])
    return [found[0] if len(found) == 1 else None for found in tokens]


def _add_stems(connection: Connection, rows: list[tuple[str | None, ...]]) -> None:
    """The terms of these messages, each as the word index holds it, into `search_stems`
    (migration 0022): a long prefix is searched as the stems it begins."""
    if not rows:
        return
    terms = sorted({term for found in _tokenized(connection, rows) for term in found})
    if not terms:  # mail without words (quarantined unread)
        return
    connection.execute(
        text("INSERT OR IGNORE INTO search_stems (stem) VALUES (:s)"), [{"s": t} for t in terms]
    )
