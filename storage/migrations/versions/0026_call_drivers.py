"""Call drivers: each call's drivers (named by operators or discovered), the discovered themes, and the
rises already announced (driver.rising).

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_drivers",
        sa.Column("call_id", sa.String(36), sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("driver_id", sa.String(64), primary_key=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
    )
    op.create_index("ix_call_drivers_driver", "call_drivers", ["driver_id"])
    op.create_table(
        "discovered_drivers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("keys", sa.JSON, nullable=False),
        sa.Column("phrases", sa.JSON, nullable=False),
        sa.Column("weights", sa.JSON, nullable=False),
        sa.Column("calls", sa.Integer, nullable=False),
        sa.Column("discovered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "driver_rises",
        sa.Column("driver_id", sa.String(64), primary_key=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("calls", sa.Integer, nullable=False),
        sa.Column("usual", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("driver_rises")
    op.drop_table("discovered_drivers")
    op.drop_index("ix_call_drivers_driver", "call_drivers")
    op.drop_table("call_drivers")
