"""Alembic environment: runs against the URL storage.database.migrate passes in."""

from alembic import context
from sqlalchemy import create_engine

from storage.tables import Base

config = context.config
connection = config.attributes.get("connection")


def run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    with create_engine(url).connect() as conn:  # type: ignore[arg-type]
        run(conn)
