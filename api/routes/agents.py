"""/v1/agents/{agent_id}/voice: enrol an agent's voice from an uploaded sample, so mono calls can tell
the agent from the customer without an earlier stereo call of theirs."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict
from datetime import datetime
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from recorder.probe import probe_audio
from storage import audit
from storage.agent_samples import add_agent_sample, delete_agent_samples, list_agent_samples
from storage.api_keys import ApiKey

from ..auth import actor, admin_only
from ..schemas import ErrorOut
from ..upload import read_upload

MAX_SAMPLE_S = 600.0
router = APIRouter(prefix="/v1/agents", tags=["agents"])
ERRORS: dict[int | str, dict] = {code: {"model": ErrorOut} for code in (400, 401, 403, 413, 415, 422, 503)}
AgentId = Annotated[str, Path(min_length=1, max_length=128)]


class SampleOut(BaseModel):
    id: int
    agent_id: str
    status: str  # queued | done | failed
    error: str | None
    model: str | None
    speech_seconds: float | None
    created_by: str
    created_at: datetime


def _out(sample) -> SampleOut:  # type: ignore[no-untyped-def]
    return SampleOut(**{k: v for k, v in asdict(sample).items() if k != "sample_key"})


@router.post("/{agent_id}/voice", status_code=202, response_model=SampleOut, responses=ERRORS)
async def enrol(request: Request, agent_id: AgentId, key: ApiKey = Depends(admin_only)) -> SampleOut:
    """Multipart `audio`: a recording of the agent alone (10-60 s is plenty). A worker takes its
    voiceprint; poll GET for the status."""
    services = request.app.state.services
    ingestor = services.ingestor
    with ingestor.spool("") as spool:
        parsed = await read_upload(request.headers.get("content-type", ""), request.stream(), spool)
        # 415 for what is not audio; a voice sample needs a minute or so, never hours.
        await run_in_threadpool(probe_audio, parsed.audio.path, MAX_SAMPLE_S)
        folder = hashlib.sha256(agent_id.encode()).hexdigest()[:16]  # ids may hold any characters
        suffix = PurePath(parsed.audio.filename).suffix.lower()[:8]
        sample_key = f"agents/{folder}/sample-{uuid.uuid4().hex}{suffix if suffix.isascii() else ''}"
        with open(parsed.audio.path, "rb") as stream:
            await run_in_threadpool(
                services.objects.put, sample_key, stream, "application/octet-stream", parsed.audio.sha256
            )
    with services.db.session() as session:
        sample = add_agent_sample(session, agent_id, sample_key, actor(key))
        audit.record(session, actor(key), "agent.voice_enrol", agent_id, {"sample": sample.id})
    services.queue.enqueue_enrolment(sample.id)
    return _out(sample)


@router.get("/{agent_id}/voice", response_model=list[SampleOut], responses=ERRORS)
def samples(request: Request, agent_id: AgentId, key: ApiKey = Depends(admin_only)) -> list[SampleOut]:
    with request.app.state.services.db.session() as session:
        return [_out(s) for s in list_agent_samples(session, agent_id)]


@router.delete("/{agent_id}/voice", status_code=204, responses=ERRORS)
def forget_voice(request: Request, agent_id: AgentId, key: ApiKey = Depends(admin_only)) -> None:
    """Delete the agent's enrolment samples and their voiceprints (biometric data)."""
    services = request.app.state.services
    with services.db.session() as session:
        keys = delete_agent_samples(session, agent_id)
        audit.record(session, actor(key), "agent.voice_forget", agent_id, {"samples": len(keys)})
    for sample_key in keys:
        services.objects.delete(sample_key)
