"""Domain errors to HTTP, in one place: a status and a reason, never a stack trace."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from recorder.errors import IngestError
from recorder.queue import QueueUnavailable
from storage.database import DatabaseUnavailable
from storage.errors import StorageError


def install_error_handlers(app: FastAPI) -> None:
    def reply(code: str, detail: str, status: int) -> JSONResponse:
        return JSONResponse({"error": code, "detail": detail}, status_code=status)

    @app.exception_handler(IngestError)
    async def ingest_error(request: Request, exc: IngestError) -> JSONResponse:
        return reply(exc.code, str(exc), exc.status)

    @app.exception_handler(StorageError)
    async def storage_error(request: Request, exc: StorageError) -> JSONResponse:
        return reply(exc.code, str(exc), exc.status)

    @app.exception_handler(DatabaseUnavailable)
    async def database_unavailable(request: Request, exc: DatabaseUnavailable) -> JSONResponse:
        # The database restarting or unreachable: the pool reconnects by itself once it is back.
        return reply("database_unavailable", "the database is unreachable; try again shortly", 503)

    @app.exception_handler(QueueUnavailable)
    async def queue_unavailable(request: Request, exc: QueueUnavailable) -> JSONResponse:
        return reply(exc.code, str(exc), exc.status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        codes = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            409: "conflict",
            413: "file_too_large",
        }
        return JSONResponse(
            {
                "error": getattr(exc, "code", None) or codes.get(exc.status_code, "http_error"),
                "detail": str(exc.detail),
            },
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(UnicodeEncodeError)
    async def invalid_text(request: Request, exc: UnicodeEncodeError) -> JSONResponse:
        # JSON's \u escapes can carry a lone UTF-16 surrogate, which no database can store; the
        # transaction it broke is rolled back, so nothing was written.
        return reply(
            "invalid_text", "text must be valid Unicode (a lone surrogate such as \\udc8e was sent)", 422
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())
        return reply("invalid_request", problems, 422)
