"""matters.updated: the day the firm last changed a matter's record

From an optional `updated` column of matters.csv; a status draft about a matter not
changed for longer than INBOX_ROUTER_STALE_MATTER_DAYS waits for the attorney.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("matters") as batch:
        batch.add_column(sa.Column("updated", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("matters") as batch:
        batch.drop_column("updated")
