"""/v1/dashboard: the review desk's figures, within the viewer's scope, by the day calls happened in
the operator's time zone."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from storage.api_keys import ApiKey
from storage.dashboard import dashboard
from storage.drivers import driver_report

from ..auth import call_scope, flag_reviewer
from .periods import Period, period_query

router = APIRouter(prefix="/v1", tags=["dashboard"])


@router.get("/dashboard")
def get_dashboard(
    request: Request,
    key: ApiKey = Depends(flag_reviewer),
    asked: Period = Depends(period_query(30)),
    medium: Literal["call", "chat", "email"] | None = Query(None, description="One medium (default: all)"),
) -> dict[str, Any]:
    """Calls processed, backlog and failures, flags by category per day, the agents table (calls,
    average talk share, interruptions, flags per 100 calls, QA average) and the complaint trend; calls
    count on the day they happened (started_at, else when received) in `tz`; and the top call drivers
    against the period before (as GET /v1/drivers)."""
    scope = call_scope(request, key)
    with request.app.state.services.db.session() as session:
        figures = dashboard(session, asked.since, scope, asked.until, asked.zone, medium)
        drivers = driver_report(session, asked.since, asked.until, scope, asked.zone)
    return {**figures, "drivers": drivers, "from": asked.first.isoformat(), "to": asked.last.isoformat()}
