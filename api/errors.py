"""Domain errors to HTTP, in one place: a status and a reason, never a stack trace."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from recorder.errors import IngestError, QueueUnavailable
from storage.database import DatabaseUnavailable
from storage.errors import StorageError

# Every domain error's code, and the status the API answers it with (the domain knows no HTTP).
# An error whose code is missing here answers 500: tests/unit/test_error_table.py keeps it complete.
STATUS = {
    # storage
    "storage_error": 500,
    "call_not_found": 404,
    "object_not_found": 404,
    "object_store_unavailable": 503,
    "checksum_mismatch": 422,
    "invalid_object_key": 400,
    "invalid_query": 400,
    "search_too_costly": 422,
    "invalid_user": 422,
    "invalid_team": 422,
    "invalid_view": 422,
    "not_found": 404,
    "flag_not_found": 404,
    "encryption_error": 500,
    "legal_hold": 409,
    "voice_not_found": 404,
    "already_watched": 409,
    "invalid_review": 422,
    "review_conflict": 409,
    "audit_key_missing": 500,
    "audit_chain_broken": 500,
    # recorder
    "ingest_error": 400,
    "empty_file": 400,
    "file_too_large": 413,
    "unsupported_audio": 415,
    "audio_too_long": 422,
    "invalid_metadata": 422,
    "missing_audio": 422,
    "bad_signature": 403,
    "recording_url_refused": 422,
    "recording_unavailable": 502,
    "webhook_target_refused": 422,
    "queue_unavailable": 503,
    # api
    "malformed_upload": 400,
}


def status_of(exc: StorageError | IngestError | QueueUnavailable) -> int:
    return STATUS.get(exc.code, 500)


def install_error_handlers(app: FastAPI) -> None:
    def reply(code: str, detail: str, status: int) -> JSONResponse:
        return JSONResponse({"error": code, "detail": detail}, status_code=status)

    @app.exception_handler(IngestError)
    async def ingest_error(request: Request, exc: IngestError) -> JSONResponse:
        return reply(exc.code, str(exc), status_of(exc))

    @app.exception_handler(StorageError)
    async def storage_error(request: Request, exc: StorageError) -> JSONResponse:
        return reply(exc.code, str(exc), status_of(exc))

    @app.exception_handler(DatabaseUnavailable)
    async def database_unavailable(request: Request, exc: DatabaseUnavailable) -> JSONResponse:
        # The database restarting or unreachable: the pool reconnects by itself once it is back.
        return reply("database_unavailable", "the database is unreachable; try again shortly", 503)

    @app.exception_handler(QueueUnavailable)
    async def queue_unavailable(request: Request, exc: QueueUnavailable) -> JSONResponse:
        return reply(exc.code, str(exc), status_of(exc))

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
