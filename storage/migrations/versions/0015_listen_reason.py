"""Calls whose transcript cannot be trusted for the rules that concern them: a person listens instead.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("listen_reason", sa.Text))
    op.create_index(
        "ix_calls_needs_listen",
        "calls",
        ["created_at"],
        postgresql_where=sa.text("listen_reason IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_calls_needs_listen", "calls")
    op.drop_column("calls", "listen_reason")
