"""The audit trail (hash-chained, append-only), legal holds, and when a call's audio expired.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("origin", sa.String(255), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_log_action", "audit_log", ["action", "id"])
    # One row: the chain's end. Writers lock it, so entries are chained one after another, and a
    # removed tail shows (the head names an entry that is gone).
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_id", sa.Integer, nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )
    op.execute("INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '" + "0" * 64 + "')")
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.String(36)),
        sa.Column("customer_number", sa.String(64)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("released_by", sa.String(255)),
        sa.Column("released_at", TZ),
    )
    op.create_index("ix_legal_holds_call", "legal_holds", ["call_id"])
    op.create_index("ix_legal_holds_customer", "legal_holds", ["customer_number"])
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("audio_expired_at", TZ))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("audio_expired_at")
    op.drop_table("legal_holds")
    op.drop_table("audit_head")
    op.drop_table("audit_log")
