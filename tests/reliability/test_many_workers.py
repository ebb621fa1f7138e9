"""Three workers as if on three machines: each its own data and model-cache folder, nothing shared but
PostgreSQL, the service Redis and the S3 server (moto over HTTP). 60 calls are posted, one worker is
killed mid-job, and every call still ends done exactly once, with one transcript."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, Worker
from rq.registry import StartedJobRegistry

from recorder.ingest import Ingestor
from recorder.metadata import CallMetadata
from recorder.queue import CPU_QUEUE, CallQueue
from recorder.settings import QueueSettings, RecorderSettings
from storage import calls as call_records
from storage.database import Database
from storage.objects import open_object_store
from storage.transcripts import load_transcript
from tests.conftest import fresh_postgres_database
from tests.telephony import STEREO
from transcribe.audio import ffmpeg_binary
from transcribe.jobs import WorkerContext, install_context
from transcribe.settings import TranscribeSettings

CALLS = 60


@pytest.fixture
def short_call(tmp_path: Path) -> Path:
    """The first 8 s of the stereo fixture: the test is about the workers, not the model."""
    path = tmp_path / "short.wav"
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-i", str(STEREO), "-t", "8", "-c", "copy", str(path)], check=True
    )
    return path


def test_three_workers_on_shared_services_finish_every_call_once(
    service_redis_url, s3_objects_url, tmp_path, short_call, tiny_transcriber
):
    with fresh_postgres_database("callrec_workers") as database_url:
        redis = Redis.from_url(service_redis_url)
        redis.flushdb()
        shared = {
            "CALLREC_STORAGE_DATABASE_URL": database_url,
            "CALLREC_STORAGE_OBJECTS_URL": s3_objects_url,
            "CALLREC_STORAGE_S3_ACCESS_KEY": "test",
            "CALLREC_STORAGE_S3_SECRET_KEY": "test-secret",
            "CALLREC_QUEUE_REDIS_URL": service_redis_url,
            "CALLREC_QUEUE_ROUTE": "cpu",
            "CALLREC_QUEUE_RETRY_INTERVALS_S": "[0]",
            "CALLREC_STORAGE_AUDIT_KEY": secrets.token_hex(32),  # one key for the service, every machine
            "CALLREC_TRANSCRIBE_MODEL": "tiny.en",
            "CALLREC_TRANSCRIBE_VOICEPRINTS": "false",
        }
        db = Database(database_url)
        db.migrate()
        objects = open_object_store(s3_objects_url, access_key="test", secret_key="test-secret")
        objects.ensure_bucket()  # type: ignore[attr-defined]
        queue = CallQueue(
            redis, QueueSettings(redis_url=service_redis_url, route="cpu", retry_intervals_s=[0])
        )
        ingestor = Ingestor(db, objects, queue, RecorderSettings())
        call_ids = []
        for n in range(CALLS):
            with ingestor.spool(short_call.name) as spool, open(short_call, "rb") as source:
                spool.write(source.read())
                call_ids.append(ingestor.ingest(spool.finish(), CallMetadata(external_id=f"m{n}")).call.id)

        workers = []
        for n in range(3):
            machine = tmp_path / f"machine-{n}"
            env = {
                **os.environ,
                **shared,
                "CALLREC_DATA_DIR": str(machine / "data"),
                "CALLREC_TRANSCRIBE_CACHE_DIR": str(machine / "cache"),
            }
            machine.mkdir()
            command = [sys.executable, "-m", "api.cli", "worker", "--queues", "cpu"]
            workers.append(subprocess.Popen(command, env=env, cwd=machine))
        try:
            victim = workers[0]
            victim_job = _wait_for_a_job(redis, victim.pid)
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            # The others' maintenance finds the dead worker's job once its heartbeat has expired; here
            # that moment is brought forward, for that job alone (the live ones heartbeat later).
            registry = StartedJobRegistry(queue=Queue(CPU_QUEUE, connection=redis))
            # Its failure callback runs where the maintenance runs: a worker's context, as on a machine.
            install_context(WorkerContext(db, objects, tiny_transcriber, TranscribeSettings(model="tiny.en")))
            time.sleep(3)
            entries = redis.zrange(registry.key, 0, -1, withscores=True)  # "job id:execution id" -> expiry
            expires = next(score for entry, score in entries if entry.decode().startswith(victim_job))
            registry.cleanup(timestamp=expires + 0.001)
            _wait_until_done(db, call_ids, deadline_s=600)
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
            for worker in workers:
                worker.wait(60)

        with db.session() as session:
            for call_id in call_ids:
                call = call_records.get_call(session, call_id)
                assert call.status == "done", (call_id, call.error)
                transcript = load_transcript(session, call_id)
                assert transcript.segments and len({s.start for s in transcript.segments}) == len(
                    transcript.segments
                )
                outcomes = [a.outcome for a in call_records.list_attempts(session, call_id)]
                assert outcomes.count("done") == 1, (call_id, outcomes)
            busy = {
                a.worker
                for c in call_ids
                for a in call_records.list_attempts(session, c)
                if a.outcome == "done"
            }
            killed = call_records.list_attempts(session, victim_job)
        assert len(busy) >= 2  # the calls were shared out
        assert [a.outcome for a in killed][-1] == "done"  # the killed worker's call was taken up again
        db.dispose()


def _wait_for_a_job(redis: Redis, pid: int) -> str:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        for worker in Worker.all(connection=redis):
            if worker.pid == pid and (job_id := worker.get_current_job_id()):
                return job_id
        time.sleep(0.05)
    pytest.fail("the first worker never took a job")


def _wait_until_done(db: Database, call_ids: list[str], deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        with db.session() as session:
            states = {call_records.get_call(session, c).status for c in call_ids}
        if states == {"done"}:
            return
        time.sleep(1)
    pytest.fail(f"not every call finished: {states}")
