"""The FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from .body_limit import BodyLimit
from .docs import install_docs
from .errors import install_error_handlers
from .routes import (
    agents,
    call_list,
    calls,
    compliance,
    contacts,
    dashboard,
    drivers,
    flags,
    health,
    metrics,
    qa,
    search,
    session,
    teams,
    telephony,
    transcripts,
    views,
    watchlist,
    webhooks,
)
from .security_headers import SecurityHeaders
from .services import Services
from .ui import routes as ui


def create_app(services: Services) -> FastAPI:
    app = FastAPI(
        title="callrec",
        version="1",
        description="Call recording, transcription, speaker separation and search. "
        "Authenticate with `Authorization: Bearer <API key>`.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
    install_error_handlers(app)
    api = services.settings.api
    app.add_middleware(
        BodyLimit,
        json_bytes=api.max_body_kb * 1024,
        transcript_bytes=api.max_transcript_mb * 2**20,
        # The upload route itself refuses audio over the limit; the form fields ride beside it.
        upload_bytes=services.ingestor.max_bytes + 2**20,
    )
    app.include_router(health.router)
    app.include_router(call_list.router)
    app.include_router(calls.router)
    app.include_router(contacts.router)
    app.include_router(views.router)
    app.include_router(search.router)
    app.include_router(transcripts.router)
    app.include_router(flags.router)
    app.include_router(watchlist.router)
    app.include_router(telephony.router)
    app.include_router(webhooks.router)
    app.include_router(compliance.router)
    app.include_router(agents.router)
    app.include_router(session.router)
    app.include_router(teams.router)
    app.include_router(qa.router)
    app.include_router(dashboard.router)
    app.include_router(drivers.router)
    app.include_router(metrics.router)
    app.include_router(ui.router)
    if api.docs:
        install_docs(app)
    app.add_middleware(SecurityHeaders)
    return app
