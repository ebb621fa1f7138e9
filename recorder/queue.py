"""The work queues: rq on Redis, one queue for GPU workers and one for CPU workers.

The job function is named by its import path so ingestion never imports the worker's model code.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Callback, Queue, Retry, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from storage import calls as call_records
from storage.database import Database

from .errors import QueueUnavailable
from .settings import QueueSettings

GPU_QUEUE = "callrec-gpu"
CPU_QUEUE = "callrec-cpu"
PROCESS_CALL = "transcribe.jobs.process_call"
ENROL_AGENT = "transcribe.jobs.enrol_agent_voice"
ON_FAILURE = "transcribe.jobs.on_job_failure"
LIVE_JOB_STATES = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}

log = logging.getLogger(__name__)


class CallQueue:
    def __init__(self, connection: Redis, settings: QueueSettings) -> None:
        self.connection = connection
        self.settings = settings
        self.gpu = Queue(GPU_QUEUE, connection=connection)
        self.cpu = Queue(CPU_QUEUE, connection=connection)

    def _pick_queue(self) -> Queue:
        if self.settings.route == "gpu":
            return self.gpu
        if self.settings.route == "cpu":
            return self.cpu
        return self.gpu if Worker.count(queue=self.gpu) > 0 else self.cpu

    def enqueue_call(self, call_id: str) -> Job:
        """Queue transcription of a call; the job id is the call id, so a call has at most one live job."""
        try:
            queue = self._pick_queue()
            return queue.enqueue(
                PROCESS_CALL,
                call_id,
                job_id=call_id,
                job_timeout=self.settings.job_timeout_s,
                result_ttl=86400,
                failure_ttl=7 * 86400,
                retry=Retry(max=self.settings.retries, interval=self.settings.retry_intervals_s)
                if self.settings.retries > 0
                else None,
                on_failure=Callback(ON_FAILURE),
                description=f"transcribe call {call_id}",
            )
        except RedisError as exc:
            raise QueueUnavailable(f"the job queue (Redis) is unreachable: {exc}") from exc

    def enqueue_enrolment(self, sample_id: int) -> Job:
        """Queue taking a voiceprint from an agent's uploaded sample (the workers hold the encoder)."""
        try:
            return self._pick_queue().enqueue(
                ENROL_AGENT,
                sample_id,
                job_id=f"enrol-{sample_id}",
                job_timeout=600,
                result_ttl=86400,
                description=f"enrol agent voice sample {sample_id}",
            )
        except RedisError as exc:
            raise QueueUnavailable(f"the job queue (Redis) is unreachable: {exc}") from exc

    def job_status(self, call_id: str) -> JobStatus | None:
        try:
            return Job.fetch(call_id, connection=self.connection).get_status()
        except NoSuchJobError:
            return None

    def job_progress(self, call_id: str) -> dict | None:
        try:
            return dict(Job.fetch(call_id, connection=self.connection).get_meta(refresh=True))
        except NoSuchJobError:
            return None

    def cancel(self, call_id: str) -> None:
        try:
            job = Job.fetch(call_id, connection=self.connection)
        except NoSuchJobError:
            return
        if job.get_status() in (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED):
            job.cancel()
        job.delete(remove_from_queue=True)

    def check(self) -> None:
        try:
            self.connection.ping()
        except RedisError as exc:
            raise QueueUnavailable(f"Redis unreachable: {exc}") from exc


def requeue_stranded_calls(db: Database, queue: CallQueue, older_than_s: int = 60) -> list[str]:
    """Enqueue calls that wait in the database with no live job (Redis was down, or its data lost)."""
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
    with db.session() as session:
        waiting = call_records.calls_waiting_since(session, cutoff)
    requeued = []
    for call_id in waiting:
        if queue.job_status(call_id) in LIVE_JOB_STATES:
            continue
        with db.session() as session:
            call_records.mark_queued(session, call_id, stage="requeued")
        queue.enqueue_call(call_id)
        requeued.append(call_id)
    if requeued:
        log.warning("requeued %d stranded call(s)", len(requeued), extra={"calls": requeued})
    return requeued
