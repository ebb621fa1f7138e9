"""PostgreSQL search at a million segments: call-level postings, and an index of adjacent word pairs.

`call_terms (term, seq, role) -> segments`:
A one-word search ("refund", "refun*", "refund OR charge", with a speaker, date or other call filter)
is answered from this table's primary key by an index-only scan: which calls hold the word, on which
side, in how many segments. The GIN index on segments answers the same question, but every match then
costs a heap page read for its call number and rank, and at a million segments a frequent word is
tens of thousands of page reads. Queries that need segment-level logic (phrases, several words in one
segment, exclusions) keep using the GIN indexes.

Statement-level triggers keep the table in step with `segments` inside the same transaction; SQLite
needs none of this (FTS5 row ids already carry call and side, see 0007).

`segments.pairs_tsv`: each pair of adjacent words, joined ("cancel cancel" -> "cancelcancel"). GIN
has no positions, so a phrase found through `exact_tsv` is rechecked on every segment holding all its
words; a phrase of common words ("cancel cancel") meant thousands of heap reads. Requiring its pairs
first narrows that to the segments that hold them next to each other (a joined pair can also arise by
chance, "ab c" and "a bc"; the recheck against `exact_tsv` still decides).

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Terms grouped per call and side for a set of segment rows; the role code is read from the id
# (storage/segment_keys.py) so the trigger needs nothing but the rows it is given.
POSTINGS = (
    "SELECT u.lexeme AS term, r.id >> 20 AS seq, ((r.id >> 16) & 15)::smallint AS role, "
    "count(*)::integer AS segments FROM {rows} r, unnest(r.forms_tsv) AS u GROUP BY 1, 2, 3"
)

FUNCTION = f"""
CREATE FUNCTION call_terms_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE call_terms c SET segments = c.segments - g.segments
      FROM ({POSTINGS.format(rows="old_rows")}) g
     WHERE c.term = g.term AND c.seq = g.seq AND c.role = g.role;
    DELETE FROM call_terms c
     USING ({POSTINGS.format(rows="old_rows")}) g
     WHERE c.term = g.term AND c.seq = g.seq AND c.role = g.role AND c.segments <= 0;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO call_terms (term, seq, role, segments)
    {POSTINGS.format(rows="new_rows")}
    ON CONFLICT (term, seq, role) DO UPDATE SET segments = call_terms.segments + EXCLUDED.segments;
  END IF;
  RETURN NULL;
END $$
"""


PAIRS = """
CREATE FUNCTION callrec_word_pairs(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(w || n, ' '), '') FROM (
    SELECT w, lead(w) OVER (ORDER BY i) AS n
      FROM unnest(string_to_array($1, ' ')) WITH ORDINALITY AS t(w, i) WHERE w <> ''
  ) pairs WHERE n IS NOT NULL
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PAIRS)
    op.execute(
        "ALTER TABLE segments ADD COLUMN pairs_tsv tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple', callrec_word_pairs(text_normalized))) STORED"
    )
    op.execute("CREATE INDEX ix_segments_pairs_tsv ON segments USING GIN (pairs_tsv)")
    # "C" collation: byte order, so a prefix search is a range scan of the primary key.
    op.execute(
        "CREATE TABLE call_terms ("
        ' term text COLLATE "C" NOT NULL, seq bigint NOT NULL, role smallint NOT NULL,'
        " segments integer NOT NULL,"
        " PRIMARY KEY (term, seq, role) INCLUDE (segments))"
    )
    op.execute(f"INSERT INTO call_terms {POSTINGS.format(rows='segments')}")
    op.execute(FUNCTION)
    op.execute(
        "CREATE TRIGGER call_terms_insert AFTER INSERT ON segments REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION call_terms_sync()"
    )
    op.execute(
        "CREATE TRIGGER call_terms_delete AFTER DELETE ON segments REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION call_terms_sync()"
    )
    op.execute(
        "CREATE TRIGGER call_terms_update AFTER UPDATE ON segments "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION call_terms_sync()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER call_terms_{name} ON segments")
    op.execute("DROP FUNCTION call_terms_sync()")
    op.execute("DROP TABLE call_terms")
    op.execute("DROP INDEX ix_segments_pairs_tsv")
    op.execute("ALTER TABLE segments DROP COLUMN pairs_tsv")
    op.execute("DROP FUNCTION callrec_word_pairs(text)")
