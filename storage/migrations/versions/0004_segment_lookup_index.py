"""A covering index from segment id to call and role: search reads these for every full-text match,
and the index is far smaller than the segment rows (measured on SQLite, 1M segments: 276 -> 226 ms
for a word in 27% of segments).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_segments_id_call_role", "segments", ["id", "call_id", "role"])


def downgrade() -> None:
    op.drop_index("ix_segments_id_call_role", "segments")
