"""/v1/search: calls whose transcripts match, with the segments that matched."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from storage.search_index import search

from ..auth import admin_only
from ..schemas import ErrorOut, SearchOut

router = APIRouter(prefix="/v1", tags=["search"])


@router.get(
    "/search",
    response_model=SearchOut,
    responses={400: {"model": ErrorOut}, 401: {"model": ErrorOut}},
    dependencies=[Depends(admin_only)],
)
def search_calls(
    request: Request,
    q: str = Query(
        ..., min_length=1, max_length=1000, description='Words (all must match) and "exact phrases"'
    ),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0),
) -> SearchOut:
    with request.app.state.services.db.session() as session:
        results, total = search(session, q, limit=limit, offset=offset)
    return SearchOut.of(q, total, results)
