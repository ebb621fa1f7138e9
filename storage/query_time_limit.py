"""A time limit on one search, enforced by the database engine itself."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from .errors import SearchTooCostly


@contextmanager
def time_limit(session: Session, seconds: float) -> Iterator[None]:
    """Stop the engine's statements once `seconds` have passed (PostgreSQL's statement_timeout, an
    SQLite progress handler), and say so with SearchTooCostly."""
    refusal = SearchTooCostly(
        f"the search ran past its limit of {seconds:g} s: use fewer OR or fuzzy terms, or filters"
    )
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL statement_timeout = {max(1, int(seconds * 1000))}"))
        try:
            yield
        except OperationalError as exc:
            if "statement timeout" in str(exc):
                raise refusal from exc
            raise
        session.execute(text("SET LOCAL statement_timeout = DEFAULT"))
        return
    raw: Any = session.connection().connection.driver_connection  # sqlite3.Connection
    deadline = time.monotonic() + seconds
    raw.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    try:
        yield
    except OperationalError as exc:
        if "interrupted" in str(exc):
            raise refusal from exc
        raise
    finally:
        raw.set_progress_handler(None, 0)
