"""Speaker voiceprints per call, and the voice watchlist compliance keeps.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "speaker_voices",
        sa.Column("call_id", sa.String(36), sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("speaker", sa.String(32), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("role_source", sa.String(32), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("embedding", sa.LargeBinary, nullable=False),
        sa.Column("speech_seconds", sa.Float, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "voice_watches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        # The voiceprint is copied: the watch outlives the call it was taken from (retention).
        sa.Column("call_id", sa.String(36), sa.ForeignKey("calls.id", ondelete="SET NULL")),
        sa.Column("speaker", sa.String(32), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("embedding", sa.LargeBinary, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("ended_by", sa.String(128)),
        sa.Column("ended_at", TZ),
    )
    op.create_index("ix_voice_watches_active", "voice_watches", ["active"])
    op.create_index("ix_speaker_voices_role", "speaker_voices", ["role", "role_source"])


def downgrade() -> None:
    op.drop_table("voice_watches")
    op.drop_table("speaker_voices")
