"""A long-lived worker process: models load once, then jobs run in this process.

rq's default Worker forks a child per job, which would reload the model for every call, and
CTranslate2/torch thread pools do not survive fork. SimpleWorker runs each job in-process; rq still
enforces the job timeout (SIGALRM in this, the main thread) and other workers' registry maintenance
recovers the jobs of a worker that dies (AbandonedJobError, then retry).
"""

from __future__ import annotations

import logging
import socket
import uuid

from redis import Redis
from rq import Queue, SimpleWorker

from .jobs import WorkerContext, install_context

log = logging.getLogger(__name__)


def run_worker(
    context: WorkerContext, connection: Redis, queue_names: list[str], burst: bool = False,
    name: str | None = None,
) -> bool:
    """Serve `queue_names` in priority order until stopped (or, with burst, until they are empty)."""
    context.worker_name = name or f"{socket.gethostname()}-{uuid.uuid4().hex[:6]}"
    install_context(context)
    queues = [Queue(queue_name, connection=connection) for queue_name in queue_names]
    worker = SimpleWorker(queues, connection=connection, name=context.worker_name)
    log.info("worker ready", extra={"worker": context.worker_name, "queues": queue_names,
                                    "model": context.transcriber.default.label})
    return worker.work(burst=burst, with_scheduler=True, logging_level="WARNING")
