"""search words beside the queue (PostgreSQL): the word indexes hold the queue's columns,
the words are read with the row, a client's messages in the queues' order

- `ix_messages_search_vector` and `ix_messages_subject_words` (0013, 0022) again, each
  a GIN index also of the message's state, label and client (btree_gin) and of its
  sender's trigrams (pg_trgm), when those extensions can be had. A search in a queue
  ("invoice" in Triage, "client:northwind invoice", "from:delgado lease") was two or
  three bitmaps ANDed: every message holding the word (27,000 for "invoice" at 100,000
  messages, 6-9 ms to collect) and every one of the queue. One index scan now finds
  the messages that hold both (2,264 there, ~1.5 ms).
- `search_vector` read with the row: stored in the table (STORAGE MAIN, lz4 where the
  server has it) and the table's rows made up to 4 kB before anything is moved out
  (toast_tuple_target; the bodies and headers go first). Each test of a message's
  words (a count's recheck, a queue walked testing each message, ts_rank) fetched a
  vector moved out of the row for 17% of them and decompressed it (~13 us each);
  "HV-2026-0007" counted and ranked at once: 12-14 ms, now 5. The table grows (at
  100,000 messages 167 MB to ~390 MB, its TOAST table 250 MB to ~60 MB). The existing
  rows are rewritten once for it (~30 s at 100,000 messages).
- `ix_messages_client_order`: each client's messages in the queues' order: a client's
  search walks its own messages (walking the whole queue order tested 1,750 rows of
  other clients for "client:northwind invoice", 7-13 ms; now ~200, 1.5 ms).

SQLite: nothing changes.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORD_INDEXES = {  # index -> the column of words it holds
    "ix_messages_search_vector": "search_vector",
    "ix_messages_subject_words": "subject_vector",
}
QUEUE_COLUMNS = ("state", "label", "client_id")  # btree_gin
SENDER_COLUMNS = ("from_addr gin_trgm_ops", "from_name gin_trgm_ops")  # pg_trgm
ROW_TARGET = 4080  # bytes of a row before TOAST moves values out (the most allowed)
CLIENT_ORDER = (
    "CREATE INDEX ix_messages_client_order ON messages (client_id, (sla_due_at IS NULL), "
    "sla_due_at, priority DESC, received_at, id) INCLUDE (state, label)"
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    beside: list[str] = []
    if _extension(bind, "btree_gin"):
        beside += QUEUE_COLUMNS
    if bind.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").first():
        beside += SENDER_COLUMNS
    if beside:
        for index, words in WORD_INDEXES.items():
            op.execute(f"DROP INDEX IF EXISTS {index}")
            op.execute(f"CREATE INDEX {index} ON messages USING gin ({', '.join(beside)}, {words})")
    op.execute(CLIENT_ORDER)
    op.execute(f"ALTER TABLE messages SET (toast_tuple_target = {ROW_TARGET})")
    op.execute("ALTER TABLE messages ALTER COLUMN search_vector SET STORAGE MAIN")
    if _has_lz4(bind):
        op.execute("ALTER TABLE messages ALTER COLUMN search_vector SET COMPRESSION lz4")
    # Each row written again under the new storage. A generated column is computed anew
    # only when a column it is made of is set ("SET search_vector = DEFAULT" kept each
    # old value, out of the row); the words are the same, so search_words' trigger and
    # the metrics' (of other columns) do not fire.
    op.execute("UPDATE messages SET subject = subject")
    op.execute("ANALYZE messages")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE messages ALTER COLUMN search_vector SET STORAGE EXTENDED")
    op.execute("ALTER TABLE messages ALTER COLUMN search_vector SET COMPRESSION DEFAULT")
    op.execute("ALTER TABLE messages RESET (toast_tuple_target)")
    op.execute("DROP INDEX IF EXISTS ix_messages_client_order")
    for index, words in WORD_INDEXES.items():
        op.execute(f"DROP INDEX IF EXISTS {index}")
        op.execute(f"CREATE INDEX {index} ON messages USING gin ({words})")


def _extension(bind: sa.Connection, name: str) -> bool:
    """Whether extension `name` is there or could be created by this role."""
    try:
        with bind.begin_nested():
            bind.exec_driver_sql(f"CREATE EXTENSION IF NOT EXISTS {name}")
    except sa.exc.DBAPIError:
        return False
    return True


def _has_lz4(bind: sa.Connection) -> bool:
    """Whether this server was built with lz4 (a TOAST compression it offers)."""
    values = bind.exec_driver_sql(
        "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
    ).scalar()
    return "lz4" in (values or [])
