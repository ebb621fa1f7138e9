"""The fuzzy-matching vocabulary, per agent and by length.

Each indexed form is kept once per agent whose calls hold it (the empty string for calls without an
agent), so a team-scoped search draws its fuzzy expansions only from calls it may see; the length
column narrows candidates to words within the edit limit before any distance is computed.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vocabulary",
        sa.Column("agent_id", sa.String(128), primary_key=True),
        sa.Column("term", sa.String(128), primary_key=True),
        sa.Column("length", sa.SmallInteger, nullable=False),
    )
    op.create_index("ix_vocabulary_length_term", "vocabulary", ["length", "term"])
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT coalesce(calls.agent_id, '') AS agent_id, segments.search_forms AS forms "
            "FROM segments JOIN calls ON calls.id = segments.call_id"
        ).execution_options(stream_results=True)
    )
    pairs = {(row.agent_id, term[:128]) for row in rows for term in row.forms.split()}
    vocabulary = sa.table(
        "vocabulary", sa.column("agent_id", sa.String), sa.column("term", sa.String), sa.column("length")
    )
    ordered = sorted(pairs)
    for start in range(0, len(ordered), 5000):
        bind.execute(
            vocabulary.insert(),
            [{"agent_id": a, "term": t, "length": len(t)} for a, t in ordered[start : start + 5000]],
        )
    op.drop_table("search_vocabulary")


def downgrade() -> None:
    op.create_table("search_vocabulary", sa.Column("term", sa.String(128), primary_key=True))
    op.execute("INSERT INTO search_vocabulary (term) SELECT DISTINCT term FROM vocabulary")
    op.drop_index("ix_vocabulary_length_term", "vocabulary")
    op.drop_table("vocabulary")
