"""Each segment's sentiment (label and score), stored so the search and the desk can use it.

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on both engines: a batch copy of the table would drop its full-text triggers.
    op.add_column("segments", sa.Column("sentiment", sa.String(8)))
    op.add_column("segments", sa.Column("sentiment_score", sa.Float))


def downgrade() -> None:
    with op.batch_alter_table("segments") as batch:
        batch.drop_column("sentiment_score")
        batch.drop_column("sentiment")
