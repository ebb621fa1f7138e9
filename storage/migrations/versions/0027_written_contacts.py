"""Written contacts: a call row's medium (call, chat or email) and an e-mail's subject and headers.

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on both engines, as 0025: no batch copy of the calls table.
    op.add_column("calls", sa.Column("medium", sa.String(8), nullable=False, server_default="call"))
    op.add_column("calls", sa.Column("contact_meta", sa.JSON))
    op.create_index("ix_calls_medium", "calls", ["medium"])


def downgrade() -> None:
    op.drop_index("ix_calls_medium", "calls")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("contact_meta")
        batch.drop_column("medium")
