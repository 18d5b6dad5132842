"""sender index with state: a sender's messages in a queue, read from one index

`from:` inside a queue (SQLite) kept all of the sender's messages, read from
ix_messages_sender (0016), then walked the queue's index testing each entry against
them to find the few in the queue (at 100,000 messages "from:ana the" in Triage: 6,548
kept, ~10,000 entries walked, 683 left: ~5.5 ms). With the state at the end of that
index, the sender's messages in the queue's states are read from it directly, each
entry (address, name, state) a range of ids (~1.2 ms); a search of the sender alone
reads its first two columns as before. PostgreSQL gets the same index (its `from:` is
its trigram index; nothing there reads this one more than before).

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-07 19:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sender_index(columns: list[str]) -> None:
    op.drop_index("ix_messages_sender", table_name="messages")
    op.create_index("ix_messages_sender", "messages", columns)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE messages")  # the planner's choice of the new index needs it


def upgrade() -> None:
    _sender_index(["from_addr", "from_name", "state"])


def downgrade() -> None:
    _sender_index(["from_addr", "from_name"])
