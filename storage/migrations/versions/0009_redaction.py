"""Redaction: what was found in a call, and where its unredacted audio is kept (when settings keep it).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("original_audio_key", sa.String(512), nullable=False, server_default=""))
        batch.add_column(sa.Column("redaction", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("redaction")
        batch.drop_column("original_audio_key")
