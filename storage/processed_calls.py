"""What the worker concluded about one call, and the one operation that saves it all.

The transcript (and with it the search index), the redaction record, voiceprints, characteristics,
flags and the `call.done` event go in the caller's one transaction: a reader sees the call before
or after, never half-saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import calls as call_records
from .database import Session
from .drivers import save_call_drivers
from .flags import RaisedFlag, save_characteristics, save_flags
from .qa_auto import refresh_automatic_reviews
from .records import CallStatus, Transcript
from .transcripts import save_transcript, set_segment_sentiment
from .voiceprints import StoredVoice, save_voices


@dataclass(frozen=True, slots=True)
class RedactionRecord:
    summary: dict[str, Any]  # what was found and covered
    audio: dict[str, Any] | None = None  # the call's new audio fields when the recording was covered
    original_audio_key: str | None = None  # where the unredacted audio is kept ("" = not kept)


@dataclass(frozen=True, slots=True)
class ProcessedCall:
    transcript: Transcript  # redacted; the stored correction itself when `from_model` is False
    from_model: bool  # False: a reviewer's correction or an import was kept and analysed instead
    characteristics: dict[str, Any]
    listen_reason: str | None
    flags: list[RaisedFlag]
    rule_ids: list[str]  # the rules that were evaluated: their flags become exactly `flags`
    voices: list[StoredVoice] | None = None  # None: voiceprints are off, stored ones stay
    redaction: RedactionRecord | None = None  # None: redaction is off
    withdraw_reason: str | None = None  # set: open flags that no longer hold are withdrawn, not removed
    peaks: list[list[int]] | None = None  # the player's waveform (transcribe/peaks.py); None: keep stored


def save_processed_call(session: Session, call_id: str, processed: ProcessedCall) -> str:
    """Save everything and mark the call done; returns the outcome, `done` or `kept_edit`.

    A correction saved while the model was still working wins: the model's transcript and the analysis
    of it are dropped (the correction was analysed when it was saved)."""
    call = call_records.get_call(session, call_id)
    edited_meanwhile = processed.from_model and call.is_transcript_edited
    if processed.from_model and not edited_meanwhile:
        save_transcript(session, call_id, processed.transcript)
        call_records.mark_transcript_from_model(session, call_id)
    elif not edited_meanwhile:  # an import or correction, saved already: its analysed sentiment
        set_segment_sentiment(session, call_id, processed.transcript)
    if processed.redaction is not None:
        record = processed.redaction
        call_records.set_redaction(session, call_id, record.summary, record.audio, record.original_audio_key)
    if processed.voices is not None:
        save_voices(session, call_id, processed.voices)
    if processed.peaks is not None:
        call_records.set_peaks(session, call_id, processed.peaks)
    if not edited_meanwhile:
        save_characteristics(session, call_id, processed.characteristics)
        save_call_drivers(session, call_id, processed.transcript.language, processed.characteristics)
        call_records.set_listen_reason(session, call_id, processed.listen_reason)
        save_flags(session, call_id, processed.flags, processed.rule_ids, processed.withdraw_reason)
        refresh_automatic_reviews(session, call_id)
    if call.status != CallStatus.DONE:  # a re-analysis of a done call announces nothing new
        call_records.mark_done(session, call_id)
    return "kept_edit" if call.is_transcript_edited else "done"
