"""A long-lived worker process: models load once, then jobs run in this process.

rq's default Worker forks a child per job, which would reload the model for every call, and
CTranslate2/torch thread pools do not survive fork. SimpleWorker runs each job in-process; rq still
enforces the job timeout (SIGALRM in this, the main thread) and other workers' registry maintenance
recovers the jobs of a worker that dies (AbandonedJobError, then retry).
"""

from __future__ import annotations

import logging
import socket
import threading
import uuid

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.scheduler import RQScheduler

from .errors import ModelUnavailable
from .jobs import WorkerContext, install_context
from .settings import TranscribeSettings

log = logging.getLogger(__name__)


WORKER_MODEL_KEY = "callrec:worker-model:"


def run_worker(
    context: WorkerContext,
    connection: Redis,
    queue_names: list[str],
    burst: bool = False,
    name: str | None = None,
) -> bool:
    """Serve `queue_names` in priority order until stopped (or, with burst, until they are empty)."""
    context.worker_name = name or f"{socket.gethostname()}-{uuid.uuid4().hex[:6]}"
    install_context(context)
    queues = [Queue(queue_name, connection=connection) for queue_name in queue_names]
    worker = SimpleWorker(queues, connection=connection, name=context.worker_name)
    # What `callrec status` shows beside the worker: the model it serves, on which device.
    connection.set(
        f"{WORKER_MODEL_KEY}{context.worker_name}", context.transcriber.default.label, ex=7 * 86400
    )
    log.info(
        "worker ready",
        extra={
            "worker": context.worker_name,
            "queues": queue_names,
            "model": context.transcriber.default.label,
        },
    )
    scheduler = RQScheduler(queues, connection=connection)
    stop = threading.Event()
    if burst:
        _schedule_once(scheduler)
    else:
        threading.Thread(
            target=_schedule_forever, args=(scheduler, stop), name="rq-scheduler", daemon=True
        ).start()
    try:
        return worker.work(burst=burst, logging_level="WARNING")
    finally:
        stop.set()
        scheduler.release_locks()


def _schedule_once(scheduler: RQScheduler) -> None:
    if scheduler.acquire_locks():
        scheduler.enqueue_scheduled_jobs()
        scheduler.release_locks()


def _schedule_forever(scheduler: RQScheduler, stop: threading.Event) -> None:
    """Moves due retries (scheduled with backoff) back onto their queues.

    rq's own `with_scheduler` forks a scheduler process from this one, which holds loaded models and
    their thread pools, and the child outlives a killed worker; a thread does the same work safely.
    """
    while not stop.wait(scheduler.interval):
        try:
            if scheduler.should_reacquire_locks:
                scheduler.acquire_locks()
            if scheduler.acquired_locks:
                scheduler.heartbeat()
                scheduler.enqueue_scheduled_jobs()
        except RedisError:
            log.warning("scheduler pass failed; retrying", exc_info=True)


def speaker_models(settings: TranscribeSettings, device: str) -> dict:
    """The voice encoder (voiceprints) and the mono diarizer the settings ask for, loaded once per worker
    (ModelUnavailable: they cannot be loaded here)."""
    from .diarize import BuiltinDiarizer
    from .recognition import Diarizer
    from .voiceprints import VoiceEncoder

    encoder = VoiceEncoder(device) if settings.voiceprints or settings.diarization != "off" else None
    diarizer: Diarizer | None = None
    if settings.diarization == "builtin":
        diarizer = BuiltinDiarizer(encoder)
    elif settings.diarization == "pyannote":
        from .diarize_pyannote import PyannoteDiarizer

        if not settings.pyannote_pipeline:
            raise ModelUnavailable("diarization=pyannote needs CALLREC_TRANSCRIBE_PYANNOTE_PIPELINE")
        diarizer = PyannoteDiarizer(
            settings.pyannote_pipeline,
            settings.hub_enabled,
            settings.hf_token.get_secret_value() if settings.hf_token else None,
            device,
            settings.cache_dir / "pyannote",
            encoder,
        )
    return {"voices": encoder if settings.voiceprints else None, "diarizer": diarizer}
