"""Liveness and readiness; no authentication, no secrets in the answers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready when the database, the object store and Redis all answer."""
    services = request.app.state.services
    checks = {}
    for name, check in (
        ("database", services.db.check),
        ("objects", services.objects.check),
        ("redis", services.queue.check),
    ):
        try:
            await run_in_threadpool(check)
            checks[name] = "ok"
        except Exception as exc:  # any failure means not ready; say which part and why
            checks[name] = f"error: {type(exc).__name__}: {str(exc)[:200]}"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks}, status_code=200 if ready else 503
    )
