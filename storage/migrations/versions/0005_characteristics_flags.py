"""Call characteristics, and flags raised by rules with their evidence and review state.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("characteristics", sa.JSON))
    op.create_table(
        "flags",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.String(36), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("rule_id", sa.String(128), nullable=False),
        sa.Column("rule_version", sa.Integer, nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reviewed_by", sa.String(128)),
        sa.Column("reviewed_at", TZ),
        sa.Column("comment", sa.Text),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("call_id", "rule_id", name="uq_flags_call_rule"),
    )
    op.create_index("ix_flags_category_state", "flags", ["category", "state"])
    op.create_index("ix_flags_created_at", "flags", ["created_at"])


def downgrade() -> None:
    op.drop_table("flags")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("characteristics")
