"""sender search index: from: without reading every message row

The search operator `from:` is a substring of the sender's address or name, which no
b-tree can look up. A search like "from:delgado lease" read each of the 36,000 messages
holding "lease" (SQLite: 70-130 ms at 100,000 messages) to test the sender. With the
two columns in an index of their own, the database scans that small index instead of
the messages' rows (SQLite: a covering index scan, ~15 ms; web/search.py walks it).

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-06 13:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_messages_sender", "messages", ["from_addr", "from_name"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE messages")  # the planner's choice of the new index needs it


def downgrade() -> None:
    op.drop_index("ix_messages_sender", table_name="messages")
