"""Database engine, sessions and migrations, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from .encryption import Keyring

# What other packages name instead of importing SQLAlchemy: a unit of work, and the error of a
# database that cannot be reached (the API answers 503 for it).
__all__ = ["Database", "DatabaseUnavailable", "Session"]
DatabaseUnavailable = OperationalError

MIGRATIONS = Path(__file__).parent / "migrations"


def _normalise_url(url: str) -> str:
    # psycopg 3 is the driver we ship; accept plain postgresql:// URLs for it.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Database:
    def __init__(self, url: str, audit_key: bytes | None = None, keyring: Keyring | None = None) -> None:
        self.url = _normalise_url(url)
        # The audit chain's key (storage/audit_key.py) and the keyring that seals secrets in columns
        # (storage/sealed.py), handed to every session.
        self.audit_key = audit_key
        self.keyring = keyring
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # pre_ping: a restarted PostgreSQL costs one failed checkout, not a restart of callrec.
        self.engine: Engine = create_engine(self.url, pool_pre_ping=True, future=True)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error."""
        session = self._sessions(info={"audit_key": self.audit_key, "keyring": self.keyring})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def migrate(self, revision: str = "head") -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def check(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while a worker writes; busy_timeout waits out the other writer.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()
