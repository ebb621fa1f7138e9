"""/v1/contacts: written contacts, a chat or an e-mail thread, documented with the calls. Each is a
call row of its medium without audio: its messages become the transcript (one segment per message,
timed from the first), which goes through the same redaction, search, rules (those for its medium),
sentiment, drivers, summary and automatic QA as an imported call."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator
from starlette.concurrency import run_in_threadpool

from recorder.metadata import CallMetadata
from storage import audit
from storage import calls as call_records
from storage.api_keys import ApiKey
from storage.records import Segment, Speaker, Transcript
from storage.times import as_utc
from storage.transcripts import displayable, save_transcript

from ..auth import actor, origin, uploader
from ..schemas import CallCreated, ErrorOut
from .calls import upload_source_for
from .transcripts import reanalyse_after_change, without_personal_data

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])
ERRORS: dict[int | str, dict] = {code: {"model": ErrorOut} for code in (400, 401, 403, 413, 422)}
MAX_MESSAGES = 2000
MAX_SPAN = timedelta(days=90)  # a thread longer than this is several contacts
MESSAGE_S = 1.0  # a message is an instant; it is shown as one second
_HEBREW = re.compile(r"[\u05d0-\u05ea]")
_ARABIC = re.compile(r"[\u0621-\u064a]")


class MessageIn(BaseModel):
    role: Literal["agent", "customer", "other"]
    author: str | None = Field(None, max_length=128, description="Who wrote it, as the channel names them")
    at: datetime = Field(description="When it was sent")
    text: str = Field(min_length=1, max_length=20_000)


class ContactIn(CallMetadata):
    medium: Literal["chat", "email"]
    subject: str | None = Field(None, max_length=998, description="An e-mail's subject (redacted when kept)")
    headers: dict[str, str] = Field(
        default_factory=dict, description="An e-mail's headers, kept as metadata (From, To, Message-ID, ...)"
    )
    messages: list[MessageIn] = Field(min_length=1, max_length=MAX_MESSAGES)

    @field_validator("headers")
    @classmethod
    def _headers_are_small(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 50 or any(len(k) > 128 or len(v) > 2000 for k, v in value.items()):
            raise ValueError("at most 50 headers, names up to 128 and values up to 2,000 characters")
        return value


def written_language(texts: list[str]) -> str:
    """Hebrew or Arabic when their letters outnumber the rest of the script, else English."""
    joined = " ".join(texts)
    hebrew, arabic = len(_HEBREW.findall(joined)), len(_ARABIC.findall(joined))
    if max(hebrew, arabic) * 2 < sum(ch.isalpha() for ch in joined):
        return "en"
    return "he" if hebrew >= arabic else "ar"


def conversation(body: ContactIn) -> Transcript:
    """The messages in order as a transcript: seconds from the first message, one speaker per author
    (per role where the author is not named: a chat handed from one agent to another has two)."""
    messages = sorted(body.messages, key=lambda m: as_utc(m.at))
    first = as_utc(messages[0].at)
    if as_utc(messages[-1].at) - first > MAX_SPAN:
        raise HTTPException(
            422, f"the messages span more than {MAX_SPAN.days} days: post it as several contacts"
        )
    segments = tuple(
        Segment(start, start + MESSAGE_S, m.author or m.role, m.role, None, m.text.strip())
        for m in messages
        for start in [(as_utc(m.at) - first).total_seconds()]
    )
    language = body.language or written_language([m.text for m in messages])
    authors = dict.fromkeys((m.author or m.role, m.role) for m in messages)
    speakers = tuple(Speaker(author, role, None, "contact") for author, role in authors)
    return Transcript(language, segments[-1].end, speakers, segments, model=body.medium)


def _create(request: Request, body: ContactIn, key: ApiKey) -> JSONResponse:
    services = request.app.state.services
    transcript = displayable(without_personal_data(request, conversation(body)))
    meta: dict[str, Any] = {"headers": body.headers}
    if body.subject is not None:  # redacted as the messages are: a card number in a subject stays out
        subject = Transcript(transcript.language, 1, (), (Segment(0, 1, "s", "other", None, body.subject),))
        meta["subject"] = without_personal_data(request, subject).segments[0].text
    fields = body.model_dump(exclude={"medium", "subject", "headers", "messages"})
    metadata = CallMetadata.model_validate(
        {**fields, "started_at": fields["started_at"] or min(m.at for m in body.messages)}
    )
    result = services.ingestor.register_without_audio(metadata, transcript.duration, body.medium, meta)
    # The same (source, external_id) again is the contact as first posted, unless posting it failed
    # after its row was written: then this post completes it.
    if not result.created and result.call.transcript_source is not None:
        return JSONResponse(CallCreated(id=result.call.id, status=result.call.status.value).model_dump())
    with services.db.session() as session:
        call_id = result.call.id
        save_transcript(session, call_id, transcript)
        call_records.mark_transcript_edited(session, call_id, "import", actor(key))
        reanalyse_after_change(request, session, call_id, f"the {body.medium} was posted by {actor(key)}")
        details = {"medium": body.medium, "messages": len(body.messages)}
        audit.record(session, actor(key), "contact.create", call_id, details, origin(request))
        status = call_records.get_call(session, call_id).status.value
    return JSONResponse(CallCreated(id=call_id, status=status).model_dump(), status_code=201)


@router.post("", status_code=201, response_model=CallCreated, responses=ERRORS)
async def post_contact(request: Request, body: ContactIn, key: ApiKey = Depends(uploader)) -> JSONResponse:
    """Document a chat or an e-mail thread with the calls: messages with their author's role, time and
    text (an e-mail's subject and headers kept as metadata). It is analysed at once and listed, searched
    and reviewed with the calls (`medium` chat or email). The same (source, external_id) returns the
    contact already posted (200)."""
    if key.role != "admin" or key.source is not None:
        source = await run_in_threadpool(upload_source_for, request.app.state.services, key, body.source)
        body = body.model_copy(update={"source": source})
    return await run_in_threadpool(_create, request, body, key)
