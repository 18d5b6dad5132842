"""drafts.to_addrs, drafts.cc_addrs: the recipients a person set on a draft

Null means the thread's defaults (reply-all: the sender and Reply-To, the original's
other To and Cc addresses as copies); a VA's edit on the draft page is stored here.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("to_addrs", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("cc_addrs", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("cc_addrs")
        batch.drop_column("to_addrs")
