"""The public v1 response shapes. Later versions add fields; they never remove or rename them."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated, Any, get_type_hints

from fastapi import Path
from pydantic import BaseModel, Field, create_model

from storage.flags import Flag
from storage.records import Call

# A row id in a path: bounded, so an absurd number is a 422, never a database overflow.
RowId = Annotated[int, Path(ge=1, le=2**62)]


class AudioInfo(BaseModel):
    filename: str
    format: str
    size: int
    sha256: str
    duration: float
    channels: int
    sample_rate: int


def fields_of(record: type) -> dict[str, Any]:
    """A storage record's fields as pydantic field definitions, so a response shape is built from the
    record rather than copied field by field (a field added to the record reaches the API)."""
    hints = get_type_hints(record)
    return {
        f.name: (hints[f.name], ... if f.default is dataclasses.MISSING else f.default)
        for f in dataclasses.fields(record)
    }


def model_of(record: type, name: str, exclude: tuple[str, ...] = (), **overrides: Any) -> type[BaseModel]:
    """A pydantic model with the record's fields, less `exclude` (`overrides` adds descriptions or
    replaces fields)."""
    fields = {k: v for k, v in fields_of(record).items() if k not in exclude}
    return create_model(name, **{**fields, **overrides})


class FlagOut(model_of(Flag, "FlagFields")):  # type: ignore[misc]
    # In the review queue: what the rule is about, and the call's facts.
    rule_description: str | None = None
    agent_id: str | None = None
    customer_number: str | None = None
    call_started_at: datetime | None = None

    @classmethod
    def of(cls, flag: Flag, **queue: Any) -> FlagOut:
        return cls(**{name: getattr(flag, name) for name in Flag.__dataclass_fields__}, **queue)


# Where the call's audio lies and how it is sealed stay inside; the API shows the audio's facts instead.
_CALL_INTERNAL = (
    *("audio_key", "original_audio_key", "listen_reason"),
    *("audio_sha256", "audio_size", "audio_filename", "audio_format", "duration", "channels", "sample_rate"),
)


class CallOut(
    model_of(  # type: ignore[misc]
        Call,
        "CallFields",
        exclude=_CALL_INTERNAL,
        channel_roles=(list[str], ...),
        redaction=(
            dict[str, Any] | None,
            Field(None, description='{"found": {"card": 1}, "audio": "tone", "windows": [[s, e]]}'),
        ),
    )
):
    audio: AudioInfo
    flags: list[FlagOut] | None = Field(None, description="On GET /v1/calls/{id}; null in lists")
    has_original: bool = Field(
        False, description="The unredacted audio is kept (admins: GET .../audio?original=true)"
    )
    confidence: dict[str, Any] | None = Field(
        None, description="How far the transcript can be trusted: score 0-1 and, when low, the reasons"
    )
    mono_in_stereo: bool = Field(False, description="Both channels of the recording carried the same mix")
    needs_listen: str | None = Field(
        None, description="Rules were withheld on an untrusted transcript: a person should listen (why)"
    )
    drivers: list[dict[str, str]] | None = Field(
        None, description='On GET /v1/calls/{id}: why the customer called, [{"id", "name", "source"}]'
    )

    @classmethod
    def of(
        cls,
        call: Call,
        flags: list[Flag] | None = None,
        sees_review: bool = True,
        drivers: list[dict[str, str]] | None = None,
    ) -> CallOut:
        """`sees_review`: false for agents, who see neither flags nor what rules were withheld."""
        analysis = call.characteristics or {}
        shown = {
            f.name: getattr(call, f.name) for f in dataclasses.fields(Call) if f.name not in _CALL_INTERNAL
        }
        redaction = call.redaction
        return cls(
            **{
                **shown,
                "status": call.status.value,
                "progress": round(call.progress, 3),
                "channel_roles": list(call.channel_roles),
                "redaction": (
                    {k: v for k, v in redaction.items() if k != "original_transcript_key"}
                    if redaction
                    else None
                ),
            },
            audio=AudioInfo(
                filename=call.audio_filename,
                format=call.audio_format,
                size=call.audio_size,
                sha256=call.audio_sha256,
                duration=round(call.duration, 3),
                channels=call.channels,
                sample_rate=call.sample_rate,
            ),
            flags=[FlagOut.of(f) for f in flags] if flags is not None else None,
            has_original=bool(call.original_audio_key),
            confidence=analysis.get("confidence"),
            mono_in_stereo=bool(analysis.get("mono_in_stereo")),
            needs_listen=call.listen_reason if sees_review else None,
            drivers=drivers,
        )


class CallCreated(BaseModel):
    id: str
    status: str


class CallPage(BaseModel):
    items: list[CallOut]
    next_cursor: str | None


class WordOut(BaseModel):
    start: float
    end: float
    word: str
    probability: float


class SegmentOut(BaseModel):
    start: float
    end: float
    speaker: str
    role: str
    channel: int | None
    text: str
    overlapped: bool = Field(False, description="Part of it was said while another speaker talked")
    confidence: float | None = Field(None, description="Mean probability of its words (0-1)")
    sentiment: str | None = Field(None, description="positive, neutral or negative (transcribe/sentiment)")
    sentiment_score: float | None = Field(None, description="-1 (hostile) to 1 (delighted)")
    words: list[WordOut]


class OverlapOut(BaseModel):
    start: float
    end: float
    speakers: list[str]


class SpeakerOut(BaseModel):
    id: str
    role: str
    channel: int | None
    language: str | None = Field(None, description="The language heard on this speaker's channel")
    language_probability: float | None = Field(
        None, description="How sure language identification was (0-1); null when the language was given"
    )
    role_source: str = Field(
        "channel",
        description="What decided the role: channel, agent_voiceprint, first_speaker, single_speaker, "
        "reviewer or import",
    )


class TranscriptOut(BaseModel):
    language: str
    duration: float
    speakers: list[SpeakerOut]
    segments: list[SegmentOut]
    overlaps: list[OverlapOut] = Field([], description="Stretches where two speakers talk at once")
    partial: bool = Field(
        False,
        description="What has been heard so far of a long call still being transcribed (digits masked)",
    )
    analysis: dict[str, Any] | None = Field(
        None,
        description="What callrec concluded from this transcript: each side's sentiment, the call's drivers "
        '(named and discovered) and its summary: {"sentiment", "drivers", "summary"}',
    )


class MatchedWord(BaseModel):
    index: int  # position in the segment's words
    word: str


class HitOut(BaseModel):
    segment: int
    start: float
    end: float
    speaker: str
    role: str
    text: str
    highlight: str  # the words, HTML-escaped, matches in <mark>
    matched_words: list[MatchedWord]


class SearchCallOut(BaseModel):
    """What a results list shows of the call."""

    agent_id: str | None
    customer_number: str | None
    direction: str | None
    language: str | None
    started_at: datetime | None
    duration: float | None


class SearchResultOut(BaseModel):
    call_id: str
    score: float
    hits: list[HitOut]
    call: SearchCallOut | None = None


class SearchOut(BaseModel):
    query: str
    total: int  # matching calls
    fuzzy: bool  # fuzzy matching was used (asked with ~, or the automatic fallback when nothing matched)
    next_cursor: str | None
    results: list[SearchResultOut]


class ErrorOut(BaseModel):
    error: str
    detail: str
