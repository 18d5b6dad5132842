"""indexes for the queue pages: their sort order, and "my escalations" counts

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
    op.create_index(
        "ix_messages_queue_order",
        "messages",
        [
            sa.text("(sla_due_at IS NULL)"),
            "sla_due_at",
            sa.text("priority DESC"),
            "received_at",
            "id",
        ],
        unique=False,
    )
    op.create_index(
        "ix_messages_attorney_state",
        "messages",
        ["assignee_attorney_id", "state"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_messages_attorney_state", table_name="messages")
    op.drop_index("ix_messages_queue_order", table_name="messages")
