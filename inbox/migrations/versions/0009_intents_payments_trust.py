"""messages.intent; payments, trust_balances, firm_documents; drafts' attachments

Optional payments.csv and trust.csv, and the directory's invoices/<number>.pdf and
w9.pdf, which drafts and outbox entries attach by name.

The intent under a message's label (rules/intents.py) is stored beside the label so the
message page shows it; payments let a draft confirm a payment, trust balances let it
answer "how much of my retainer is left?".

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite >= 3.35 and PostgreSQL both have it): a batch copy of
    # messages would lose its expression indexes and full-text triggers.
    op.add_column("messages", sa.Column("intent", sa.String(40), nullable=True))
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoices.id"), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("method", sa.String(60), nullable=False),
        sa.Column("reference", sa.String(120), nullable=False),
        sa.UniqueConstraint("invoice_id", "paid_on", "amount", "reference", name="uq_payments_row"),
    )
    op.create_index("ix_payments_invoice_id", "payments", ["invoice_id"])
    op.create_table(
        "trust_balances",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("matter_id", sa.Integer(), sa.ForeignKey("matters.id"), nullable=True),
        sa.Column("balance", sa.Numeric(14, 2), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.UniqueConstraint("client_id", "matter_id", name="uq_trust_client_matter"),
    )
    op.create_index("ix_trust_balances_client_id", "trust_balances", ["client_id"])
    op.create_table(
        "firm_documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False, unique=True),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    for table in ("drafts", "outbox"):
        op.add_column(table, sa.Column("attachments", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in ("drafts", "outbox"):
        op.drop_column(table, "attachments")
    op.drop_table("firm_documents")
    op.drop_index("ix_trust_balances_client_id", table_name="trust_balances")
    op.drop_table("trust_balances")
    op.drop_index("ix_payments_invoice_id", table_name="payments")
    op.drop_table("payments")
    op.drop_column("messages", "intent")
