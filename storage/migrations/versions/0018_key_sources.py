"""A telephony key can be bound to the source it uploads for.

A call is idempotent on (source, external_id): without binding, any telephony key could register
another system's external ids first, and that system's real upload would then be answered with the
squatter's call. A bound key's uploads are stored under its source; an unbound key may not use a
source some key is bound to, nor one callrec's signed integrations own ("twilio").

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("source", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("source")
