"""Agent voice samples uploaded for enrolment, with the voiceprint the worker takes from each.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_voices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("agent_id", sa.String(128), nullable=False),
        sa.Column("sample_key", sa.String(512), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("model", sa.String(64)),
        sa.Column("embedding", sa.LargeBinary),
        sa.Column("speech_seconds", sa.Float),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_agent_voices_agent", "agent_voices", ["agent_id"])


def downgrade() -> None:
    op.drop_table("agent_voices")
