"""indexes for the queue pages: their sort order, "my escalations" counts, search

On PostgreSQL the search (ILIKE '%term%' over subject, sender and text) gets trigram
indexes when the pg_trgm extension can be created; without it the search still
works, by scanning.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    order: list[object] = [
        sa.text("(sla_due_at IS NULL)"),
        "sla_due_at",
        sa.text("priority DESC"),
        "received_at",
        "id",
    ]
    if bind.dialect.name == "sqlite":
        # SQLite checks these from the index entry, so no row is read to skip a message
        # of another queue, label or client. PostgreSQL reads the row anyway (an index
        # scan) and, given the wider index, counts with it instead of (state, sla_due_at).
        order += ["state", "label", "client_id"]
    op.create_index("ix_messages_queue_order", "messages", order, unique=False)
    op.create_index("ix_messages_client_label", "messages", ["client_id", "label"], unique=False)
    op.create_index(
        "ix_messages_attorney_state",
        "messages",
        ["assignee_attorney_id", "state"],
        unique=False,
    )
    if bind.dialect.name == "postgresql" and _trigram_available(bind):
        for column in SEARCHED:
            op.execute(
                f"CREATE INDEX ix_messages_{column}_trgm ON messages "
                f"USING gin ({column} gin_trgm_ops)"
            )


SEARCHED = ("subject", "from_addr", "from_name", "text_body")  # web/queries.py _filtered


def _trigram_available(bind: sa.Connection) -> bool:
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        return False  # not installed, or this role may not create it
    return True


def downgrade() -> None:
    for column in SEARCHED:
        op.execute(f"DROP INDEX IF EXISTS ix_messages_{column}_trgm")
    op.drop_index("ix_messages_client_label", table_name="messages")
    op.drop_index("ix_messages_attorney_state", table_name="messages")
    op.drop_index("ix_messages_queue_order", table_name="messages")
