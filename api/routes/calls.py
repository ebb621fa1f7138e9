"""/v1/calls: upload, list, read, delete, retry, transcript, audio."""

from __future__ import annotations

import json
import re
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field, ValidationError

from recorder.errors import IngestError, InvalidMetadata, UploadTooLarge
from recorder.metadata import parse_metadata
from storage import api_keys, audit, metrics
from storage import calls as call_records
from storage.api_keys import ApiKey
from storage.drivers import call_drivers
from storage.flags import list_call_flags
from storage.records import CallStatus
from storage.transcripts import PARTIAL, load_transcript
from transcribe.formats import MEDIA_TYPES, render, to_json

from ..auth import (
    ORIGINALS_ROLES,
    actor,
    admin_only,
    ensure_visible,
    origin,
    reader,
    record_access,
    uploader,
)
from ..schemas import CallCreated, CallOut, ErrorOut, TranscriptOut
from ..upload import read_upload
from .transcripts import CallWithoutAudio, TranscriptIn, create_call_without_audio

router = APIRouter(prefix="/v1/calls", tags=["calls"])
ERRORS: dict[int | str, dict] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 413, 415, 422, 503)
}

UPLOAD_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["audio"],
                    "properties": {
                        "audio": {
                            "type": "string",
                            "format": "binary",
                            "description": "The recording: WAV (PCM, mu-law, A-law), MP3, OGG/Opus, FLAC, M4A",
                        },
                        "metadata": {
                            "type": "string",
                            "description": (
                                'JSON: {"external_id", "source", "direction", "agent_id", "customer_number", '
                                '"started_at", "channel_roles", "language", "extra"}'
                            ),
                        },
                    },
                }
            },
            "application/json": {"schema": CallWithoutAudio.model_json_schema()},
        },
    }
}


def _services(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.services


@router.post(
    "",
    status_code=201,
    response_model=CallCreated,
    responses=ERRORS,
    openapi_extra=UPLOAD_SCHEMA,
)
async def upload_call(request: Request, key: ApiKey = Depends(uploader)) -> JSONResponse:
    """Store a recorded call and queue it for transcription. The same (source, external_id) returns
    the existing call with 200 instead of creating a duplicate. With a JSON body instead (admin keys):
    a call without audio, whose transcript is then imported with PUT /v1/calls/{id}/transcript."""
    services = _services(request)
    ingestor = services.ingestor
    if request.headers.get("content-type", "").split(";")[0].strip() == "application/json":
        if key.role != "admin":
            raise HTTPException(403, "only admin keys may create calls without audio")
        raw = await request.body()
        if len(raw) > 65536:
            raise InvalidMetadata("the call metadata is larger than 64 KiB")
        try:
            body = CallWithoutAudio.model_validate_json(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
            )
            raise InvalidMetadata(f"invalid call metadata: {problems}") from exc
        return await run_in_threadpool(create_call_without_audio, request, body)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > ingestor.max_bytes + 1024 * 1024:
        raise UploadTooLarge(f"the upload is larger than the limit of {ingestor.max_bytes // 2**20} MiB")
    try:
        with ingestor.spool("") as spool:
            parsed = await read_upload(request.headers.get("content-type", ""), request.stream(), spool)
            metadata = parse_metadata(parsed.metadata)
            if key.role != "admin" or key.source is not None:
                source = await run_in_threadpool(upload_source_for, services, key, metadata.source)
                metadata = metadata.model_copy(update={"source": source})
            result = await run_in_threadpool(ingestor.ingest, parsed.audio, metadata)
    except (IngestError, HTTPException):
        metrics.add(services.redis, "callrec_uploads", 1, {"outcome": "refused"})
        raise
    metrics.add(
        services.redis, "callrec_uploads", 1, {"outcome": "created" if result.created else "duplicate"}
    )
    created = CallCreated(id=result.call.id, status=result.call.status.value).model_dump()
    return JSONResponse(created, status_code=201 if result.created else 200)


def upload_source_for(services, key: ApiKey, source: str) -> str:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        try:
            return api_keys.upload_source(session, key, source)
        except ValueError as exc:
            raise HTTPException(403, str(exc)) from exc


@router.get("/{call_id}", response_model=CallOut, responses=ERRORS)
def get_call(request: Request, call_id: str, key: ApiKey = Depends(reader)) -> CallOut:
    with _services(request).db.session() as session:
        found = call_records.get_call(session, call_id)
        ensure_visible(request, key, found.agent_id)
        flags = list_call_flags(session, call_id) if key.role != "agent" else []
        call = CallOut.of(found, flags, key.role != "agent", call_drivers(session, call_id))
    record_access(request, key, "call.view", call_id)
    return call


@router.delete("/{call_id}", status_code=204, responses=ERRORS)
def delete_call(request: Request, call_id: str, key: ApiKey = Depends(admin_only)) -> Response:
    """Delete the call, its transcript, index entries, voiceprints and audio; 409 under a legal hold."""
    _services(request).ingestor.delete(call_id, actor(key), origin(request))
    return Response(status_code=204)


@router.post(
    "/{call_id}/retry",
    response_model=CallCreated,
    status_code=202,
    responses=ERRORS,
    dependencies=[Depends(admin_only)],
)
def retry_call(request: Request, call_id: str) -> CallCreated:
    """Queue a failed call again."""
    services = _services(request)
    retried = services.ingestor.retry(call_id)
    if retried is None:
        with services.db.session() as session:
            status = call_records.get_call(session, call_id).status  # 404 for an unknown call
        raise HTTPException(409, f"only failed calls can be retried; this call is {status.value}")
    return CallCreated(id=retried.id, status=retried.status.value)


class TranscribeAgain(BaseModel):
    language: str | None = Field(
        None, pattern=r"^[a-z]{2,3}$", description='The call\'s language ("he"); null: identify it again'
    )


@router.post("/{call_id}/transcribe", response_model=CallCreated, status_code=202, responses=ERRORS)
def transcribe_again(
    request: Request, call_id: str, body: TranscribeAgain, key: ApiKey = Depends(admin_only)
) -> CallCreated:
    """Transcribe a finished call again, in the language given ("this call is Hebrew"); it replaces
    the transcript, edits included, and analysis follows."""
    services = _services(request)
    with services.db.session() as session:
        if not call_records.requeue_for_transcription(session, call_id, body.language):
            call = call_records.get_call(session, call_id)  # 404 for an unknown call
            reason = "it has no audio" if not call.has_audio else f"it is {call.status.value}"
            raise HTTPException(409, f"this call cannot be transcribed again now: {reason}")
        details = {"language": body.language}
        audit.record(session, actor(key), "call.transcribe_again", call_id, details, origin(request))
    services.queue.enqueue_call(call_id)
    return CallCreated(id=call_id, status="queued")


@router.get(
    "/{call_id}/transcript",
    response_model=TranscriptOut,
    responses=ERRORS,
)
def get_transcript(
    request: Request,
    call_id: str,
    key: Annotated[ApiKey, Depends(reader)],
    format: Literal["json", "srt", "vtt", "txt", "rttm"] = "json",
    original: bool = Query(False, description="The unredacted transcript, where settings keep it (admins)"),
) -> Response:
    services = _services(request)
    _originals_allowed(key, original)
    with services.db.session() as session:
        call = call_records.get_call(session, call_id)
        ensure_visible(request, key, call.agent_id)
        # A long call being transcribed shows what has been heard so far (redacted), marked partial.
        partial = call.status == CallStatus.PROCESSING and call.transcript_source == PARTIAL
        if call.status != CallStatus.DONE and not partial:
            raise HTTPException(409, f"the transcript is not ready: the call is {call.status.value}")
        if partial and original:
            raise HTTPException(409, "the call is still being transcribed: no unredacted transcript yet")
        transcript = load_transcript(session, call_id)
        drivers = call_drivers(session, call_id)
    if original:
        kept = (call.redaction or {}).get("original_transcript_key")
        if not kept:
            raise HTTPException(404, "no unredacted transcript is kept for this call")
        document = json.loads(b"".join(services.objects.open(kept)))
        transcript = TranscriptIn.model_validate(document).to_transcript(model=document.get("model", ""))
    record_access(request, key, "call.transcript", call_id, {"format": format, "original": original})
    if format == "json":
        if partial:
            return JSONResponse(to_json(transcript) | {"partial": True})
        found = call.characteristics or {}
        # The download stands on its own: what was concluded from this transcript goes with it.
        analysis = {"sentiment": found.get("sentiment"), "drivers": drivers, "summary": found.get("summary")}
        return JSONResponse(to_json(transcript) | ({} if original else {"analysis": analysis}))
    return PlainTextResponse(render(transcript, format, recording_id=call_id), media_type=MEDIA_TYPES[format])


def _originals_allowed(key: ApiKey, original: bool) -> None:
    if original and key.role not in ORIGINALS_ROLES:
        raise HTTPException(403, "unredacted originals are for admins and compliance officers")


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class PeaksOut(BaseModel):
    seconds_per_column: float
    channels: list[list[int]] = Field(description="Per channel, the loudest level in each column (0-100)")


@router.get("/{call_id}/peaks", response_model=PeaksOut, responses=ERRORS)
def get_peaks(request: Request, call_id: str, key: Annotated[ApiKey, Depends(reader)]) -> PeaksOut:
    """The waveform the worker computed, for a player to draw without decoding the recording; no
    channels for a call without one."""
    with _services(request).db.session() as session:
        call = call_records.get_call(session, call_id)
        ensure_visible(request, key, call.agent_id)
        peaks = call_records.get_peaks(session, call_id)
    if not peaks or not peaks[0]:
        raise HTTPException(
            404, "no waveform for this call (no audio, or processed before waveforms were kept)"
        )
    return PeaksOut(seconds_per_column=round(call.duration / len(peaks[0]), 4), channels=peaks)


@router.get(
    "/{call_id}/audio",
    responses={**ERRORS, 206: {"description": "Partial content"}},
    response_class=StreamingResponse,
)
def get_audio(
    request: Request,
    call_id: str,
    key: Annotated[ApiKey, Depends(reader)],
    original: bool = Query(False, description="The unredacted recording, where settings keep it (admins)"),
) -> Response:
    """The recording (redacted where personal data was spoken); honours a single HTTP Range so players
    can seek."""
    services = _services(request)
    _originals_allowed(key, original)
    with services.db.session() as session:
        call = call_records.get_call(session, call_id)
        ensure_visible(request, key, call.agent_id)
    if not call.has_audio:
        raise HTTPException(404, "this call has no audio (its transcript was imported)")
    object_key, size, etag = call.audio_key, call.audio_size, call.audio_sha256
    media_type = {"wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg", "flac": "audio/flac"}.get(
        call.audio_format.split("/")[0], "application/octet-stream"
    )
    if original:
        if not call.original_audio_key:
            raise HTTPException(404, "no unredacted recording is kept for this call")
        object_key, size, etag = (
            call.original_audio_key,
            services.objects.size(call.original_audio_key),
            "original",
        )
        media_type = "application/octet-stream"
    headers = {"Accept-Ranges": "bytes", "ETag": f'"{etag}"'}
    range_header = request.headers.get("range")
    if not range_header:
        record_access(request, key, "call.audio", call_id, {"original": original})
        headers["Content-Length"] = str(size)
        return StreamingResponse(services.objects.open(object_key), media_type=media_type, headers=headers)
    match = _RANGE.match(range_header.replace(" ", ""))
    if not match or match.groups() == ("", ""):
        return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
    first, last = match.groups()
    if first == "":
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
    if start == 0:
        # A play or a download starts at byte 0, however the range is written ("bytes=00-", a suffix as
        # long as the file); the seeks that follow are not audited one by one.
        record_access(request, key, "call.audio", call_id, {"original": original})
    headers.update({"Content-Range": f"bytes {start}-{end}/{size}", "Content-Length": str(end - start + 1)})
    return StreamingResponse(
        services.objects.open(object_key, start, end),
        status_code=206,
        media_type=media_type,
        headers=headers,
    )
