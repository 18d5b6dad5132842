"""matters.keywords: the words clients use for a matter (parties, addresses, projects)

Optional in matters.csv (`;`-separated); the matter resolver reads it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("matters") as batch:
        batch.add_column(sa.Column("keywords", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("matters") as batch:
        batch.drop_column("keywords")
