"""/v1/drivers: why customers call. The top drivers of a period against the period before (with calls
per day and whether each is rising), the discovered themes, and discovery on request."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from storage import audit
from storage.api_keys import ApiKey
from storage.driver_match import Theme
from storage.drivers import discovered_drivers, driver_report

from ..auth import actor, admin_only, call_scope, flag_reviewer, origin
from .periods import Period, period_query

router = APIRouter(prefix="/v1/drivers", tags=["drivers"])


def _theme_json(theme: Theme) -> dict[str, Any]:
    return {
        "id": theme.id, "language": theme.language, "name": theme.name, "phrases": list(theme.phrases),
        "calls": len(theme.call_ids),
    }  # fmt: skip


@router.get("")
def get_drivers(
    request: Request,
    key: ApiKey = Depends(flag_reviewer),
    asked: Period = Depends(period_query(7)),
) -> dict[str, Any]:
    """The top drivers (named and discovered) of the period, each with its calls, the previous period's
    calls, calls per day and `rising` (at least 10 calls and 1.5 times the mean of the three periods
    before); within the viewer's scope."""
    with request.app.state.services.db.session() as session:
        drivers = driver_report(session, asked.since, asked.until, call_scope(request, key), asked.zone)
    return {
        "from": asked.first.isoformat(), "to": asked.last.isoformat(), "time_zone": asked.zone.key,
        "drivers": drivers,
    }  # fmt: skip


@router.get("/discovered")
def get_discovered(request: Request, key: ApiKey = Depends(flag_reviewer)) -> list[dict[str, Any]]:
    """The themes the last discovery found, per language, with the phrases that make each."""
    with request.app.state.services.db.session() as session:
        return discovered_drivers(session)


@router.post("/discover")
async def post_discover(request: Request, key: ApiKey = Depends(admin_only)) -> dict[str, Any]:
    """Discover the drivers now (the service does every drivers_discover_s): themes found, rising
    drivers announced (driver.rising)."""
    from transcribe.drivers.refresh import rediscover

    services = request.app.state.services
    themes, rising = await run_in_threadpool(rediscover, services.db, services.settings.transcribe)
    with services.db.session() as session:
        audit.record(
            session, actor(key), "drivers.discover", "drivers", {"themes": len(themes)}, origin(request)
        )
    return {"themes": [_theme_json(t) for t in themes], "rising": rising}
