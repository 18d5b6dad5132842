"""subject vector and stems: a search's page and its prefixes without per-row work

- PostgreSQL `subject_vector`: the subject's words as a stored generated column (as
  ix_messages_subject_words of 0013 held them, character for character), indexed in
  its place. Past the count's cap a queue is walked in its order testing each subject
  (web/search.py): the expression computed the words of each subject met (~20-35 us
  each at 100,000 messages: a triage page of "thank" walked 575 for 10 ms), the
  stored column is read with the row (~1 us).
- SQLite `search_stems`: every term of `messages_words` (the stems the porter
  tokenizer made), so a word searched as a prefix longer than the prefix index's three
  letters is asked as the few stems it begins (web/search_stems.py): FTS5 merges every
  term a prefix begins into one list before the first match is read, at each query
  ("regards" at 100,000 messages: ~7 ms a query, several a search; "regard": 0.1 ms).
  Filled here from the index, then kept by inbox/vocabulary.py with the other words.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 03:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBJECT_WORDS = (
    "to_tsvector('inbox_search'::regconfig, "
    "regexp_replace(coalesce(subject, ''), '[^[:alnum:]]+', ' ', 'g'))"
)
STEMS = "search_stems"
VOCABULARY = "temp.search_stems_vocabulary"  # the index's terms, read once


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE TABLE {STEMS} (stem TEXT PRIMARY KEY) WITHOUT ROWID")
        op.execute(f"CREATE VIRTUAL TABLE {VOCABULARY} USING fts5vocab(main, messages_words, row)")
        op.execute(f"INSERT INTO {STEMS} (stem) SELECT term FROM {VOCABULARY}")
        op.execute(f"DROP TABLE {VOCABULARY}")
        return
    op.execute(
        f"ALTER TABLE messages ADD COLUMN subject_vector tsvector "
        f"GENERATED ALWAYS AS ({SUBJECT_WORDS}) STORED"
    )
    op.execute("DROP INDEX IF EXISTS ix_messages_subject_words")
    op.execute("CREATE INDEX ix_messages_subject_words ON messages USING gin (subject_vector)")
    op.execute("ANALYZE messages")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TABLE IF EXISTS {STEMS}")
        return
    op.execute("DROP INDEX IF EXISTS ix_messages_subject_words")
    op.execute("ALTER TABLE messages DROP COLUMN IF EXISTS subject_vector")
    op.execute(f"CREATE INDEX ix_messages_subject_words ON messages USING gin (({SUBJECT_WORDS}))")
