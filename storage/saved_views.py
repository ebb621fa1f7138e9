"""Saved views: a person's named filters of the calls list, kept as the list's query string so the
desk and the API read them the same way. Private to their owner; bounded in number and size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .errors import ViewError, ViewNotFound
from .records import record_of
from .tables import SavedViewRow

MAX_VIEWS = 50  # per owner
MAX_NAME = 64
MAX_QUERY = 2000


@dataclass(frozen=True, slots=True)
class SavedView:
    id: int
    owner: str
    name: str
    query: str
    created_at: datetime


def list_views(session: Session, owner: str) -> list[SavedView]:
    rows = session.scalars(
        select(SavedViewRow).where(SavedViewRow.owner == owner).order_by(SavedViewRow.name)
    )
    return [record_of(SavedView, row) for row in rows]


def save_view(session: Session, owner: str, name: str, query: str) -> SavedView:
    """Create the view, or replace the filters of the owner's view of that name."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise ViewError(f"a view's name is 1 to {MAX_NAME} characters")
    if len(query) > MAX_QUERY:
        raise ViewError(f"a view's filters are at most {MAX_QUERY} characters")
    row = session.scalar(select(SavedViewRow).where(SavedViewRow.owner == owner, SavedViewRow.name == name))
    if row is None:
        count = session.scalar(select(func.count()).where(SavedViewRow.owner == owner)) or 0
        if count >= MAX_VIEWS:
            raise ViewError(f"at most {MAX_VIEWS} saved views each: delete one first")
        row = SavedViewRow(owner=owner, name=name, query=query)
        session.add(row)
    else:
        row.query = query
    session.flush()
    return record_of(SavedView, row)


def delete_view(session: Session, owner: str, view_id: int) -> None:
    result = session.execute(
        delete(SavedViewRow).where(SavedViewRow.id == view_id, SavedViewRow.owner == owner)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise ViewNotFound(f"you have no saved view {view_id}")
