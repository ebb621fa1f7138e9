"""Voiceprints (one per speaker per call) and the voice watchlist built from them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .errors import AlreadyWatched, VoiceNotFound
from .records import Call
from .tables import AgentVoiceRow, CallRow, SpeakerVoiceRow, VoiceWatchRow, utcnow
from .times import as_utc

CUSTOMER_ROLES = ("customer", "other")


@dataclass(frozen=True, slots=True)
class StoredVoice:
    call_id: str
    speaker: str
    role: str
    model: str
    embedding: np.ndarray
    speech_seconds: float
    role_source: str = "channel"


@dataclass(frozen=True, slots=True)
class VoiceWatch:
    id: int
    call_id: str | None
    speaker: str
    model: str
    embedding: np.ndarray
    note: str
    active: bool
    created_by: str
    created_at: datetime
    ended_by: str | None
    ended_at: datetime | None


def _vector(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4").copy()


def _blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def delete_voices(session: Session, call_id: str) -> None:
    session.execute(delete(SpeakerVoiceRow).where(SpeakerVoiceRow.call_id == call_id))


def save_voices(session: Session, call_id: str, voices: Sequence[StoredVoice]) -> None:
    """Replace the call's voiceprints (a re-run of the worker recomputes them)."""
    session.execute(delete(SpeakerVoiceRow).where(SpeakerVoiceRow.call_id == call_id))
    for voice in voices:
        session.add(
            SpeakerVoiceRow(
                call_id=call_id,
                speaker=voice.speaker,
                role=voice.role,
                role_source=voice.role_source,
                model=voice.model,
                embedding=_blob(voice.embedding),
                speech_seconds=voice.speech_seconds,
            )
        )
    session.flush()


def list_voices(session: Session, call_id: str) -> list[StoredVoice]:
    rows = session.scalars(
        select(SpeakerVoiceRow).where(SpeakerVoiceRow.call_id == call_id).order_by(SpeakerVoiceRow.speaker)
    )
    return [
        StoredVoice(
            r.call_id, r.speaker, r.role, r.model, _vector(r.embedding), r.speech_seconds, r.role_source
        )
        for r in rows
    ]


def agent_voiceprints(session: Session, agent_id: str, model: str, limit: int = 20) -> list[np.ndarray]:
    """The agent's voice: samples uploaded to enrol them, then their latest calls where the role was
    certain (a stereo channel map or a reviewer's correction). Mono calls are matched against these."""
    enrolled = session.scalars(
        select(AgentVoiceRow.embedding)
        .where(
            AgentVoiceRow.agent_id == agent_id, AgentVoiceRow.status == "done", AgentVoiceRow.model == model
        )
        .order_by(AgentVoiceRow.id.desc())
        .limit(limit)
    )
    samples = [_vector(blob) for blob in enrolled if blob]
    rows = session.scalars(
        select(SpeakerVoiceRow.embedding)
        .join(CallRow, CallRow.id == SpeakerVoiceRow.call_id)
        .where(
            CallRow.agent_id == agent_id,
            SpeakerVoiceRow.role == "agent",
            SpeakerVoiceRow.role_source.in_(("channel", "reviewer")),
            SpeakerVoiceRow.model == model,
        )
        .order_by(CallRow.created_at.desc())
        .limit(limit)
    )
    return (samples + [_vector(blob) for blob in rows])[:limit]


@dataclass(frozen=True, slots=True)
class AgentSample:
    id: int
    agent_id: str
    sample_key: str
    status: str
    error: str | None
    model: str | None
    speech_seconds: float | None
    created_by: str
    created_at: datetime


def _sample(row: AgentVoiceRow) -> AgentSample:
    created = row.created_at.replace(tzinfo=UTC) if row.created_at.tzinfo is None else row.created_at
    return AgentSample(
        row.id, row.agent_id, row.sample_key, row.status, row.error, row.model, row.speech_seconds,
        row.created_by, created,
    )  # fmt: skip


def add_agent_sample(session: Session, agent_id: str, sample_key: str, created_by: str) -> AgentSample:
    row = AgentVoiceRow(agent_id=agent_id, sample_key=sample_key, status="queued", created_by=created_by)
    session.add(row)
    session.flush()
    return _sample(row)


def get_agent_sample(session: Session, sample_id: int) -> AgentSample | None:
    row = session.get(AgentVoiceRow, sample_id)
    return _sample(row) if row else None


def finish_agent_sample(
    session: Session,
    sample_id: int,
    model: str,
    embedding: np.ndarray | None,
    seconds: float,
    error: str = "",
) -> None:
    row = session.get(AgentVoiceRow, sample_id)
    if row is None:  # deleted meanwhile
        return
    if embedding is None:
        row.status, row.error = "failed", error or "too little speech in the sample (at least 3 s)"
    else:
        row.status, row.model, row.embedding, row.speech_seconds = "done", model, _blob(embedding), seconds
    session.flush()


def list_agent_samples(session: Session, agent_id: str) -> list[AgentSample]:
    rows = session.scalars(
        select(AgentVoiceRow).where(AgentVoiceRow.agent_id == agent_id).order_by(AgentVoiceRow.id)
    )
    return [_sample(row) for row in rows]


def delete_agent_samples(session: Session, agent_id: str) -> list[str]:
    """Forget the agent's enrolment (biometric data); returns the sample objects to delete."""
    keys = [s.sample_key for s in list_agent_samples(session, agent_id)]
    session.execute(delete(AgentVoiceRow).where(AgentVoiceRow.agent_id == agent_id))
    return keys


def voice_history(
    session: Session,
    call: Call,
    until: datetime,
    days: float,
    threshold: float,
    voices: Sequence[StoredVoice] | None = None,
) -> tuple[int, int]:
    """Calls in the `days` before `until` whose customer voice matches this call's customer voice (this
    call included), and how many customer numbers those calls came from. `voices` are the call's own
    voiceprints when they are not saved yet (the worker reads history before its one saving transaction).
    A linear scan over the period's customer voiceprints: fine for the thousands a week brings; pgvector
    is the way beyond that."""
    call_id = call.id
    if voices is None:
        voices = list_voices(session, call_id)
    mine = [v.embedding for v in voices if v.role in CUSTOMER_ROLES]
    if not mine:
        return 0, 0
    moment = func.coalesce(CallRow.started_at, CallRow.created_at)
    rows = session.execute(
        select(SpeakerVoiceRow.call_id, SpeakerVoiceRow.embedding, CallRow.customer_number)
        .join(CallRow, CallRow.id == SpeakerVoiceRow.call_id)
        .where(
            SpeakerVoiceRow.role.in_(CUSTOMER_ROLES),
            SpeakerVoiceRow.call_id != call_id,
            moment > as_utc(until) - timedelta(days=days),
            moment <= as_utc(until),
        )
    ).all()
    calls = {call_id}
    numbers = {call.customer_number} - {None}
    if rows:
        theirs = np.stack([_vector(row.embedding) for row in rows])
        theirs /= np.linalg.norm(theirs, axis=1, keepdims=True)
        best = np.max(np.stack([theirs @ (v / np.linalg.norm(v)) for v in mine]), axis=0)
        for row, score in zip(rows, best, strict=True):
            if score >= threshold:
                calls.add(row.call_id)
                numbers |= {row.customer_number} - {None}
    return len(calls), len(numbers)


def _to_watch(row: VoiceWatchRow) -> VoiceWatch:
    return VoiceWatch(
        row.id,
        row.call_id,
        row.speaker,
        row.model,
        _vector(row.embedding),
        row.note,
        row.active,
        row.created_by,
        row.created_at or utcnow(),
        row.ended_by,
        row.ended_at,
    )


def watch_voice(session: Session, call_id: str, speaker: str, note: str, by: str) -> VoiceWatch:
    """Put a call's speaker on the watchlist; their voiceprint is copied so the watch outlives the call."""
    voice = session.get(SpeakerVoiceRow, (call_id, speaker))
    if voice is None:
        raise VoiceNotFound(
            f"call {call_id} has no voiceprint for speaker {speaker!r} "
            "(unknown speaker, too little speech, or the call is not processed yet)"
        )
    existing = session.scalar(
        select(VoiceWatchRow).where(
            VoiceWatchRow.call_id == call_id, VoiceWatchRow.speaker == speaker, VoiceWatchRow.active.is_(True)
        )
    )
    if existing is not None:
        raise AlreadyWatched(
            f"speaker {speaker!r} of call {call_id} is already watched (watch {existing.id})"
        )
    row = VoiceWatchRow(
        call_id=call_id,
        speaker=speaker,
        model=voice.model,
        embedding=voice.embedding,
        note=note,
        active=True,
        created_by=by[:128],
    )
    session.add(row)
    session.flush()
    return _to_watch(row)


def end_watch(session: Session, watch_id: int, by: str) -> VoiceWatch:
    row = session.get(VoiceWatchRow, watch_id)
    if row is None:
        raise VoiceNotFound(f"no voice watch with id {watch_id}")
    if row.active:
        row.active, row.ended_by, row.ended_at = False, by[:128], utcnow()
        session.flush()
    return _to_watch(row)


def list_watches(session: Session, active_only: bool = False) -> list[VoiceWatch]:
    query = select(VoiceWatchRow).order_by(VoiceWatchRow.id)
    if active_only:
        query = query.where(VoiceWatchRow.active.is_(True))
    return [_to_watch(row) for row in session.scalars(query)]
