"""Login hardening and a stored mail view

- users.session_generation: bumped by logout and password changes; a session cookie
  carries the generation it was made under and stops working when it moves on.
- login_failures: one row a failed login (address tried, client address, when), so the
  throttle counts per account and per client address with plain indexed queries.
- messages.html_remote_images: how many remote images were taken out of the stored
  HTML at ingest; NULL for rows stored before, which are cleaned when shown.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("html_remote_images", sa.Integer(), nullable=True))
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
    )
    op.create_index("ix_login_failures_email_at", "login_failures", ["email", "at"])
    op.create_index("ix_login_failures_address_at", "login_failures", ["address", "at"])


def downgrade() -> None:
    op.drop_index("ix_login_failures_address_at", table_name="login_failures")
    op.drop_index("ix_login_failures_email_at", table_name="login_failures")
    op.drop_table("login_failures")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("html_remote_images")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_generation")
