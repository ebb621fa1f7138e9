"""Agent voice samples: uploaded recordings of an agent, enrolled as voiceprints by the worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .tables import AgentVoiceRow
from .voiceprints import blob_of


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
        row.status, row.model, row.embedding, row.speech_seconds = "done", model, blob_of(embedding), seconds
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
