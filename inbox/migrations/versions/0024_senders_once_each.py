"""senders once each: from: finds a sender's messages exactly, reading no message row

The search operator `from:` finds the messages whose sender's address or name holds
the typed text. SQLite found a sender of few messages in the trigram index of each
message's sender (0020) and tested each as typed on its row; a sender of many (at
100,000 messages "from:delgado lease", 7,000 messages) was tested on each entry of
ix_messages_sender and each message row a walk met (~13 ms). `search_senders` holds
each sender (address and name) once, `search_senders_grams` their trigrams: the text
is looked up there and tested as typed on those few rows (~950 for "delgado" of 8,600
senders), and their messages are read from ix_messages_sender by their address and
name. web/search.py keeps those ids for the search in a table of its connection.
0020's index of every message's sender is no longer read: dropped.

Triggers keep the senders as messages are stored, changed or deleted (a sender no
message has any more is deleted). PostgreSQL: nothing changes.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SENDERS = "search_senders"
GRAMS = "search_senders_grams"
COLUMNS = "from_name, from_addr"
OLD = "messages_senders"  # 0020
_HELD = (  # whether a message still has the old sender
    "EXISTS (SELECT 1 FROM messages WHERE from_addr = old.from_addr AND from_name = old.from_name)"
)
_FORGET = (
    f"DELETE FROM {SENDERS} WHERE from_addr = old.from_addr AND from_name = old.from_name "
    f"AND NOT {_HELD};"
)
_KEEP = (
    f"INSERT OR IGNORE INTO {SENDERS} (from_addr, from_name) VALUES (new.from_addr, new.from_name);"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        f"CREATE TABLE {SENDERS} (id INTEGER PRIMARY KEY, from_addr TEXT NOT NULL, "
        "from_name TEXT NOT NULL, UNIQUE (from_addr, from_name))"
    )
    op.execute(
        f"CREATE VIRTUAL TABLE {GRAMS} USING fts5({COLUMNS}, content='{SENDERS}', "
        "content_rowid='id', tokenize='trigram')"
    )
    op.execute(
        f"CREATE TRIGGER {GRAMS}_insert AFTER INSERT ON {SENDERS} BEGIN "
        f"INSERT INTO {GRAMS} (rowid, {COLUMNS}) VALUES (new.id, new.from_name, new.from_addr); "
        "END"
    )
    op.execute(
        f"CREATE TRIGGER {GRAMS}_delete AFTER DELETE ON {SENDERS} BEGIN "
        f"INSERT INTO {GRAMS} ({GRAMS}, rowid, {COLUMNS}) "
        "VALUES ('delete', old.id, old.from_name, old.from_addr); END"
    )
    op.execute(
        f"INSERT INTO {SENDERS} (from_addr, from_name) "
        "SELECT DISTINCT from_addr, from_name FROM messages"
    )
    op.execute(f"CREATE TRIGGER {SENDERS}_insert AFTER INSERT ON messages BEGIN {_KEEP} END")
    op.execute(
        f"CREATE TRIGGER {SENDERS}_update AFTER UPDATE OF {COLUMNS} ON messages "
        f"BEGIN {_KEEP} {_FORGET} END"
    )
    op.execute(f"CREATE TRIGGER {SENDERS}_delete AFTER DELETE ON messages BEGIN {_FORGET} END")
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS {OLD}_{trigger}")
    op.execute(f"DROP TABLE IF EXISTS {OLD}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {SENDERS}_{trigger}")
    op.execute(f"DROP TABLE IF EXISTS {GRAMS}")
    op.execute(f"DROP TABLE IF EXISTS {SENDERS}")
    # 0020 as it was: every message's sender in a trigram index.
    op.execute(
        f"CREATE VIRTUAL TABLE {OLD} USING fts5({COLUMNS}, content='messages', "
        "content_rowid='id', tokenize='trigram')"
    )
    op.execute(f"INSERT INTO {OLD}({OLD}) VALUES ('rebuild')")
    values = "new.id, new.from_name, new.from_addr"
    forget = (
        f"INSERT INTO {OLD}({OLD}, rowid, {COLUMNS}) "
        "VALUES ('delete', old.id, old.from_name, old.from_addr);"
    )
    remember = f"INSERT INTO {OLD}(rowid, {COLUMNS}) VALUES ({values});"
    op.execute(f"CREATE TRIGGER {OLD}_insert AFTER INSERT ON messages BEGIN {remember} END")
    op.execute(f"CREATE TRIGGER {OLD}_delete AFTER DELETE ON messages BEGIN {forget} END")
    op.execute(
        f"CREATE TRIGGER {OLD}_update AFTER UPDATE OF {COLUMNS} ON messages "
        f"BEGIN {forget} {remember} END"
    )
