"""the current label on each message, for queue filters without a join

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 19:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("confidence", sa.Float(), nullable=True))
        batch_op.create_index("ix_messages_label", ["label"], unique=False)
    op.execute(
        "UPDATE messages SET "
        "label = (SELECT c.label FROM classifications c WHERE c.message_id = messages.id "
        "ORDER BY c.id DESC LIMIT 1), "
        "confidence = (SELECT c.confidence FROM classifications c "
        "WHERE c.message_id = messages.id ORDER BY c.id DESC LIMIT 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_label")
        batch_op.drop_column("confidence")
        batch_op.drop_column("label")
