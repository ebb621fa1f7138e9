"""Search forms (stems, prefix-stripped words) beside the exact text, and a vocabulary for fuzzy search.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from storage.terms import index_forms

    op.add_column("segments", sa.Column("search_forms", sa.Text, nullable=False, server_default=""))
    op.create_table("search_vocabulary", sa.Column("term", sa.String(128), primary_key=True))
    bind = op.get_bind()
    segments = sa.table(
        "segments",
        sa.column("id", sa.Integer),
        sa.column("text", sa.Text),
        sa.column("search_forms", sa.Text),
    )
    vocabulary = sa.table("search_vocabulary", sa.column("term", sa.String))
    terms: set[str] = set()
    for row in bind.execute(sa.select(segments.c.id, segments.c.text)).all():
        forms = index_forms(row.text)
        terms.update(forms.split())
        bind.execute(segments.update().where(segments.c.id == row.id).values(search_forms=forms))
    if terms:
        bind.execute(vocabulary.insert(), [{"term": t[:128]} for t in sorted(terms)])

    if bind.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS segments_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS segments_fts")
        op.execute(
            "CREATE VIRTUAL TABLE segments_fts USING fts5(text_normalized, search_forms, content='segments', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
        )
        op.execute(
            "CREATE TRIGGER segments_fts_insert AFTER INSERT ON segments BEGIN "
            "INSERT INTO segments_fts(rowid, text_normalized, search_forms) "
            "VALUES (new.id, new.text_normalized, new.search_forms); END"
        )
        op.execute(
            "CREATE TRIGGER segments_fts_delete AFTER DELETE ON segments BEGIN "
            "INSERT INTO segments_fts(segments_fts, rowid, text_normalized, search_forms) "
            "VALUES ('delete', old.id, old.text_normalized, old.search_forms); END"
        )
        op.execute(
            "CREATE TRIGGER segments_fts_update AFTER UPDATE ON segments BEGIN "
            "INSERT INTO segments_fts(segments_fts, rowid, text_normalized, search_forms) "
            "VALUES ('delete', old.id, old.text_normalized, old.search_forms); "
            "INSERT INTO segments_fts(rowid, text_normalized, search_forms) "
            "VALUES (new.id, new.text_normalized, new.search_forms); END"
        )
        op.execute("INSERT INTO segments_fts(segments_fts) VALUES ('rebuild')")
    else:
        op.execute("DROP INDEX IF EXISTS ix_segments_fts")
        # Stored tsvectors: ranking reads them instead of re-parsing text for every matching row.
        op.execute(
            "ALTER TABLE segments ADD COLUMN exact_tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', text_normalized)) STORED"
        )
        op.execute(
            "ALTER TABLE segments ADD COLUMN forms_tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', search_forms)) STORED"
        )
        op.execute("CREATE INDEX ix_segments_exact_tsv ON segments USING GIN (exact_tsv)")
        op.execute("CREATE INDEX ix_segments_forms_tsv ON segments USING GIN (forms_tsv)")


def downgrade() -> None:
    raise NotImplementedError("0002 is not reversible; restore from a backup")
