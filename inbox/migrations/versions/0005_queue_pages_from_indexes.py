"""queue pages read their fifty ids from an index alone

The queue-order index carries state, label and client on PostgreSQL too, so a page
skips other queues', labels' and clients' messages without reading their rows (an
index-only scan), then reads its fifty rows. SQLite has had these columns at the
index's end since 0003; PostgreSQL keeps them as INCLUDE columns, outside the key.

The (client, label) index of a filtered queue continues in the queues' order, so its
page is read in order instead of sorting every message of that client and label.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORDER: list[object] = [
    sa.text("(sla_due_at IS NULL)"),
    "sla_due_at",
    sa.text("priority DESC"),
    "received_at",
    "id",
]


def upgrade() -> None:
    op.drop_index("ix_messages_client_label", table_name="messages")
    op.create_index(
        "ix_messages_client_label", "messages", ["client_id", "label", *ORDER], unique=False
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_messages_queue_order", table_name="messages")
    op.create_index(
        "ix_messages_queue_order",
        "messages",
        ORDER,
        unique=False,
        postgresql_include=["state", "label", "client_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_messages_client_label", table_name="messages")
    op.create_index("ix_messages_client_label", "messages", ["client_id", "label"], unique=False)
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_messages_queue_order", table_name="messages")
    op.create_index("ix_messages_queue_order", "messages", ORDER, unique=False)
