"""SQLAlchemy table mappings. The schema itself is owned by the Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Sequence,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that reads back aware in UTC on every engine (SQLite keeps no zone and returns naive
    values; PostgreSQL returns the session's zone), so no caller fixes zones by hand."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class CallRow(Base):
    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_calls_source_external_id"),
        Index("ix_calls_status", "status"),
        Index("ix_calls_created_at", "created_at"),
        Index("ix_calls_agent_id", "agent_id"),
        Index("ix_calls_customer_number", "customer_number"),
        Index("ix_calls_seq", "seq", unique=True),
        # and ix_calls_moment on coalesce(started_at, created_at) (migration 0007), for date filters
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # Compact number of the call, part of its segments' ids (storage/segment_keys.py).
    seq: Mapped[int] = mapped_column(BigInteger, Sequence("calls_seq_seq"))
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(255))
    direction: Mapped[str | None] = mapped_column(String(16))
    agent_id: Mapped[str | None] = mapped_column(String(128))
    customer_number: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    channel_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    language_hint: Mapped[str | None] = mapped_column(String(16))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    audio_key: Mapped[str] = mapped_column(String(512))
    audio_sha256: Mapped[str] = mapped_column(String(64))
    audio_size: Mapped[int] = mapped_column(Integer)
    audio_filename: Mapped[str] = mapped_column(String(255))
    audio_format: Mapped[str] = mapped_column(String(64))
    duration: Mapped[float] = mapped_column(Float)
    channels: Mapped[int] = mapped_column(Integer)
    sample_rate: Mapped[int] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(16))
    model: Mapped[str | None] = mapped_column(String(255))
    speakers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    characteristics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    transcript_source: Mapped[str | None] = mapped_column(String(16))
    transcript_edited_by: Mapped[str | None] = mapped_column(String(128))
    transcript_edited_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Personal data found and redacted ({"card": 1, ...}); the unredacted audio's key when kept.
    redaction: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Set when rules were withheld because the transcript is not trusted: why, and which rules.
    listen_reason: Mapped[str | None] = mapped_column(Text)
    original_audio_key: Mapped[str] = mapped_column(String(512), default="", server_default="")
    audio_expired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The player's waveform, per channel (transcribe/peaks.py); deferred: lists never read it.
    peaks: Mapped[list[list[int]] | None] = mapped_column(JSON, deferred=True)
    medium: Mapped[str] = mapped_column(String(8), default="call", server_default="call")  # migration 0027
    contact_meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # an e-mail's subject and headers
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class SegmentRow(Base):
    __tablename__ = "segments"
    __table_args__ = (Index("ix_segments_call_id_idx", "call_id", "idx", unique=True),)

    # storage/segment_keys.py: call seq, role and index in one id (SQLite: the rowid itself).
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    idx: Mapped[int] = mapped_column(Integer)
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    speaker: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))
    channel: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # The search form of `text` (storage.text.normalize), indexed by the full-text index.
    text_normalized: Mapped[str] = mapped_column(Text)
    # Every word's search forms (storage.terms.index_forms): stems and prefix-stripped words.
    search_forms: Mapped[str] = mapped_column(Text, default="")
    # [[start, end, word, probability], ...]: compact, read whole with the segment.
    words: Mapped[list[list[Any]]] = mapped_column(JSON, default=list)
    # transcribe/sentiment: "positive", "neutral" or "negative", and the score (-1 to 1).
    sentiment: Mapped[str | None] = mapped_column(String(8))
    sentiment_score: Mapped[float | None] = mapped_column(Float)


class VocabularyRow(Base):
    """Every indexed form once per agent whose calls hold it ("" for calls without one), for fuzzy
    matching within a search's scope; never pruned (a stale term just finds nothing)."""

    __tablename__ = "vocabulary"
    __table_args__ = (Index("ix_vocabulary_length_term", "length", "term"),)

    agent_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    term: Mapped[str] = mapped_column(String(128), primary_key=True)
    length: Mapped[int] = mapped_column(SmallInteger)


class FlagRow(Base):
    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("call_id", "rule_id", name="uq_flags_call_rule"),
        Index("ix_flags_category_state", "category", "state"),
        Index("ix_flags_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(String(128))
    rule_version: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="open")
    reviewed_by: Mapped[str | None] = mapped_column(String(128))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    assigned_to: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # Why analysis withdrew an open flag (its rule stopped matching the transcript); migration 0020.
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)


class SpeakerVoiceRow(Base):
    __tablename__ = "speaker_voices"
    __table_args__ = (Index("ix_speaker_voices_role", "role", "role_source"),)

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    speaker: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    role_source: Mapped[str] = mapped_column(String(32))  # what decided the role (records.Speaker)
    model: Mapped[str] = mapped_column(String(64))
    embedding: Mapped[bytes] = mapped_column(LargeBinary)  # float32 little-endian
    speech_seconds: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class VoiceWatchRow(Base):
    __tablename__ = "voice_watches"
    __table_args__ = (Index("ix_voice_watches_active", "active"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    speaker: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(64))
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    ended_by: Mapped[str | None] = mapped_column(String(128))
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class JobAttemptRow(Base):
    __tablename__ = "job_attempts"
    __table_args__ = (Index("ix_job_attempts_call_id", "call_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    job_id: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(64))
    worker: Mapped[str | None] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    timings: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The source a telephony key uploads for (migration 0018); None: unbound.
    source: Mapped[str | None] = mapped_column(String(64))


class WebhookRow(Base):
    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Both sealed under the object keyring when one is configured (storage/sealed.py).
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class WebhookDeliveryRow(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_webhook", "webhook_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_action", "action", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(255))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    origin: Mapped[str] = mapped_column(String(255))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    scheme: Mapped[str] = mapped_column(String(16), default="sha256")
    key_id: Mapped[str | None] = mapped_column(String(16))


class AuditMaintenanceRow(Base):
    """While a row exists, the append-only triggers let the audit chain be rewritten (keying it)."""

    __tablename__ = "audit_maintenance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class LegalHoldRow(Base):
    __tablename__ = "legal_holds"
    __table_args__ = (
        Index("ix_legal_holds_call", "call_id"),
        Index("ix_legal_holds_customer", "customer_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str | None] = mapped_column(String(36))  # no foreign key: a hold outlives nothing
    customer_number: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    released_by: Mapped[str | None] = mapped_column(String(255))
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AgentVoiceRow(Base):
    __tablename__ = "agent_voices"
    __table_args__ = (Index("ix_agent_voices_agent", "agent_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(String(128))
    sample_key: Mapped[str] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | done | failed
    error: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String(64))
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    speech_seconds: Mapped[float | None] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    agent_id: Mapped[str | None] = mapped_column(String(128), nullable=True)  # agent users: their calls


class UserSessionRow(Base):
    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    origin: Mapped[str] = mapped_column(String(255))


class TeamRow(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class TeamAgentRow(Base):
    __tablename__ = "team_agents"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(128), primary_key=True)


class TeamManagerRow(Base):
    __tablename__ = "team_managers"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class ScorecardRow(Base):
    __tablename__ = "scorecards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{name, weight, max}]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Edits make a new version; the criteria of earlier ones stay: [{version, name, criteria, replaced_at}].
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    versions: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class QaReviewRow(Base):
    __tablename__ = "qa_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id"))
    agent_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    reviewer: Mapped[str] = mapped_column(String(255))
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)  # criterion name -> points
    score: Mapped[float] = mapped_column(Float)  # weighted, 0-100
    comments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{at: seconds, text}]
    # Earlier submissions of the same reviewer, call and scorecard, replaced by this one.
    history: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    scorecard_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The reviewed agent's answer: "acknowledged" or "disputed"; the thread with the reviewer
    # [{by, side: agent|reviewer, kind: acknowledge|dispute|answer, text, at}].
    agent_response: Mapped[str | None] = mapped_column(String(16))
    thread: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class SavedViewRow(Base):
    """A named set of calls-list filters, private to the person (or key) who saved it."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("owner", "name", name="uq_saved_views_owner_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(64))
    query: Mapped[str] = mapped_column(
        Text
    )  # the calls list's query string, e.g. "language=he&flag=complaint"
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


# Declared in their own module (this one is long enough); imported here so every model is known.
from . import driver_tables as driver_tables  # noqa: E402
