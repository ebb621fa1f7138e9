"""Transcripts from people: imports from other systems and reviewers' corrections.

Both are saved with who made them, re-indexed in the same transaction, and kept when the model runs
again on the call.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from recorder.metadata import CallMetadata
from storage import audit
from storage import calls as call_records
from storage.api_keys import ApiKey
from storage.records import Segment, Speaker, Transcript, Word
from storage.text import normalize
from storage.transcripts import displayable, load_transcript, save_transcript
from transcribe.formats import to_json
from transcribe.reanalyse import reanalyse_call
from transcribe.redact.pii import find_pii, redact

from ..auth import actor, admin_only, origin
from ..schemas import CallCreated, ErrorOut, TranscriptOut

router = APIRouter(prefix="/v1/calls", tags=["transcripts"])
ERRORS: dict[int | str, dict] = {code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 422)}
RoleName = Literal["agent", "customer", "other"]
MAX_SECONDS = 7 * 24 * 3600.0  # a week: longer than any recording, far from float overflow in renderers


class CallWithoutAudio(CallMetadata):
    duration: float = Field(0.0, ge=0, le=MAX_SECONDS, description="Call length in seconds, when known")


class WordIn(BaseModel):
    start: float = Field(ge=0, le=MAX_SECONDS)
    end: float = Field(ge=0, le=MAX_SECONDS)
    word: str = Field(min_length=1, max_length=200)
    probability: float = Field(1.0, ge=0, le=1)


class SegmentIn(BaseModel):
    start: float = Field(ge=0, le=MAX_SECONDS)
    end: float = Field(ge=0, le=MAX_SECONDS)
    speaker: str = Field(min_length=1, max_length=32)
    role: RoleName
    channel: int | None = Field(None, ge=0, le=1)
    text: str = Field(max_length=20_000)
    words: list[WordIn] = []

    @model_validator(mode="after")
    def _times_in_order(self) -> SegmentIn:
        if self.end < self.start:
            raise ValueError(f"segment ends ({self.end}) before it starts ({self.start})")
        return self


class SpeakerIn(BaseModel):
    id: str = Field(min_length=1, max_length=32)
    role: RoleName
    channel: int | None = Field(None, ge=0, le=1)


class TranscriptIn(BaseModel):
    """The transcript JSON of GET /v1/calls/{id}/transcript."""

    language: str = Field(pattern=r"^[a-z]{2,3}$")
    duration: float = Field(ge=0, le=MAX_SECONDS)
    speakers: list[SpeakerIn] = []
    segments: list[SegmentIn] = Field(max_length=65_536)  # storage.segment_keys.MAX_SEGMENTS

    @model_validator(mode="after")
    def _speakers_known(self) -> TranscriptIn:
        known = {s.id for s in self.speakers}
        unknown = sorted({s.speaker for s in self.segments} - known) if known else []
        if unknown:
            raise ValueError(f"segments name speakers not in `speakers`: {', '.join(unknown)}")
        return self

    def to_transcript(self, model: str) -> Transcript:
        speakers = self.speakers or [
            SpeakerIn(id=s.speaker, role=s.role, channel=s.channel) for s in self.segments
        ]
        unique = {s.id: s for s in speakers}
        return Transcript(
            language=self.language,
            duration=self.duration,
            speakers=tuple(Speaker(s.id, s.role, s.channel, "import") for s in unique.values()),
            segments=tuple(
                Segment(
                    s.start,
                    s.end,
                    s.speaker,
                    s.role,
                    s.channel,
                    s.text.strip(),
                    _words_of(s),
                )
                for s in sorted(self.segments, key=lambda s: (s.start, s.end))
            ),
            model=model,
        )


def _words_of(segment: SegmentIn) -> tuple[Word, ...]:
    """The segment's words when they spell its text; otherwise the text decides (its words spread over
    the segment): the desk shows words, search and rules read text, and they must not differ."""
    words = tuple(Word(w.start, w.end, w.word, w.probability) for w in segment.words)
    if words and normalize(" ".join(w.word for w in words)) == normalize(segment.text):
        return words
    return spread_words(segment.text, segment.start, segment.end)


class SegmentPatch(BaseModel):
    text: str | None = Field(None, max_length=20_000)
    speaker: str | None = Field(None, min_length=1, max_length=32)
    role: RoleName | None = None


def spread_words(text: str, start: float, end: float) -> tuple[Word, ...]:
    """Word timings for text typed by a person: spread evenly over the segment (no timings to trust)."""
    words = text.split()
    if not words:
        return ()
    step = (end - start) / len(words)
    return tuple(
        Word(round(start + i * step, 3), round(start + (i + 1) * step, 3), w, 1.0)
        for i, w in enumerate(words)
    )


@router.put("/{call_id}/transcript", response_model=TranscriptOut, responses=ERRORS)
def put_transcript(
    request: Request, call_id: str, body: TranscriptIn, key: ApiKey = Depends(admin_only)
) -> JSONResponse:
    """Import a transcript made elsewhere, or replace one with a corrected version."""
    with request.app.state.services.db.session() as session:
        call = call_records.get_call(session, call_id)
        source = (
            "import" if call.transcript_source in (None, "import") and not call.has_audio else "correction"
        )
        if call.transcript_source is None and call.status != "done" and call.has_audio:
            source = "import"  # a transcript arriving before the model's: kept all the same
        transcript = displayable(without_personal_data(request, body.to_transcript(model=source)))
        save_transcript(session, call_id, transcript)
        call_records.mark_transcript_edited(session, call_id, source, actor(key))
        reanalyse_after_change(
            request, session, call_id, f"the transcript was replaced ({source}) by {actor(key)}"
        )
        details = {"source": source, "segments": len(transcript.segments)}
        audit.record(session, actor(key), "call.transcript_put", call_id, details, origin(request))
    return JSONResponse(to_json(transcript))


@router.patch("/{call_id}/segments/{index}", response_model=TranscriptOut, responses=ERRORS)
def patch_segment(
    request: Request,
    call_id: str,
    index: Annotated[int, Path(ge=0, le=1_000_000)],
    body: SegmentPatch,
    key: ApiKey = Depends(admin_only),
) -> JSONResponse:
    """Correct one segment: its words, its speaker, or its role."""
    with request.app.state.services.db.session() as session:
        call = call_records.get_call(session, call_id)
        if call.status != "done":
            raise HTTPException(409, f"the transcript is not ready: the call is {call.status.value}")
        transcript = load_transcript(session, call_id)
        if not 0 <= index < len(transcript.segments):
            raise HTTPException(404, f"no segment {index}; the transcript has {len(transcript.segments)}")
        old = transcript.segments[index]
        text = body.text.strip() if body.text is not None else old.text
        words = old.words if body.text is None or text == old.text else spread_words(text, old.start, old.end)
        speaker = body.speaker or old.speaker
        role = body.role or (old.role if body.speaker is None else _role_of(transcript, speaker, old.role))
        segments = list(transcript.segments)
        segments[index] = Segment(old.start, old.end, speaker, role, old.channel, text, words)
        speakers = transcript.speakers
        if speaker not in {s.id for s in speakers}:
            speakers = (*speakers, Speaker(speaker, role, old.channel, "reviewer"))
        corrected = displayable(
            without_personal_data(
                request,
                Transcript(
                    transcript.language, transcript.duration, speakers, tuple(segments), transcript.model
                ),
            )
        )
        save_transcript(session, call_id, corrected)
        call_records.mark_transcript_edited(session, call_id, "correction", actor(key))
        reanalyse_after_change(request, session, call_id, f"segment {index} was corrected by {actor(key)}")
        changed = [name for name in ("text", "speaker", "role") if getattr(body, name) is not None]
        details = {"segment": index, "changed": changed}
        audit.record(session, actor(key), "call.segment_edit", call_id, details, origin(request))
    return JSONResponse(to_json(corrected))


def reanalyse_after_change(request: Request, session, call_id: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    """Characteristics and flags follow the corrected transcript, as the worker's would."""
    services = request.app.state.services
    threshold = services.settings.transcribe.voice_match_threshold
    reanalyse_call(
        session,
        services.rules,
        call_id,
        threshold,
        f"withdrawn: {reason}, and the rule no longer holds",
        services.drivers,
    )


def without_personal_data(request: Request, transcript: Transcript) -> Transcript:
    """Imports and corrections are redacted like the model's transcripts: the index never holds PII."""
    if not request.app.state.services.settings.transcribe.redaction:
        return transcript
    return redact(transcript, find_pii(transcript))


def _role_of(transcript: Transcript, speaker: str, fallback: str) -> str:
    return next((s.role for s in transcript.speakers if s.id == speaker), fallback)


def create_call_without_audio(request: Request, body: CallWithoutAudio) -> JSONResponse:
    """POST /v1/calls with a JSON body: a call whose transcript will be imported (admin keys only)."""
    metadata = CallMetadata.model_validate(body.model_dump(exclude={"duration"}))
    result = request.app.state.services.ingestor.register_without_audio(metadata, body.duration)
    payload = CallCreated(id=result.call.id, status=result.call.status.value).model_dump()
    return JSONResponse(payload, status_code=201 if result.created else 200)
