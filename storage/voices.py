"""Voiceprints (one per speaker per call) and the voice watchlist built from them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .calls import _aware
from .errors import StorageError
from .tables import CallRow, SpeakerVoiceRow, VoiceWatchRow, utcnow
from .times import as_utc

CUSTOMER_ROLES = ("customer", "other")


class VoiceNotFound(StorageError):
    code = "voice_not_found"
    status = 404


class AlreadyWatched(StorageError):
    code = "already_watched"
    status = 409


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
    """The agent's voice from their latest calls where the role was certain (a stereo channel map or a
    reviewer's correction): the enrolment that mono calls are matched against."""
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
    return [_vector(blob) for blob in rows]


def voice_history(
    session: Session, call_id: str, until: datetime, days: float, threshold: float
) -> tuple[int, int]:
    """Calls in the `days` before `until` whose customer voice matches this call's customer voice (this
    call included), and how many customer numbers those calls came from. A linear scan over the period's
    customer voiceprints: fine for the thousands a week brings; pgvector is the way beyond that."""
    mine = [
        _vector(r.embedding)
        for r in session.scalars(
            select(SpeakerVoiceRow).where(
                SpeakerVoiceRow.call_id == call_id, SpeakerVoiceRow.role.in_(CUSTOMER_ROLES)
            )
        )
    ]
    this_call = session.get(CallRow, call_id)
    if not mine or this_call is None:
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
    numbers = {this_call.customer_number} - {None}
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
        _aware(row.created_at) or utcnow(),
        row.ended_by,
        _aware(row.ended_at),
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
