"""search and metrics speed: the typo vocabulary's trigrams, indexes for the metrics

- SQLite: `search_word_trigrams`, each word of `search_words` under each of its
  trigrams (as web/search_query.py trigrams makes them). A typo's candidates are the
  words sharing enough of its trigrams, looked up in this table, where every word of
  about its length was read and compared in Python (5 ms for 1,300 words; it grows with
  the vocabulary). inbox/vocabulary.py catch_up (after each ingest batch, and for a few
  pending messages at a typo lookup) keeps it with `search_words`.
  PostgreSQL has pg_trgm's index on `search_words` (0013).
- Metrics (web/metrics_data.py): the SLA breaches still open are counted from
  (state, sla_due_at, first_response_at), a superset of ix_messages_state_sla that it
  replaces, where ix_messages_sla_response read every deadline already past (nearly
  all); the accuracy of corrections starts from the few human labels
  (ix_classifications_source) instead of grouping every model label.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def trigrams(word: str) -> set[str]:
    """web/search_query.py trigrams, as of this revision (pg_trgm's padding)."""
    padded = f"  {word.lower()} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def upgrade() -> None:
    op.drop_index("ix_messages_state_sla", table_name="messages")
    op.create_index(
        "ix_messages_state_sla", "messages", ["state", "sla_due_at", "first_response_at"]
    )
    op.create_index("ix_classifications_source", "classifications", ["source", "message_id"])
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE search_word_trigrams (trigram TEXT NOT NULL, word TEXT NOT NULL, "
        "PRIMARY KEY (trigram, word)) WITHOUT ROWID"
    )
    _fill(op.get_bind())
    op.execute("ANALYZE")


def _fill(bind: sa.Connection) -> None:
    last = ""
    while (
        words := bind.exec_driver_sql(
            "SELECT word FROM search_words WHERE word > ? ORDER BY word LIMIT 5000", (last,)
        )
        .scalars()
        .all()
    ):
        rows = [(gram, word) for word in words for gram in trigrams(word)]
        bind.exec_driver_sql(
            "INSERT OR IGNORE INTO search_word_trigrams (trigram, word) VALUES (?, ?)", rows
        )
        last = words[-1]


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_word_trigrams")
    op.drop_index("ix_classifications_source", table_name="classifications")
    op.drop_index("ix_messages_state_sla", table_name="messages")
    op.create_index("ix_messages_state_sla", "messages", ["state", "sla_due_at"])
