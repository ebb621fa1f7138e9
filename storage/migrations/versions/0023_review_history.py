"""One QA review per reviewer, call and scorecard: a second submission replaces the first, which is
kept in the review's history.

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("qa_reviews") as batch:
        batch.add_column(sa.Column("history", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("qa_reviews") as batch:
        batch.drop_column("history")
