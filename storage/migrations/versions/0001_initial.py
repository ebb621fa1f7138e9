"""Calls, transcript segments with word timings, job attempts, API keys, and the first full-text index.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Float, nullable=False, server_default="0"),
        sa.Column("stage", sa.String(32)),
        sa.Column("error", sa.Text),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(255)),
        sa.Column("direction", sa.String(16)),
        sa.Column("agent_id", sa.String(128)),
        sa.Column("customer_number", sa.String(64)),
        sa.Column("started_at", TZ),
        sa.Column("channel_roles", sa.JSON, nullable=False),
        sa.Column("language_hint", sa.String(16)),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.Column("audio_key", sa.String(512), nullable=False),
        sa.Column("audio_sha256", sa.String(64), nullable=False),
        sa.Column("audio_size", sa.Integer, nullable=False),
        sa.Column("audio_filename", sa.String(255), nullable=False),
        sa.Column("audio_format", sa.String(64), nullable=False),
        sa.Column("duration", sa.Float, nullable=False),
        sa.Column("channels", sa.Integer, nullable=False),
        sa.Column("sample_rate", sa.Integer, nullable=False),
        sa.Column("language", sa.String(16)),
        sa.Column("model", sa.String(255)),
        sa.Column("speakers", sa.JSON, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("source", "external_id", name="uq_calls_source_external_id"),
    )
    op.create_index("ix_calls_status", "calls", ["status"])
    op.create_index("ix_calls_created_at", "calls", ["created_at"])
    op.create_index("ix_calls_agent_id", "calls", ["agent_id"])
    op.create_index("ix_calls_customer_number", "calls", ["customer_number"])

    op.create_table(
        "segments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.String(36), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("start", sa.Float, nullable=False),
        sa.Column("end", sa.Float, nullable=False),
        sa.Column("speaker", sa.String(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("channel", sa.Integer),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("text_normalized", sa.Text, nullable=False),
        sa.Column("words", sa.JSON, nullable=False),
    )
    op.create_index("ix_segments_call_id_idx", "segments", ["call_id", "idx"], unique=True)

    op.create_table(
        "job_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.String(36), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("worker", sa.String(255)),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ),
        sa.Column("outcome", sa.String(16)),
        sa.Column("error", sa.Text),
        sa.Column("timings", sa.JSON, nullable=False),
    )
    op.create_index("ix_job_attempts_call_id", "job_attempts", ["call_id"])

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ),
    )

    # Full-text index over the normalised segment text, kept in step with `segments` by the database
    # itself, so an index entry is written or removed in the same transaction as its segment.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE segments_fts USING fts5("
            "text_normalized, content='segments', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER segments_fts_insert AFTER INSERT ON segments BEGIN "
            "INSERT INTO segments_fts(rowid, text_normalized) VALUES (new.id, new.text_normalized); END"
        )
        op.execute(
            "CREATE TRIGGER segments_fts_delete AFTER DELETE ON segments BEGIN "
            "INSERT INTO segments_fts(segments_fts, rowid, text_normalized) "
            "VALUES ('delete', old.id, old.text_normalized); END"
        )
        op.execute(
            "CREATE TRIGGER segments_fts_update AFTER UPDATE OF text_normalized ON segments BEGIN "
            "INSERT INTO segments_fts(segments_fts, rowid, text_normalized) "
            "VALUES ('delete', old.id, old.text_normalized); "
            "INSERT INTO segments_fts(rowid, text_normalized) VALUES (new.id, new.text_normalized); END"
        )
    else:
        op.execute(
            "CREATE INDEX ix_segments_fts ON segments USING GIN (to_tsvector('simple', text_normalized))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS segments_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS segments_fts")
    op.drop_table("api_keys")
    op.drop_table("job_attempts")
    op.drop_table("segments")
    op.drop_table("calls")
