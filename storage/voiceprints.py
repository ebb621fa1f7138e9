"""Voiceprints: one per speaker per call, the agent voices mono calls are matched against, and the
caller-voice history rules count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .records import Call
from .tables import AgentVoiceRow, CallRow, SpeakerVoiceRow
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


def vector_of(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4").copy()


def blob_of(vector: np.ndarray) -> bytes:
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
                embedding=blob_of(voice.embedding),
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
            r.call_id, r.speaker, r.role, r.model, vector_of(r.embedding), r.speech_seconds, r.role_source
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
    samples = [vector_of(blob) for blob in enrolled if blob]
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
    return (samples + [vector_of(blob) for blob in rows])[:limit]


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
        theirs = np.stack([vector_of(row.embedding) for row in rows])
        theirs /= np.linalg.norm(theirs, axis=1, keepdims=True)
        best = np.max(np.stack([theirs @ (v / np.linalg.norm(v)) for v in mine]), axis=0)
        for row, score in zip(rows, best, strict=True):
            if score >= threshold:
                calls.add(row.call_id)
                numbers |= {row.customer_number} - {None}
    return len(calls), len(numbers)
