"""Domain records: the shapes every package speaks in. Plain frozen dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

R = TypeVar("R")


class CallStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


class Role(StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"
    OTHER = "other"


# Flags that stand: a dismissed flag was wrong, a withdrawn one no longer holds.
LIVE_FLAG_STATES = ("open", "confirmed")


@dataclass(frozen=True, slots=True)
class Word:
    start: float
    end: float
    word: str
    probability: float


@dataclass(frozen=True, slots=True)
class Speaker:
    id: str
    role: str
    channel: int | None
    # What decided the role: "channel" (stereo channel map), "agent_voiceprint", "first_speaker",
    # "single_speaker", "reviewer" or "import".
    role_source: str = "channel"
    # The language heard on the speaker's channel (stereo calls detect it per side); None when unknown.
    language: str | None = None
    # How sure language identification was (0-1); None when the language was given, not identified.
    language_probability: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The transcript JSON's speaker, which is also how the call row keeps it."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Segment:
    start: float
    end: float
    speaker: str
    role: str
    channel: int | None
    text: str
    words: tuple[Word, ...] = ()
    sentiment: str | None = None  # "positive" | "neutral" | "negative"; None until analysed
    sentiment_score: float | None = None  # -1 to 1


@dataclass(frozen=True, slots=True)
class Transcript:
    language: str
    duration: float
    speakers: tuple[Speaker, ...]
    segments: tuple[Segment, ...]
    model: str = ""


@dataclass(frozen=True, slots=True)
class NewCall:
    """What ingestion knows about a call before any processing."""

    source: str
    audio_key: str
    audio_sha256: str
    audio_size: int
    audio_filename: str
    audio_format: str
    duration: float
    channels: int
    sample_rate: int
    external_id: str | None = None
    direction: str | None = None
    agent_id: str | None = None
    customer_number: str | None = None
    started_at: datetime | None = None
    channel_roles: tuple[str, ...] = ()
    language_hint: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    medium: str = "call"  # call | chat | email (a written contact: no audio)
    contact_meta: dict[str, Any] | None = None  # an e-mail's subject and headers


@dataclass(frozen=True, slots=True)
class Call:
    id: str
    status: CallStatus
    progress: float
    stage: str | None
    error: str | None
    source: str
    external_id: str | None
    direction: str | None
    agent_id: str | None
    customer_number: str | None
    started_at: datetime | None
    channel_roles: tuple[str, ...]
    language_hint: str | None
    extra: dict[str, Any]
    audio_key: str
    audio_sha256: str
    audio_size: int
    audio_filename: str
    audio_format: str
    duration: float
    channels: int
    sample_rate: int
    language: str | None
    model: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime
    characteristics: dict[str, Any] | None = None
    transcript_source: str | None = None  # model | import | correction
    transcript_edited_by: str | None = None
    transcript_edited_at: datetime | None = None
    redaction: dict[str, Any] | None = None  # {"found": {"card": 1}, "audio": "tone", ...}
    original_audio_key: str = ""  # the unredacted recording, kept only when settings say so
    listen_reason: str | None = None  # a person should listen: the transcript is not trusted (why)
    medium: str = "call"  # call | chat | email
    contact_meta: dict[str, Any] | None = None  # an e-mail's subject and headers (redacted subject)

    @property
    def has_audio(self) -> bool:
        return bool(self.audio_key)

    @property
    def is_transcript_edited(self) -> bool:
        return self.transcript_source in ("import", "correction")


@dataclass(frozen=True, slots=True)
class SearchHit:
    segment_index: int
    start: float
    end: float
    speaker: str
    role: str
    text: str
    words: tuple[str, ...] = ()  # the segment's words, as transcribed
    matched_words: tuple[int, ...] = ()  # indexes into `words` that the query matched


@dataclass(frozen=True, slots=True)
class CallHits:
    call_id: str
    score: float
    hits: tuple[SearchHit, ...]


@dataclass(frozen=True, slots=True)
class RaisedFlag:
    """A rule's finding, before storage."""

    rule_id: str
    rule_version: int
    category: str
    severity: str
    evidence: list[dict[str, Any]]


def record_of(record: type[R], row: object, **computed: Any) -> R:
    """The record of a table row: each field read from the row's column of the same name, unless
    `computed` gives it (a decoded vector, a default for a row not yet flushed)."""
    names = [f.name for f in fields(record)]  # type: ignore[arg-type]
    return record(**{name: computed[name] if name in computed else getattr(row, name) for name in names})
