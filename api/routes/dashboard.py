"""/v1/dashboard: the review desk's figures, within the viewer's scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from storage.api_keys import ApiKey
from storage.dashboard import dashboard

from ..auth import call_scope, flag_reviewer

router = APIRouter(prefix="/v1", tags=["dashboard"])


@router.get("/dashboard")
def get_dashboard(
    request: Request, key: ApiKey = Depends(flag_reviewer), days: int = Query(30, ge=1, le=366)
) -> dict[str, Any]:
    """Calls processed, backlog and failures, flags by category per day, the agents table (calls,
    average talk share, interruptions, flags per 100 calls, QA average) and the complaint trend."""
    since = datetime.now(UTC) - timedelta(days=days)
    with request.app.state.services.db.session() as session:
        return dashboard(session, since, call_scope(request, key))
