"""sender trigrams: from: one person's messages found in an index (SQLite)

The search operator `from:` finds a part of the sender's address or name anywhere in
it, which no b-tree can look up: SQLite tested LIKE on each of the 100,000 entries of
ix_messages_sender (0016), and on each message row a page's walks met. For a sender
of many messages a walk soon meets enough; for one person's few it read them all (at
100,000 messages, "from:brooks19" 0.4 s, "from:ana.brooks19 the" 85 ms).
`messages_senders` is an FTS5 index of the two columns with the trigram tokenizer
(SQLite 3.34+): a string of three characters or more is found as it is, anywhere in
either column, case-insensitively, from the index alone. web/search.py looks up a
sender's messages there when they are few, each still tested as typed.
PostgreSQL has had pg_trgm indexes on both columns since 0003: nothing changes there.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-12 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SENDERS = "messages_senders"
COLUMNS = "from_name, from_addr"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        f"CREATE VIRTUAL TABLE {SENDERS} USING fts5({COLUMNS}, content='messages', "
        "content_rowid='id', tokenize='trigram')"
    )
    op.execute(f"INSERT INTO {SENDERS}({SENDERS}) VALUES ('rebuild')")
    op.execute(
        f"CREATE TRIGGER {SENDERS}_insert AFTER INSERT ON messages BEGIN "
        f"INSERT INTO {SENDERS}(rowid, {COLUMNS}) VALUES (new.id, new.from_name, "
        "new.from_addr); END"
    )
    op.execute(
        f"CREATE TRIGGER {SENDERS}_delete AFTER DELETE ON messages BEGIN "
        f"INSERT INTO {SENDERS}({SENDERS}, rowid, {COLUMNS}) "
        "VALUES ('delete', old.id, old.from_name, old.from_addr); END"
    )
    op.execute(
        f"CREATE TRIGGER {SENDERS}_update AFTER UPDATE OF {COLUMNS} ON messages BEGIN "
        f"INSERT INTO {SENDERS}({SENDERS}, rowid, {COLUMNS}) "
        "VALUES ('delete', old.id, old.from_name, old.from_addr); "
        f"INSERT INTO {SENDERS}(rowid, {COLUMNS}) VALUES (new.id, new.from_name, "
        "new.from_addr); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS {SENDERS}_{trigger}")
    op.execute(f"DROP TABLE IF EXISTS {SENDERS}")
