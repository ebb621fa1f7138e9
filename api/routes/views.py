"""/v1/views: a person's saved views of the calls list (named filters), private to them."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from storage.api_keys import ApiKey
from storage.saved_views import MAX_NAME, MAX_QUERY, SavedView, delete_view, list_views, save_view

from ..auth import actor, reader
from ..schemas import ErrorOut, RowId
from .call_list import list_calls

router = APIRouter(prefix="/v1/views", tags=["calls"])
ERRORS: dict[int | str, dict] = {code: {"model": ErrorOut} for code in (401, 403, 404, 422)}
# A view holds the calls list's own filters; a cursor is a place in one listing, not a filter.
FILTERS = frozenset(list_calls.__annotations__) - {"request", "key", "cursor", "return"}


class ViewIn(BaseModel):
    name: str = Field(..., min_length=1, max_length=MAX_NAME)
    query: str = Field(
        "", max_length=MAX_QUERY, description="The calls list's query string, e.g. language=he&flag=complaint"
    )


class ViewOut(BaseModel):
    id: int
    name: str
    query: str
    created_at: datetime


def _out(view: SavedView) -> ViewOut:
    return ViewOut(id=view.id, name=view.name, query=view.query, created_at=view.created_at)


def _checked(query: str) -> str:
    try:
        pairs = parse_qsl(query, keep_blank_values=False, strict_parsing=bool(query), max_num_fields=50)
    except ValueError as exc:
        raise HTTPException(422, f"a view's query is name=value pairs joined by &: {exc}") from exc
    unknown = sorted({name for name, _ in pairs} - FILTERS)
    if unknown:
        raise HTTPException(422, f"not a filter of the calls list: {', '.join(unknown)}")
    return query


@router.get("", response_model=list[ViewOut], responses=ERRORS)
def views(request: Request, key: ApiKey = Depends(reader)) -> list[ViewOut]:
    with request.app.state.services.db.session() as session:
        return [_out(v) for v in list_views(session, actor(key))]


@router.post("", response_model=ViewOut, responses=ERRORS)
def put_view(body: ViewIn, request: Request, key: ApiKey = Depends(reader)) -> ViewOut:
    """Save the filters under a name (the same name again replaces them)."""
    with request.app.state.services.db.session() as session:
        return _out(save_view(session, actor(key), body.name, _checked(body.query)))


@router.delete("/{view_id}", status_code=204, responses=ERRORS)
def remove_view(view_id: RowId, request: Request, key: ApiKey = Depends(reader)) -> Response:
    with request.app.state.services.db.session() as session:
        delete_view(session, actor(key), view_id)
    return Response(status_code=204)
