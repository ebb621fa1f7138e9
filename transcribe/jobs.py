"""The rq jobs: thin glue that loads a call, runs the pipeline, and saves the result.

Flow: begin (one read) -> normalise (decode) -> transcribe.pipeline.process -> one saving transaction
(storage.processed_calls: transcript, index, voiceprints, analysis, done).
Models and connections live in the worker process (transcribe.worker), set up before the first job.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from types import TracebackType

from rq import get_current_job
from rq.exceptions import AbandonedJobError
from rq.job import Job
from rq.timeouts import JobTimeoutException

from storage import calls as call_records
from storage import metrics
from storage.agent_samples import finish_agent_sample, get_agent_sample
from storage.database import Database
from storage.objects import ObjectStore
from storage.processed_calls import save_processed_call
from storage.records import Call, CallStatus, Transcript
from storage.times import as_utc
from storage.transcripts import discard_partial_transcript, load_transcript, save_partial_transcript
from storage.voiceprints import StoredVoice, agent_voiceprints
from storage.watchlist import list_watches

from .asr import Transcriber
from .audio import Audio, AudioDecodeError, load_audio
from .drivers.named import NamedDriver, load_drivers
from .partial import Publish, redact_partial
from .pipeline import CallInputs, process
from .reanalyse import caller_history
from .recognition import Diarizer, Timings, overall
from .rules.loader import load_rules
from .rules.model import Rule
from .settings import TranscribeSettings
from .voiceprints import VoiceEncoder

log = logging.getLogger(__name__)
PROGRESS_INTERVAL_S = 1.0


@dataclass
class WorkerContext:
    db: Database
    objects: ObjectStore
    transcriber: Transcriber
    settings: TranscribeSettings
    worker_name: str = ""
    rules: list[Rule] = field(default_factory=load_rules)
    drivers: list[NamedDriver] = field(default_factory=load_drivers)
    voices: VoiceEncoder | None = None  # None: no voiceprints, no watchlist check
    diarizer: Diarizer | None = None  # mono calls; None: one speaker


_context: WorkerContext | None = None


def install_context(context: WorkerContext) -> None:
    global _context
    _context = context


def current_context() -> WorkerContext:
    if _context is None:
        raise RuntimeError("no worker context: run jobs with `callrec worker`, which loads the models first")
    return _context


class _Progress:
    """Reports stage and progress to the call row and the rq job meta, at most once a second."""

    def __init__(self, db: Database, call_id: str, job: Job | None) -> None:
        self.db, self.call_id, self.job = db, call_id, job
        self._last = 0.0

    def __call__(self, stage: str, progress: float, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_INTERVAL_S:
            return
        self._last = now
        with self.db.session() as session:
            call_records.set_progress(session, self.call_id, stage, progress)
        if self.job is not None:
            self.job.meta.update({"stage": stage, "progress": round(progress, 3)})
            self.job.save_meta()


def process_call(call_id: str) -> dict:
    """Read what the call needs, run the pipeline, save the outcome in one transaction."""
    context, job = current_context(), get_current_job()
    timings = Timings(detail=dispatch_seconds(job))
    inputs, attempt_id = begin(context, call_id, job)
    if inputs is None:  # a duplicate delivery of a finished call: nothing to redo
        return {"call_id": call_id, "status": "done", "skipped": True}
    report = _Progress(context.db, call_id, job)
    try:
        audio = normalise(context, inputs.call, report, timings)
        history = partial(read_history, context, inputs.call)
        processed = process(audio, inputs, context, history, timings, report, publisher(context, inputs.call))
    except AudioDecodeError as exc:  # retrying cannot fix a recording ffmpeg cannot read
        return fail_undecodable(context, job, call_id, attempt_id, str(exc), timings)
    started = time.perf_counter()
    report("save", overall("assign", 1.0), force=True)
    with context.db.session() as session:
        outcome = save_processed_call(session, call_id, processed.record)
        timings.measure("save", started)
        call_records.finish_attempt(session, attempt_id, outcome, None, timings.reported)
    _record_metrics(job, outcome, timings, audio.duration)
    if processed.replaced_audio_key:  # the unredacted recording is not kept
        context.objects.delete(processed.replaced_audio_key)
    if job is not None:
        job.meta.update({"stage": "done", "progress": 1.0, "timings": timings.reported})
        job.save_meta()
    log.info("call done", extra={"call_id": call_id, "timings": timings.reported})
    return {"call_id": call_id, "status": "done", "timings": timings.reported}


def begin(context: WorkerContext, call_id: str, job: Job | None) -> tuple[CallInputs | None, int]:
    """Mark the call processing and read, once, what the pipeline needs (None: the call is done)."""
    with context.db.session() as session:
        call = call_records.get_call(session, call_id)
        if call.status == CallStatus.DONE:
            return None, 0
        call_records.mark_processing(session, call_id)
        attempt_id = call_records.start_attempt(
            session, call_id, job.id if job else call_id, job.origin if job else "direct", context.worker_name
        )
        voices = context.voices
        mono_with_agent = context.diarizer is not None and call.channels == 1 and call.agent_id
        inputs = CallInputs(
            call=call,
            kept_transcript=load_transcript(session, call_id) if call.is_transcript_edited else None,
            agent_prints=(
                agent_voiceprints(session, call.agent_id, voices.name)
                if mono_with_agent and voices is not None and call.agent_id
                else []
            ),
            watches=list_watches(session, active_only=True) if context.voices is not None else [],
        )
    return inputs, attempt_id


def dispatch_seconds(job: Job | None) -> dict[str, float]:
    """From rq's own stamps: waiting in the queue, then from rq taking the job to its first line."""
    if job is None or job.enqueued_at is None or job.started_at is None:
        return {}
    enqueued, started = (as_utc(moment) for moment in (job.enqueued_at, job.started_at))
    return {
        "queue_wait": round(max(0.0, (started - enqueued).total_seconds()), 3),
        "job_start": round(max(0.0, (datetime.now(UTC) - started).total_seconds()), 3),
    }


def publisher(context: WorkerContext, call: Call) -> Publish | None:
    """For a long call: where what has been heard so far goes, redacted, while the rest is recognised."""
    after = context.settings.partial_after_s
    if not after or call.duration < after or call.is_transcript_edited:
        return None

    def publish(transcript: Transcript) -> None:
        shown = redact_partial(transcript, context.settings.redaction)
        with context.db.session() as session:
            save_partial_transcript(session, call.id, shown)

    return publish


def read_history(context: WorkerContext, call: Call, voices: Sequence[StoredVoice] | None) -> dict[str, int]:
    with context.db.session() as session:
        return caller_history(session, context.rules, call, context.settings.voice_match_threshold, voices)


def fail_undecodable(
    context: WorkerContext, job: Job | None, call_id: str, attempt_id: int, reason: str, timings: Timings
) -> dict:
    with context.db.session() as session:
        discard_partial_transcript(session, call_id)
        call_records.mark_failed(session, call_id, reason)
        call_records.finish_attempt(session, attempt_id, "failed", reason, timings.reported)
    _record_metrics(job, "failed", timings, 0.0)
    log.warning("call failed", extra={"call_id": call_id, "reason": reason})
    return {"call_id": call_id, "status": "failed", "error": reason}


def enrol_agent_voice(sample_id: int) -> dict:
    """The rq job behind POST /v1/agents/{id}/voice: a voiceprint from an uploaded sample of the agent."""
    context = current_context()
    with context.db.session() as session:
        sample = get_agent_sample(session, sample_id)
    if sample is None:
        return {"sample_id": sample_id, "status": "deleted"}
    embedding, seconds, error = None, 0.0, ""
    if context.voices is None:
        error = "voiceprints are off on this worker (CALLREC_TRANSCRIBE_VOICEPRINTS)"
    else:
        with tempfile.TemporaryDirectory(prefix="callrec-enrol-") as directory:
            path = Path(directory) / "sample"
            with open(path, "wb") as out:
                for chunk in context.objects.open(sample.sample_key):
                    out.write(chunk)
            try:
                audio = load_audio(path, channels=1, max_seconds=600)
            except AudioDecodeError as exc:
                error = str(exc)
            else:
                seconds = audio.duration
                embedding = context.voices.embed(audio.channels[0])
    with context.db.session() as session:
        model = context.voices.name if context.voices else ""
        finish_agent_sample(session, sample_id, model, embedding, seconds, error)
    status = "done" if embedding is not None else "failed"
    log.info(
        "agent voice sample", extra={"sample_id": sample_id, "agent_id": sample.agent_id, "status": status}
    )
    return {"sample_id": sample_id, "status": status}


def _record_metrics(job: Job | None, outcome: str, timings: Timings, audio_seconds: float) -> None:
    """Into Redis, where GET /metrics reads every worker's (recorder/metrics.py)."""
    if job is None:
        return
    queue = job.origin
    metrics.observe(
        job.connection,
        "callrec_job_seconds",
        sum(timings.seconds.values()),
        {"queue": queue, "outcome": outcome},
    )
    for stage, seconds in timings.reported.items():
        metrics.observe(job.connection, "callrec_stage_seconds", seconds, {"stage": stage})
    if audio_seconds:
        metrics.add(job.connection, "callrec_audio_seconds", audio_seconds, {"queue": queue})


def normalise(context: WorkerContext, call: Call, report: _Progress, timings: Timings) -> Audio:
    started = time.perf_counter()
    report("normalise", overall("normalise", 0.0), force=True)
    with tempfile.TemporaryDirectory(prefix="callrec-job-") as directory:
        path = Path(directory) / "audio"
        with open(path, "wb") as out:
            for chunk in context.objects.open(call.audio_key):
                out.write(chunk)
        # The probe measured the call at upload; nothing longer is decoded (a margin for resampling).
        audio = load_audio(path, channels=call.channels, max_seconds=call.duration + 2)
    timings.measure("normalise", started)
    return audio


def describe_failure(
    exc_type: type[BaseException], exc_value: BaseException | None, timeout_s: float | None
) -> str:
    if issubclass(exc_type, AbandonedJobError):
        return "the worker processing this call stopped responding (killed or lost)"
    if issubclass(exc_type, JobTimeoutException):
        return f"processing took longer than the job timeout ({timeout_s} s)"
    return f"{exc_type.__name__}: {exc_value}"


def on_job_failure(
    job: Job,
    connection: object,
    exc_type: type[BaseException],
    exc_value: BaseException | None,
    traceback: TracebackType | None,
) -> None:
    """rq failure callback, also run for abandoned jobs: record the reason on the call."""
    if _context is None:
        log.error("job %s failed outside a worker context: %s", job.id, exc_value)
        return
    call_id = job.args[0] if job.args else job.id
    reason = describe_failure(exc_type, exc_value, job.timeout)
    will_retry = bool(job.retries_left and job.retries_left > 0)
    try:
        with _context.db.session() as session:
            discard_partial_transcript(session, call_id)  # a retry hears the call again from the start
            for attempt in call_records.list_attempts(session, call_id):
                if attempt.outcome is None:
                    call_records.finish_attempt(session, attempt.id, "failed", reason)
            if will_retry:
                call_records.mark_queued(session, call_id, stage="retrying", error=reason)
            else:
                call_records.mark_failed(session, call_id, reason)
    except Exception:  # the call may have been deleted meanwhile
        log.exception("could not record failure of call %s", call_id)
    log.warning("call job failed", extra={"call_id": call_id, "reason": reason, "will_retry": will_retry})
