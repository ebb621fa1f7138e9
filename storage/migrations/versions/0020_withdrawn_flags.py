"""A flag whose rule no longer holds after a transcript changed is withdrawn, not deleted: it leaves
the open queue with the reason, and stays in the call's history.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("flags") as batch:
        batch.add_column(sa.Column("withdrawn_reason", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("flags") as batch:
        batch.drop_column("withdrawn_reason")
