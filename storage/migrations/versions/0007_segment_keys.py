"""Segment ids that name their call and side: id = call seq << 20 | role code << 16 | segment index.

Full-text engines hand back row ids; with the call and role inside the id, search ranks calls and
filters by speaker from the index alone, without reading a segment row per match (at a million
segments that read was most of a search's time). Calls get a compact sequence number for this.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

NEW_ID = (
    "(SELECT seq FROM calls WHERE calls.id = segments.call_id) * 1048576 + "
    "(CASE role WHEN 'agent' THEN 1 WHEN 'customer' THEN 2 WHEN 'other' THEN 3 ELSE 0 END) * 65536 + idx"
)
TRIGGERS = {
    "insert": "AFTER INSERT ON segments BEGIN "
    "INSERT INTO segments_fts(rowid, text_normalized, search_forms) "
    "VALUES (new.id, new.text_normalized, new.search_forms); END",
    "delete": "AFTER DELETE ON segments BEGIN "
    "INSERT INTO segments_fts(segments_fts, rowid, text_normalized, search_forms) "
    "VALUES ('delete', old.id, old.text_normalized, old.search_forms); END",
    "update": "AFTER UPDATE ON segments BEGIN "
    "INSERT INTO segments_fts(segments_fts, rowid, text_normalized, search_forms) "
    "VALUES ('delete', old.id, old.text_normalized, old.search_forms); "
    "INSERT INTO segments_fts(rowid, text_normalized, search_forms) "
    "VALUES (new.id, new.text_normalized, new.search_forms); END",
}


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        op.add_column("calls", sa.Column("seq", sa.BigInteger))
    else:
        op.execute("CREATE SEQUENCE calls_seq_seq")
        op.add_column(
            "calls", sa.Column("seq", sa.BigInteger, server_default=sa.text("nextval('calls_seq_seq')"))
        )
        op.execute("ALTER SEQUENCE calls_seq_seq OWNED BY calls.seq")
    op.execute(
        "UPDATE calls SET seq = (SELECT n FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n "
        "FROM calls) numbered WHERE numbered.id = calls.id)"
    )
    if not sqlite:
        op.execute("SELECT setval('calls_seq_seq', coalesce((SELECT max(seq) FROM calls), 0) + 1, false)")
    op.create_index("ix_calls_seq", "calls", ["seq"], unique=True)
    # When a call happened, as search's date filters and date order read it.
    op.execute("CREATE INDEX ix_calls_moment ON calls ((coalesce(started_at, created_at)))")

    # 0004's covering index (id -> call, role) served the per-match segment reads this makes unneeded.
    op.drop_index("ix_segments_id_call_role", "segments")

    # Re-key segments. Negating first keeps old and new ids from colliding mid-update.
    if sqlite:
        for trigger in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS segments_fts_{trigger}")
    else:
        op.execute("ALTER TABLE segments ALTER COLUMN id DROP DEFAULT")
        op.execute("ALTER TABLE segments ALTER COLUMN id TYPE BIGINT")
        op.execute("DROP SEQUENCE IF EXISTS segments_id_seq")
    op.execute("UPDATE segments SET id = -id")
    op.execute(f"UPDATE segments SET id = {NEW_ID}")
    if sqlite:
        op.execute("INSERT INTO segments_fts(segments_fts) VALUES ('rebuild')")
        for trigger, body in TRIGGERS.items():
            op.execute(f"CREATE TRIGGER segments_fts_{trigger} {body}")


def downgrade() -> None:
    raise NotImplementedError("0007 is not reversible; restore from a backup")
