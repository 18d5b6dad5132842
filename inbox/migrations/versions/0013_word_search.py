"""word search: stems and prefixes, ranked, with a vocabulary for typos

The queue search moves from substrings to words (web/search.py): "liens" finds
"lien", "lien" no longer finds "client".
- SQLite: an FTS5 index with the porter stemmer over unicode61 (`messages_words`),
  kept by triggers as the trigram index of 0004 was (which this replaces), and
  `search_words`, every word seen, for typo tolerance (filled from
  `search_words_pending`, the messages whose words are not in it yet).
- PostgreSQL: a generated tsvector column (`search_vector`, subject weighted above
  sender above text) in a text search configuration like `english` but keeping stop
  words (a search for "the" finds what it finds on SQLite), a GIN index on it, and
  `search_words`, every stem seen, for typo tolerance (trigram index when pg_trgm can
  be created). The trigram indexes of 0003 on subject and text go: nothing uses them.
Both split text at every character that is not a letter or digit, so "HV-2026-0007"
is three words on both.

Revision ID: 0013
Revises: 0014
Create Date: 2026-12-06 10:00:00
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("subject", "from_name", "from_addr", "text_body")  # web/search.py WEIGHTS order
WEIGHT = {"subject": "A", "from_name": "B", "from_addr": "B", "text_body": "D"}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _postgresql_upgrade()


def _sqlite_upgrade() -> None:
    for trigger in ("insert", "delete", "update"):  # the substring index of 0004
        op.execute(f"DROP TRIGGER IF EXISTS messages_fts_{trigger}")
    op.execute("DROP TABLE IF EXISTS messages_fts")
    columns = ", ".join(COLUMNS)
    new = ", ".join(f"new.{c}" for c in COLUMNS)
    old = ", ".join(f"old.{c}" for c in COLUMNS)
    op.execute(
        f"CREATE VIRTUAL TABLE messages_words USING fts5({columns}, content='messages', "
        "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER messages_words_insert AFTER INSERT ON messages BEGIN "
        f"INSERT INTO messages_words(rowid, {columns}) VALUES (new.id, {new}); END"
    )
    op.execute(
        "CREATE TRIGGER messages_words_delete AFTER DELETE ON messages BEGIN "
        f"INSERT INTO messages_words(messages_words, rowid, {columns}) "
        f"VALUES ('delete', old.id, {old}); END"
    )
    op.execute(
        f"CREATE TRIGGER messages_words_update AFTER UPDATE OF {columns} ON messages BEGIN "
        f"INSERT INTO messages_words(messages_words, rowid, {columns}) "
        f"VALUES ('delete', old.id, {old}); "
        f"INSERT INTO messages_words(rowid, {columns}) VALUES (new.id, {new}); END"
    )
    op.execute("INSERT INTO messages_words(messages_words) VALUES ('rebuild')")
    # The typo fallback's words: FTS5 cannot list its terms without reading the whole
    # index, so the words of each new or changed message wait in search_words_pending
    # and inbox/vocabulary.py adds them to search_words before it looks for a word.
    op.execute("CREATE TABLE search_words (word TEXT PRIMARY KEY) WITHOUT ROWID")
    op.execute("CREATE TABLE search_words_pending (message_id INTEGER PRIMARY KEY)")
    op.execute(
        "CREATE TRIGGER search_words_insert AFTER INSERT ON messages BEGIN "
        "INSERT OR IGNORE INTO search_words_pending VALUES (new.id); END"
    )
    op.execute(
        f"CREATE TRIGGER search_words_update AFTER UPDATE OF {columns} ON messages BEGIN "
        "INSERT OR IGNORE INTO search_words_pending VALUES (new.id); END"
    )
    _sqlite_words(op.get_bind())


WORD = re.compile(r"[^\W_]+")  # web/search_query.py words_of, as of this revision


def _sqlite_words(bind: sa.Connection) -> None:
    """The words of the messages stored so far (~20 s for 100,000 of them)."""
    last = 0
    while rows := bind.exec_driver_sql(
        "SELECT id, subject, from_name, from_addr, text_body FROM messages "
        "WHERE id > ? ORDER BY id LIMIT 2000",
        (last,),
    ).all():
        words = {w.lower() for row in rows for value in row[1:] for w in WORD.findall(value or "")}
        kept = sorted(w for w in words if 3 <= len(w) <= 40 and not w.isdigit())
        if kept:
            bind.exec_driver_sql(
                "INSERT OR IGNORE INTO search_words (word) VALUES (?)", [(w,) for w in kept]
            )
        last = rows[-1][0]


def _document() -> str:
    """The tsvector of a message: each column's words, split at non-alphanumerics."""
    parts = [
        f"setweight(to_tsvector('inbox_search', regexp_replace(coalesce({c}, ''), "
        f"'[^[:alnum:]]+', ' ', 'g')), '{WEIGHT[c]}')"
        for c in COLUMNS
    ]
    return " || ".join(parts)


def _postgresql_upgrade() -> None:
    # The english stemmer without its stop word list: every word is searchable.
    op.execute(
        "CREATE TEXT SEARCH DICTIONARY inbox_search_stem (TEMPLATE = snowball, LANGUAGE = english)"
    )
    op.execute("CREATE TEXT SEARCH CONFIGURATION inbox_search (COPY = english)")
    op.execute(
        "ALTER TEXT SEARCH CONFIGURATION inbox_search ALTER MAPPING FOR "
        "asciiword, asciihword, hword_asciipart, word, hword, hword_part "
        "WITH inbox_search_stem"
    )
    op.execute(
        f"ALTER TABLE messages ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({_document()}) STORED"
    )
    op.execute("CREATE INDEX ix_messages_search_vector ON messages USING gin (search_vector)")
    # The subject's words alone (web/search.py SUBJECT_VECTOR: subject matches first).
    op.execute(
        "CREATE INDEX ix_messages_subject_words ON messages USING gin ((to_tsvector("
        "'inbox_search'::regconfig, regexp_replace(coalesce(subject, ''), '[^[:alnum:]]+', "
        "' ', 'g'))))"
    )
    op.execute("CREATE TABLE search_words (word text PRIMARY KEY)")
    if _trigram_available(op.get_bind()):
        op.execute(
            "CREATE INDEX ix_search_words_trgm ON search_words USING gin (word gin_trgm_ops)"
        )
    # Sorted, so two ingests adding the same new words never wait on each other in a cycle.
    op.execute(
        "CREATE FUNCTION search_words_add() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO search_words (word) SELECT w FROM unnest(tsvector_to_array("
        "NEW.search_vector)) AS w ORDER BY w ON CONFLICT DO NOTHING; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER search_words_insert AFTER INSERT ON messages "
        "FOR EACH ROW EXECUTE FUNCTION search_words_add()"
    )
    op.execute(
        "CREATE TRIGGER search_words_update AFTER UPDATE ON messages FOR EACH ROW "
        "WHEN (OLD.search_vector IS DISTINCT FROM NEW.search_vector) "
        "EXECUTE FUNCTION search_words_add()"
    )
    op.execute(
        "INSERT INTO search_words (word) SELECT DISTINCT w FROM messages, "
        "unnest(tsvector_to_array(search_vector)) AS w ON CONFLICT DO NOTHING"
    )
    for column in ("subject", "text_body"):  # 0003's substring indexes
        op.execute(f"DROP INDEX IF EXISTS ix_messages_{column}_trgm")
    # Statistics for the new column and index now: without them the planner guessed 2
    # matches where there were 19,000 and sorted them all (0.2 s instead of 2 ms).
    op.execute("ANALYZE messages")


def _trigram_available(bind: sa.Connection) -> bool:
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        return False  # not installed, or this role may not create it
    return True


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS messages_words_{trigger}")
        op.execute("DROP TRIGGER IF EXISTS search_words_insert")
        op.execute("DROP TRIGGER IF EXISTS search_words_update")
        op.execute("DROP TABLE IF EXISTS search_words_pending")
        op.execute("DROP TABLE IF EXISTS search_words")
        op.execute("DROP TABLE IF EXISTS messages_words")
        return
    op.execute("DROP TRIGGER IF EXISTS search_words_insert ON messages")
    op.execute("DROP TRIGGER IF EXISTS search_words_update ON messages")
    op.execute("DROP FUNCTION IF EXISTS search_words_add()")
    op.execute("DROP TABLE IF EXISTS search_words")
    op.execute("DROP INDEX IF EXISTS ix_messages_subject_words")
    op.execute("DROP INDEX IF EXISTS ix_messages_search_vector")
    op.execute("ALTER TABLE messages DROP COLUMN IF EXISTS search_vector")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS inbox_search")
    op.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS inbox_search_stem")
    if _trigram_available(bind):
        for column in ("subject", "text_body"):
            op.execute(
                f"CREATE INDEX IF NOT EXISTS ix_messages_{column}_trgm ON messages "
                f"USING gin ({column} gin_trgm_ops)"
            )
