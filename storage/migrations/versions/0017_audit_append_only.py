"""The audit trail becomes append-only in the engine, and its chain can be keyed.

Triggers on both engines refuse to delete an entry or change one whose hash is written (the hash is
set once, just after the insert, when the entry's id is known). The one sanctioned rewrite, keying
an existing chain (storage/audit_key.py), first puts a row in `audit_maintenance`, in its own
transaction; the triggers let changes through only while that row exists. A database owner can drop
triggers: the keyed hash and the anchors kept outside the database are what make tampering show.

`audit_head.scheme`: "sha256" (the chain as it was) or "hmac-sha256" (keyed, from when a key was first
configured); `key_id` names the key (an HMAC of a fixed text), so a process holding another key is
refused rather than silently breaking the chain.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

REFUSAL = "audit entries are append-only"


def upgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("scheme", sa.String(16), nullable=False, server_default="sha256"))
        batch.add_column(sa.Column("key_id", sa.String(16)))
    op.create_table("audit_maintenance", sa.Column("id", sa.Integer, primary_key=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
            "WHEN NOT EXISTS (SELECT 1 FROM audit_maintenance) "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "WHEN old.hash <> '' AND NOT EXISTS (SELECT 1 FROM audit_maintenance) "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
        )
        return
    op.execute(
        f"""
        CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM audit_maintenance) THEN
            RETURN COALESCE(NEW, OLD);
          END IF;
          IF TG_OP = 'UPDATE' AND OLD.hash = '' THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION '{REFUSAL}';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_log_no_delete")
        op.execute("DROP TRIGGER audit_log_no_update")
    else:
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_table("audit_maintenance")
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("key_id")
        batch.drop_column("scheme")
