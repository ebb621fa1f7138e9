"""Teams (agents and the managers who see their calls), agent users, and QA scorecards and reviews.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    # An agent user sees the calls recorded under this telephony agent id.
    op.add_column("users", sa.Column("agent_id", sa.String(128), nullable=True))
    # The flag queue: who is working on a flag.
    op.add_column("flags", sa.Column("assigned_to", sa.String(128), nullable=True))
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "team_agents",
        sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("agent_id", sa.String(128), primary_key=True),
    )
    op.create_index("ix_team_agents_agent", "team_agents", ["agent_id"])
    op.create_table(
        "team_managers",
        sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_table(
        "scorecards",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("criteria", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "qa_reviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.String(36), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("scorecard_id", sa.Integer, sa.ForeignKey("scorecards.id"), nullable=False),
        sa.Column("agent_id", sa.String(128), nullable=True),
        sa.Column("reviewer", sa.String(255), nullable=False),
        sa.Column("scores", sa.JSON, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("comments", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_qa_reviews_call", "qa_reviews", ["call_id"])
    op.create_index("ix_qa_reviews_agent", "qa_reviews", ["agent_id", "created_at"])


def downgrade() -> None:
    for table in ("qa_reviews", "scorecards", "team_managers", "team_agents", "teams"):
        op.drop_table(table)
    op.drop_column("users", "agent_id")
    op.drop_column("flags", "assigned_to")
