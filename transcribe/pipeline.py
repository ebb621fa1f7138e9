"""Everything callrec concludes about one call, from its decoded audio, in order:

recognise (language, words, speakers, roles) -> voiceprints -> redact -> analyse (characteristics,
rules, the voice watchlist).

No database: the worker reads what a call needs once (`CallInputs`), runs `process`, and saves the
`ProcessedCall` in one transaction (storage.processed_calls). Imports and corrections go through
`analyse_transcript` and the same save.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from storage.objects import ObjectStore
from storage.processed_calls import ProcessedCall, RedactionRecord
from storage.records import Call, Transcript
from storage.voiceprints import StoredVoice
from storage.watchlist import VoiceWatch

from .analyse import analyse
from .asr import Transcriber
from .audio import Audio
from .drivers.named import NamedDriver
from .errors import SummaryUnavailable
from .partial import Publish
from .peaks import waveform_peaks
from .recognition import CallOptions, Diarizer, ProgressFn, Timings, overall, transcribe_audio
from .redact.call import redact_call
from .rules.model import Rule
from .sentiment.call import with_sentiment
from .settings import TranscribeSettings
from .summary.llm import abstractive_summary
from .voiceprints import VoiceEncoder, voiceprints
from .watchlist import RULE_ID as WATCHLIST_RULE_ID
from .watchlist import watchlist_flag

log = logging.getLogger(__name__)

# The caller-history counts the rules ask for, given the call's own (not yet saved) voiceprints.
HistoryLookup = Callable[[Sequence[StoredVoice] | None], dict[str, int]]


class Engines(Protocol):
    """What a worker loads once and every call uses (transcribe.jobs.WorkerContext is one)."""

    objects: ObjectStore
    transcriber: Transcriber
    settings: TranscribeSettings
    rules: list[Rule]
    drivers: list[NamedDriver]
    voices: VoiceEncoder | None  # None: no voiceprints, no watchlist check
    diarizer: Diarizer | None  # mono calls; None: one speaker


@dataclass(frozen=True, slots=True)
class CallInputs:
    """One read of what processing a call needs."""

    call: Call
    kept_transcript: Transcript | None  # a reviewer's correction or an import: never overwritten
    agent_prints: Sequence[np.ndarray]  # the call's agent's voice, for who is who on a mono call
    watches: Sequence[VoiceWatch]  # the active voice watchlist


@dataclass(frozen=True, slots=True)
class Processed:
    record: ProcessedCall  # what gets saved
    replaced_audio_key: str | None  # the unredacted recording, to delete once the save committed


def call_options(engines: Engines, inputs: CallInputs) -> CallOptions:
    call, settings = inputs.call, engines.settings
    return CallOptions(
        channel_roles=call.channel_roles,
        language=call.language_hint
        or settings.source_languages.get(call.source)
        or settings.agent_languages.get(call.agent_id or ""),
        allowed_languages=settings.languages,
        direction=call.direction,
        min_speakers=settings.min_speakers,
        max_speakers=settings.max_speakers,
        agent_voiceprints=list(inputs.agent_prints),
        vocabulary=[*settings.vocabulary, *settings.source_vocabulary.get(call.source, [])],
    )


def process(
    audio: Audio,
    inputs: CallInputs,
    engines: Engines,
    history: HistoryLookup,
    timings: Timings,
    report: ProgressFn,
    publish: Publish | None = None,
) -> Processed:
    call = inputs.call
    options = call_options(engines, inputs)
    recognised = transcribe_audio(
        audio, engines.transcriber, options, timings, report, engines.diarizer, publish
    )
    # A kept correction decides who spoke when, and is what gets analysed.
    kept = inputs.kept_transcript
    voices = speaker_voices(engines, call.id, audio, kept or recognised, timings, report)

    started = time.perf_counter()
    report("redact", overall("assign", 1.0))
    redaction = redact_call(engines.settings, engines.objects, call, recognised)
    timings.measure("redact", started)

    started = time.perf_counter()
    report("analyse", overall("assign", 1.0))
    transcript = kept or redaction.transcript
    record = analyse_transcript(
        call,
        transcript,
        audio,
        engines.rules,
        history(voices),
        kept is None,
        voices,
        None,
        drivers=engines.drivers,
    )
    if voices is not None:
        record = with_watchlist(record, call.id, voices, inputs.watches, engines.settings)
    if engines.settings.summary_llm_url:
        record = with_abstract(record, engines.settings)
    if redaction.summary is not None:
        redacted = RedactionRecord(redaction.summary, redaction.audio, redaction.original_audio_key)
        record = replace(record, redaction=redacted)
    timings.measure("analyse", started)
    started = time.perf_counter()
    record = replace(record, peaks=waveform_peaks(audio))
    timings.measure("peaks", started)
    return Processed(record, redaction.replaced_audio_key)


def analyse_transcript(
    call: Call,
    transcript: Transcript,
    audio: Audio | None,
    rules: Sequence[Rule],
    history: dict[str, int],
    from_model: bool,
    voices: list[StoredVoice] | None,
    withdraw_reason: str | None,
    loudness: dict[str, list[float]] | None = None,
    drivers: Sequence[NamedDriver] = (),
) -> ProcessedCall:
    """Sentiment, characteristics and rules over a transcript: the worker's, an import's or a
    correction's."""
    transcript = with_sentiment(transcript)
    characteristics, assessment = analyse(call, transcript, audio, rules, history, loudness, drivers)
    return ProcessedCall(
        transcript=transcript,
        from_model=from_model,
        characteristics=characteristics,
        listen_reason=assessment.listen_reason,
        flags=assessment.flags,
        rule_ids=[rule.id for rule in rules],
        voices=voices,
        withdraw_reason=withdraw_reason,
    )


def with_abstract(record: ProcessedCall, settings: TranscribeSettings) -> ProcessedCall:
    """The operator's LLM's summary beside the extractive one; when it fails, why, and the call goes on."""
    summary = dict(record.characteristics.get("summary") or {})
    try:
        summary["abstract"] = abstractive_summary(record.transcript, settings)
        summary["abstract_by"] = f"llm:{settings.summary_llm_model or 'default'}"
    except SummaryUnavailable as exc:
        log.warning("abstractive summary unavailable", extra={"error": str(exc)})
        summary["abstract_error"] = str(exc)
    return replace(record, characteristics={**record.characteristics, "summary": summary})


def with_watchlist(
    record: ProcessedCall,
    call_id: str,
    voices: list[StoredVoice],
    watches: Sequence[VoiceWatch],
    settings: TranscribeSettings,
) -> ProcessedCall:
    watched = watchlist_flag(
        call_id, record.transcript, voices, list(watches), settings.voice_match_threshold
    )
    return replace(
        record,
        flags=record.flags + ([watched] if watched else []),
        rule_ids=[*record.rule_ids, WATCHLIST_RULE_ID],
    )


def speaker_voices(
    engines: Engines,
    call_id: str,
    audio: Audio,
    transcript: Transcript,
    timings: Timings,
    report: ProgressFn,
) -> list[StoredVoice] | None:
    """Voiceprints of the call's speakers (None: voiceprints are off)."""
    if engines.voices is None:
        return None
    started = time.perf_counter()
    report("voices", overall("assign", 1.0))
    prints = voiceprints(engines.voices, audio, transcript)
    timings.measure("voices", started)
    return [
        StoredVoice(call_id, p.speaker, p.role, p.model, p.embedding, p.speech_seconds, p.role_source)
        for p in prints
    ]
