"""Transcripts: segments with word timings, replaced whole so a re-run never leaves a mix."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .errors import CallNotFound
from .records import Segment, Speaker, Transcript, Word
from .segment_keys import MAX_SEGMENTS, segment_id
from .tables import CallRow, SegmentRow
from .terms import index_forms
from .text import normalize, without_bidi_controls
from .vocabulary import remember_terms


def displayable(transcript: Transcript) -> Transcript:
    """The transcript without bidi controls in its text and words (storage.text): what is stored and
    shown, whoever wrote it (the model, an import, a correction)."""
    segments = tuple(
        replace(
            s,
            text=without_bidi_controls(s.text),
            words=tuple(replace(w, word=without_bidi_controls(w.word)) for w in s.words),
        )
        for s in transcript.segments
    )
    return replace(transcript, segments=segments)


def save_transcript(session: Session, call_id: str, transcript: Transcript) -> None:
    """Replace the call's segments; the full-text index follows in the same transaction."""
    transcript = displayable(transcript)
    call = session.get(CallRow, call_id)
    if call is None:
        raise CallNotFound(f"no call with id {call_id}")
    session.execute(delete(SegmentRow).where(SegmentRow.call_id == call_id))
    if len(transcript.segments) > MAX_SEGMENTS:
        raise ValueError(
            f"a transcript holds at most {MAX_SEGMENTS} segments, got {len(transcript.segments)}"
        )
    rows = [
        SegmentRow(
            id=segment_id(call.seq, segment.role, idx),
            call_id=call_id,
            idx=idx,
            start=segment.start,
            end=segment.end,
            speaker=segment.speaker,
            role=segment.role,
            channel=segment.channel,
            text=segment.text,
            text_normalized=normalize(segment.text),
            search_forms=index_forms(segment.text),
            words=[[w.start, w.end, w.word, w.probability] for w in segment.words],
            sentiment=segment.sentiment,
            sentiment_score=segment.sentiment_score,
        )
        for idx, segment in enumerate(transcript.segments)
    ]
    session.add_all(rows)
    remember_terms(session, call.agent_id, (term for row in rows for term in row.search_forms.split()))
    call.language = transcript.language
    call.model = transcript.model
    call.speakers = [s.as_dict() for s in transcript.speakers]


def set_segment_sentiment(session: Session, call_id: str, transcript: Transcript) -> None:
    """Store the analysed sentiment of a transcript already saved (an import's, a correction's)."""
    rows = session.scalars(select(SegmentRow).where(SegmentRow.call_id == call_id).order_by(SegmentRow.idx))
    for row, segment in zip(rows, transcript.segments, strict=False):
        row.sentiment, row.sentiment_score = segment.sentiment, segment.sentiment_score


PARTIAL = "partial"  # transcript_source of what recognition has heard so far, while the call is processing


def save_partial_transcript(session: Session, call_id: str, transcript: Transcript) -> bool:
    """Publish a long call's transcript so far; never over a correction or import, nor once the call is
    no longer processing (the final save replaces it). Returns whether it was saved."""
    call = session.get(CallRow, call_id)
    if call is None or call.status != "processing" or call.transcript_source in ("import", "correction"):
        return False
    save_transcript(session, call_id, transcript)
    call.transcript_source = PARTIAL
    return True


def discard_partial_transcript(session: Session, call_id: str) -> None:
    """A call that failed keeps no half transcript."""
    call = session.get(CallRow, call_id)
    if call is not None and call.transcript_source == PARTIAL:
        session.execute(delete(SegmentRow).where(SegmentRow.call_id == call_id))
        call.transcript_source = None


def load_transcript(session: Session, call_id: str) -> Transcript:
    call = session.get(CallRow, call_id)
    if call is None:
        raise CallNotFound(f"no call with id {call_id}")
    rows = session.scalars(select(SegmentRow).where(SegmentRow.call_id == call_id).order_by(SegmentRow.idx))
    segments = tuple(
        Segment(
            start=row.start,
            end=row.end,
            speaker=row.speaker,
            role=row.role,
            channel=row.channel,
            text=row.text,
            words=tuple(Word(start=w[0], end=w[1], word=w[2], probability=w[3]) for w in row.words),
            sentiment=row.sentiment,
            sentiment_score=row.sentiment_score,
        )
        for row in rows
    )
    speakers = tuple(
        Speaker(
            id=s["id"],
            role=s["role"],
            channel=s.get("channel"),
            role_source=s.get("role_source", "channel"),
            language=s.get("language"),
            language_probability=s.get("language_probability"),
        )
        for s in call.speakers or []
    )
    return Transcript(
        language=call.language or "",
        duration=call.duration,
        speakers=speakers,
        segments=segments,
        model=call.model or "",
    )
