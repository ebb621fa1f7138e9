"""Scorecards are edited as new versions (earlier criteria kept, each review names the version it
was scored on), and agents acknowledge or dispute their reviews in a thread the reviewer answers.

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scorecards") as batch:
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("versions", sa.JSON))
    with op.batch_alter_table("qa_reviews") as batch:
        batch.add_column(sa.Column("scorecard_version", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("agent_response", sa.String(16)))
        batch.add_column(sa.Column("thread", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("qa_reviews") as batch:
        batch.drop_column("thread")
        batch.drop_column("agent_response")
        batch.drop_column("scorecard_version")
    with op.batch_alter_table("scorecards") as batch:
        batch.drop_column("versions")
        batch.drop_column("version")
