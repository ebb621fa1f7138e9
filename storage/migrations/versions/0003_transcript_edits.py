"""Who last edited a transcript: imported or corrected transcripts are never overwritten by the model.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("transcript_source", sa.String(16)))  # model | import | correction
        batch.add_column(sa.Column("transcript_edited_by", sa.String(128)))
        batch.add_column(sa.Column("transcript_edited_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("transcript_edited_at")
        batch.drop_column("transcript_edited_by")
        batch.drop_column("transcript_source")
