"""rules_versions: the rules file's versions saved from the admin page

Each save from the admin page keeps the whole file (with who saved it, when, and a
rollback's source version), so the page shows a history and can roll back.

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rules_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("restored_from", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index("ix_rules_versions_saved_at", "rules_versions", ["saved_at"])


def downgrade() -> None:
    op.drop_index("ix_rules_versions_saved_at", table_name="rules_versions")
    op.drop_table("rules_versions")
