"""GET /metrics: Prometheus text format, for admin keys (point a scrape job at it with
`authorization: {credentials: <admin key>}`). Counts come from the database and Redis at scrape time;
timings and throughput from what every API process and worker added to Redis (recorder/metrics.py)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse
from rq import Queue, Worker

from recorder.queue import CPU_QUEUE, GPU_QUEUE
from storage.metrics import sample, stored_families
from storage.operations import operations

from ..auth import admin_only

router = APIRouter(tags=["operations"])

STORED = {
    "callrec_job_seconds": ("histogram", "Worker seconds per call attempt, by queue and outcome."),
    "callrec_stage_seconds": ("histogram", "Worker seconds per pipeline stage."),
    "callrec_audio_seconds": (
        "counter",
        "Seconds of call audio processed (graph against worker time for RTF).",
    ),
    "callrec_search_seconds": ("histogram", "Search latency in the API."),
    "callrec_uploads": ("counter", "Uploads answered, by outcome: created, duplicate, refused."),
}


@router.get("/metrics", response_class=PlainTextResponse, dependencies=[Depends(admin_only)])
def metrics(request: Request) -> PlainTextResponse:
    services = request.app.state.services
    redis = services.redis
    lines = ["# HELP callrec_queue_depth Jobs waiting per queue.", "# TYPE callrec_queue_depth gauge"]
    queues = (GPU_QUEUE, CPU_QUEUE)
    lines += [sample("callrec_queue_depth", Queue(q, connection=redis).count, {"queue": q}) for q in queues]
    workers: Counter[str] = Counter()
    for worker in Worker.all(connection=redis):
        workers.update(worker.queue_names())
    lines += ["# HELP callrec_workers Live workers serving each queue.", "# TYPE callrec_workers gauge"]
    lines += [sample("callrec_workers", workers[q], {"queue": q}) for q in queues]
    with services.db.session() as session:
        seen = operations(session)
    lines += ["# HELP callrec_calls Calls by status and source.", "# TYPE callrec_calls gauge"]
    lines += [sample("callrec_calls", n, {"status": st, "source": src}) for st, src, n in seen.calls]
    lines += ["# HELP callrec_flags Flags raised, by category.", "# TYPE callrec_flags gauge"]
    lines += [sample("callrec_flags", n, {"category": category}) for category, n in seen.flags]
    lines += [
        "# HELP callrec_webhook_deliveries Webhook deliveries by state.",
        "# TYPE callrec_webhook_deliveries gauge",
    ]
    lines += [sample("callrec_webhook_deliveries", n, {"state": state}) for state, n in seen.deliveries]
    waiting = (datetime.now(UTC) - seen.oldest_waiting).total_seconds() if seen.oldest_waiting else 0.0
    lines += [
        "# HELP callrec_oldest_waiting_seconds How long the oldest queued call has waited.",
        "# TYPE callrec_oldest_waiting_seconds gauge",
        sample("callrec_oldest_waiting_seconds", round(max(0.0, waiting), 3)),
    ]
    lines += stored_families(redis, STORED)
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4; charset=utf-8")
