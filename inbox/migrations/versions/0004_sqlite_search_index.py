"""a full-text index for the queue search on SQLite (FTS5, trigram: substring search)

PostgreSQL got trigram indexes in 0003. SQLite builds without FTS5's trigram
tokenizer (before 3.34) skip this; the search then scans, as before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "subject, from_addr, from_name, text_body"  # web/search.py searches these
NEW = "new.id, new.subject, new.from_addr, new.from_name, new.text_body"
OLD = "old.id, old.subject, old.from_addr, old.from_name, old.text_body"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite" or not _trigram_available(bind):
        return
    op.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5({COLUMNS}, "
        "content='messages', content_rowid='id', tokenize='trigram')"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN "
        f"INSERT INTO messages_fts(rowid, {COLUMNS}) VALUES ({NEW}); END"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN "
        f"INSERT INTO messages_fts(messages_fts, rowid, {COLUMNS}) VALUES ('delete', {OLD}); END"
    )
    op.execute(
        f"CREATE TRIGGER messages_fts_update AFTER UPDATE OF {COLUMNS} ON messages BEGIN "
        f"INSERT INTO messages_fts(messages_fts, rowid, {COLUMNS}) VALUES ('delete', {OLD}); "
        f"INSERT INTO messages_fts(rowid, {COLUMNS}) VALUES ({NEW}); END"
    )
    op.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")


def _trigram_available(bind: sa.Connection) -> bool:
    try:
        with bind.begin_nested():
            bind.exec_driver_sql(
                "CREATE VIRTUAL TABLE temp.ir_probe USING fts5(x, tokenize='trigram')"
            )
            bind.exec_driver_sql("DROP TABLE temp.ir_probe")
    except sa.exc.DBAPIError:
        return False
    return True


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS messages_fts_{trigger}")
    op.execute("DROP TABLE IF EXISTS messages_fts")
