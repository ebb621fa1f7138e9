"""Call records: create (idempotently), read, list, move through their statuses, delete."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .errors import CallNotFound
from .records import Call, CallStatus, NewCall
from .tables import CallRow, FlagRow, JobAttemptRow, SegmentRow, utcnow
from .times import as_utc
from .webhooks import record_event


def to_call(row: CallRow) -> Call:
    return Call(
        id=row.id,
        status=CallStatus(row.status),
        progress=row.progress,
        stage=row.stage,
        error=row.error,
        source=row.source,
        external_id=row.external_id,
        direction=row.direction,
        agent_id=row.agent_id,
        customer_number=row.customer_number,
        started_at=row.started_at,
        channel_roles=tuple(row.channel_roles or ()),
        language_hint=row.language_hint,
        extra=dict(row.extra or {}),
        audio_key=row.audio_key,
        audio_sha256=row.audio_sha256,
        audio_size=row.audio_size,
        audio_filename=row.audio_filename,
        audio_format=row.audio_format,
        duration=row.duration,
        channels=row.channels,
        sample_rate=row.sample_rate,
        language=row.language,
        model=row.model,
        attempts=row.attempts,
        created_at=row.created_at or utcnow(),
        updated_at=row.updated_at or utcnow(),
        characteristics=row.characteristics,
        transcript_source=row.transcript_source,
        transcript_edited_by=row.transcript_edited_by,
        transcript_edited_at=row.transcript_edited_at,
        redaction=row.redaction,
        original_audio_key=row.original_audio_key or "",
        listen_reason=row.listen_reason,
        medium=row.medium or "call",
        contact_meta=row.contact_meta,
    )


def new_call_id() -> str:
    return str(uuid.uuid4())


def find_by_external_id(session: Session, source: str, external_id: str) -> Call | None:
    row = session.scalar(select(CallRow).where(CallRow.source == source, CallRow.external_id == external_id))
    return to_call(row) if row else None


def create_call(session: Session, call_id: str, new: NewCall) -> tuple[Call, bool]:
    """Insert the call; if (source, external_id) already exists return that call and False."""
    row = CallRow(
        id=call_id,
        status=CallStatus.QUEUED.value,
        progress=0.0,
        stage="queued",
        source=new.source,
        external_id=new.external_id,
        direction=new.direction,
        agent_id=new.agent_id,
        customer_number=new.customer_number,
        # SQLite keeps the wall time and drops the offset: store UTC so every backend agrees.
        started_at=as_utc(new.started_at) if new.started_at else None,
        channel_roles=list(new.channel_roles),
        language_hint=new.language_hint,
        extra=new.extra,
        audio_key=new.audio_key,
        audio_sha256=new.audio_sha256,
        audio_size=new.audio_size,
        audio_filename=new.audio_filename,
        audio_format=new.audio_format,
        duration=new.duration,
        channels=new.channels,
        sample_rate=new.sample_rate,
        speakers=[],
        attempts=0,
        medium=new.medium,
        contact_meta=new.contact_meta,
    )
    if session.get_bind().dialect.name == "sqlite":  # PostgreSQL draws it from a sequence
        row.seq = select(func.coalesce(func.max(CallRow.seq), 0) + 1).scalar_subquery()  # type: ignore[assignment]
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        if new.external_id is None:
            raise
        existing = find_by_external_id(session, new.source, new.external_id)
        if existing is None:
            raise
        return existing, False
    return to_call(row), True


def get_call(session: Session, call_id: str) -> Call:
    row = session.get(CallRow, call_id)
    if row is None:
        raise CallNotFound(f"no call with id {call_id}")
    return to_call(row)


def calls_by_id(session: Session, call_ids: list[str]) -> dict[str, Call]:
    """Several calls in one query (a page of search results)."""
    if not call_ids:
        return {}
    return {row.id: to_call(row) for row in session.scalars(select(CallRow).where(CallRow.id.in_(call_ids)))}


def _set(session: Session, call_id: str, **values: object) -> None:
    result = session.execute(
        update(CallRow).where(CallRow.id == call_id).values(updated_at=utcnow(), **values)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise CallNotFound(f"no call with id {call_id}")


def set_peaks(session: Session, call_id: str, peaks: list[list[int]]) -> None:
    _set(session, call_id, peaks=peaks)


def get_peaks(session: Session, call_id: str) -> list[list[int]] | None:
    """The call's waveform peaks; None for a call without audio or processed before they were kept."""
    row = session.get(CallRow, call_id)
    if row is None:
        raise CallNotFound(f"no call with id {call_id}")
    return row.peaks  # deferred: read now, once


def mark_queued(session: Session, call_id: str, stage: str = "queued", error: str | None = None) -> None:
    _set(session, call_id, status=CallStatus.QUEUED.value, progress=0.0, stage=stage, error=error)


def requeue_failed(session: Session, call_id: str) -> bool:
    """Failed -> queued, compare-and-set: of concurrent retries of one call, exactly one wins."""
    result = session.execute(
        update(CallRow)
        .where(CallRow.id == call_id, CallRow.status == CallStatus.FAILED.value)
        .values(updated_at=utcnow(), status=CallStatus.QUEUED.value, progress=0.0, stage="queued", error=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def requeue_for_transcription(session: Session, call_id: str, language: str | None) -> bool:
    """A finished call back to the model, compare-and-set (done or failed -> queued), with the
    language it should be heard in (None: identify it again). A reviewer's edit is no longer kept:
    transcribing again is asked for to replace it."""
    result = session.execute(
        update(CallRow)
        .where(
            CallRow.id == call_id,
            CallRow.status.in_((CallStatus.DONE.value, CallStatus.FAILED.value)),
            CallRow.audio_key != "",
        )
        .values(
            updated_at=utcnow(),
            status=CallStatus.QUEUED.value,
            progress=0.0,
            stage="queued",
            error=None,
            language_hint=language,
            transcript_source=None,
        )  # fmt: skip
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_processing(session: Session, call_id: str) -> None:
    _set(
        session,
        call_id,
        status=CallStatus.PROCESSING.value,
        progress=0.0,
        stage="starting",
        error=None,
        attempts=CallRow.attempts + 1,
    )


def set_progress(session: Session, call_id: str, stage: str, progress: float) -> None:
    _set(session, call_id, stage=stage, progress=max(0.0, min(1.0, progress)))


def mark_done(session: Session, call_id: str) -> None:
    _set(session, call_id, status=CallStatus.DONE.value, progress=1.0, stage="done", error=None)
    record_event(session, "call.done", {"call": call_summary(get_call(session, call_id))})


def set_listen_reason(session: Session, call_id: str, reason: str | None) -> None:
    """Mark the call for a person to listen (rules withheld on an untrusted transcript), or clear it."""
    _set(session, call_id, listen_reason=reason[:4000] if reason else None)


def mark_failed(session: Session, call_id: str, reason: str) -> None:
    _set(session, call_id, status=CallStatus.FAILED.value, stage="failed", error=reason[:4000])
    record_event(session, "call.failed", {"call": call_summary(get_call(session, call_id))})


def set_redaction(
    session: Session,
    call_id: str,
    redaction: dict[str, Any],
    audio: dict[str, Any] | None = None,
    original_audio_key: str | None = None,
) -> None:
    """Record what was redacted; with `audio` (key, sha256, size, format) the call now plays the
    redacted recording, and `original_audio_key` is where the unredacted one is kept ("" when not)."""
    values: dict[str, Any] = {"redaction": redaction}
    if audio is not None:
        values.update({f"audio_{name}": value for name, value in audio.items()})
    if original_audio_key is not None:
        values["original_audio_key"] = original_audio_key
    _set(session, call_id, **values)


def call_summary(call: Call) -> dict[str, object]:
    """What a notification says about a call: identity and outcome, never transcript text."""
    return {
        "id": call.id,
        "status": call.status.value,
        "error": call.error,
        "source": call.source,
        "external_id": call.external_id,
        "direction": call.direction,
        "agent_id": call.agent_id,
        "customer_number": call.customer_number,
        "started_at": call.started_at.isoformat() if call.started_at else None,
        "duration": call.duration,
        "language": call.language,
    }


def delete_call(session: Session, call_id: str) -> Call:
    """Remove the call with its segments (and their index entries) and attempts; return what was removed."""
    call = get_call(session, call_id)
    session.execute(delete(SegmentRow).where(SegmentRow.call_id == call_id))
    session.execute(delete(JobAttemptRow).where(JobAttemptRow.call_id == call_id))
    session.execute(delete(FlagRow).where(FlagRow.call_id == call_id))
    session.execute(delete(CallRow).where(CallRow.id == call_id))
    return call


def start_attempt(session: Session, call_id: str, job_id: str, queue: str, worker: str | None) -> int:
    row = JobAttemptRow(call_id=call_id, job_id=job_id, queue=queue, worker=worker, timings={})
    session.add(row)
    session.flush()
    return row.id


def finish_attempt(
    session: Session,
    attempt_id: int,
    outcome: str,
    error: str | None = None,
    timings: dict[str, float] | None = None,
) -> None:
    session.execute(
        update(JobAttemptRow)
        .where(JobAttemptRow.id == attempt_id)
        .values(finished_at=utcnow(), outcome=outcome, error=error, timings=timings or {})
    )


def list_attempts(session: Session, call_id: str) -> list[JobAttemptRow]:
    return list(
        session.scalars(
            select(JobAttemptRow).where(JobAttemptRow.call_id == call_id).order_by(JobAttemptRow.id)
        )
    )


def calls_waiting_since(session: Session, older_than: datetime) -> list[str]:
    """Ids of calls with audio, still queued or processing, last touched before `older_than`."""
    return list(
        session.scalars(
            select(CallRow.id).where(
                CallRow.status.in_([CallStatus.QUEUED.value, CallStatus.PROCESSING.value]),
                CallRow.updated_at < older_than,
                CallRow.audio_key != "",  # imported calls without audio have nothing to process
            )
        )
    )


def mark_transcript_edited(session: Session, call_id: str, source: str, editor: str) -> None:
    """An imported or corrected transcript: done, and protected from being overwritten by the model."""
    _set(
        session,
        call_id,
        status=CallStatus.DONE.value,
        progress=1.0,
        stage="done",
        error=None,
        transcript_source=source,
        transcript_edited_by=editor[:128],
        transcript_edited_at=utcnow(),
    )


def mark_transcript_from_model(session: Session, call_id: str) -> None:
    _set(session, call_id, transcript_source="model")


def count_recent_calls(session: Session, customer_number: str, until: datetime, days: float) -> int:
    """Calls from this customer number that started in the `days` before `until` (inclusive)."""
    since = until - timedelta(days=days)
    moment = func.coalesce(CallRow.started_at, CallRow.created_at)
    return (
        session.scalar(
            select(func.count())
            .select_from(CallRow)
            .where(CallRow.customer_number == customer_number, moment > since, moment <= until)
        )
        or 0
    )
