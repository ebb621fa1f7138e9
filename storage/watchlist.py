"""The voice watchlist: voices a compliance officer asked to be told about on every later call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import AlreadyWatched, VoiceNotFound
from .records import record_of
from .tables import SpeakerVoiceRow, VoiceWatchRow, utcnow
from .voiceprints import vector_of


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


def _to_watch(row: VoiceWatchRow) -> VoiceWatch:
    return record_of(
        VoiceWatch, row, embedding=vector_of(row.embedding), created_at=row.created_at or utcnow()
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
