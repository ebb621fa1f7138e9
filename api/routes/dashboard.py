"""/v1/dashboard: the review desk's figures, within the viewer's scope, by the day calls happened in
the operator's time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from storage.api_keys import ApiKey
from storage.dashboard import dashboard
from storage.drivers import driver_report

from ..auth import call_scope, flag_reviewer

router = APIRouter(prefix="/v1", tags=["dashboard"])
MAX_DAYS = 366


def zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise HTTPException(
            422, f"unknown time zone {name!r}: use an IANA name such as Asia/Jerusalem"
        ) from exc


@router.get("/dashboard")
def get_dashboard(
    request: Request,
    key: ApiKey = Depends(flag_reviewer),
    days: int = Query(30, ge=1, le=MAX_DAYS, description="The last N days, today included (without from/to)"),
    from_: date | None = Query(None, alias="from", description="First day, inclusive (YYYY-MM-DD, local)"),
    to: date | None = Query(None, description="Last day, inclusive"),
    tz: str = Query("UTC", max_length=64, description="The operator's time zone, e.g. Asia/Jerusalem"),
    medium: Literal["call", "chat", "email"] | None = Query(None, description="One medium (default: all)"),
) -> dict[str, Any]:
    """Calls processed, backlog and failures, flags by category per day, the agents table (calls,
    average talk share, interruptions, flags per 100 calls, QA average) and the complaint trend; calls
    count on the day they happened (started_at, else when received) in `tz`; and the top call drivers
    against the period before (as GET /v1/drivers)."""
    zone = zone_named(tz)
    first, last = period(days, from_, to, zone)
    since = datetime.combine(first, time(), zone)
    until = datetime.combine(last + timedelta(days=1), time(), zone)
    scope = call_scope(request, key)
    with request.app.state.services.db.session() as session:
        figures = dashboard(session, since, scope, until, zone, medium)
        drivers = driver_report(session, since, until, scope, zone)
    return {**figures, "drivers": drivers, "from": first.isoformat(), "to": last.isoformat()}


def period(days: int, from_: date | None, to: date | None, zone: ZoneInfo) -> tuple[date, date]:
    """The first and last day asked for: from/to, or the last `days` days, today included."""
    last = to or datetime.now(zone).date()
    first = from_ or (last - timedelta(days=days - 1))
    if first > last:
        raise HTTPException(422, "from is after to")
    if (last - first).days + 1 > MAX_DAYS:
        raise HTTPException(422, f"at most {MAX_DAYS} days at a time")
    return first, last
