"""outbox.send_step: how far the current attempt got, recorded before each next step

So a worker that finds an entry left `sending` by a dead one knows whether the end
of data can have reached the SMTP server: only then is the entry held for a person.
Entries already `sending` when this runs keep NULL, which is read as "unknown" (the
cautious path: look in the Sent folder, hold when unsure).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("send_step", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("send_step")
