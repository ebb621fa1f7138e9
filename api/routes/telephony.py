"""Webhooks telephony providers call: Twilio's recording status callback."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from recorder import twilio
from recorder.errors import InvalidMetadata
from recorder.ingest import Ingestor, IngestResult
from recorder.metadata import CallMetadata
from recorder.settings import RecorderSettings

from ..schemas import ErrorOut

router = APIRouter(prefix="/v1/telephony", tags=["telephony"])
ERRORS: dict[int | str, dict] = {code: {"model": ErrorOut} for code in (403, 404, 413, 415, 422, 502, 503)}


def _signed_url(request: Request, public_url: str) -> str:
    if not public_url:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return public_url.rstrip("/") + request.url.path + query


@router.post("/twilio/recording", responses=ERRORS)
async def twilio_recording(request: Request) -> JSONResponse:
    """Twilio RecordingStatusCallback (form-encoded, signed with X-Twilio-Signature): fetches the finished
    recording and ingests it; a repeated callback for the same RecordingSid returns the existing call.
    Authenticated by the signature, not an API key. Metadata may ride in the callback URL's query:
    direction, agent_id, customer_number, language."""
    services = request.app.state.services
    settings = services.settings.recorder
    if settings.twilio_auth_token is None:
        raise HTTPException(404, "the Twilio webhook is off: set CALLREC_RECORDER_TWILIO_AUTH_TOKEN")
    form = await request.form()
    params: dict[str, Any] = {}
    for name, value in form.multi_items():
        if not isinstance(value, str):
            raise InvalidMetadata("Twilio callbacks carry form fields only, no files")
        params.setdefault(name, []).append(value)
    single = {name: values[-1] for name, values in params.items()}
    token = settings.twilio_auth_token.get_secret_value()
    twilio.check_signature(
        token,
        _signed_url(request, settings.public_url),
        {k: v if len(v) > 1 else v[0] for k, v in params.items()},
        request.headers.get("X-Twilio-Signature"),
    )
    if not single.get("RecordingSid"):
        raise InvalidMetadata("the callback has no RecordingSid")
    if single.get("RecordingStatus", "completed") != "completed":
        return JSONResponse({"ignored": f"recording status {single['RecordingStatus']}"}, status_code=200)
    try:
        metadata = CallMetadata.model_validate(twilio.call_metadata(single, dict(request.query_params)))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidMetadata(f"invalid call metadata: {problems}") from exc
    url = twilio.media_url(single, settings.twilio_media_hosts, settings.twilio_media_http)
    auth = (settings.twilio_account_sid or single.get("AccountSid", ""), token)
    result = await run_in_threadpool(_fetch_and_ingest, services.ingestor, url, auth, metadata, settings)
    return JSONResponse(
        {"id": result.call.id, "status": result.call.status.value}, status_code=201 if result.created else 200
    )


def _fetch_and_ingest(
    ingestor: Ingestor, url: str, auth: tuple[str, str], metadata: CallMetadata, settings: RecorderSettings
) -> IngestResult:
    existing = ingestor.existing_call(metadata)
    if existing is not None:  # Twilio retried the callback: the recording is stored already
        return IngestResult(existing, created=False)
    with (
        ingestor.spool(f"{metadata.external_id}.wav") as spool,
        httpx.Client(timeout=httpx.Timeout(120, connect=10)) as client,
    ):
        twilio.fetch_recording(
            client, url, auth, spool, settings.twilio_media_hosts, settings.twilio_media_http
        )
        return ingestor.ingest(spool.finish(), metadata)
