"""Ingest -> queue -> worker -> transcript, with real Redis, both databases and the real tiny.en model.

The worker runs in burst mode in this process (rq's SimpleWorker, as `callrec worker` runs it).
"""

import io
import os
import signal
import subprocess
import sys
import time

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import StartedJobRegistry

from recorder.ingest import Ingestor
from recorder.metadata import CallMetadata
from recorder.queue import CPU_QUEUE, CallQueue, requeue_stranded_calls
from recorder.settings import QueueSettings, RecorderSettings
from storage import calls as call_records
from storage.objects import open_object_store
from storage.records import CallStatus
from storage.search_index import search
from storage.transcripts import load_transcript
from tests.conftest import CALLS
from transcribe.jobs import WorkerContext, install_context
from transcribe.settings import TranscribeSettings
from transcribe.worker import run_worker

STEREO = CALLS / "en_billing_dispute.stereo.wav"


@pytest.fixture
def pipeline(db, redis_url, tmp_path, tiny_transcriber):
    redis = Redis.from_url(redis_url)
    queue = CallQueue(redis, QueueSettings(redis_url=redis_url, retries=0, route="cpu"))
    objects = open_object_store(f"file://{tmp_path / 'objects'}")
    ingestor = Ingestor(db, objects, queue, RecorderSettings())
    context = WorkerContext(db, objects, tiny_transcriber, TranscribeSettings(model="tiny.en"))
    yield ingestor, context, redis
    redis.close()


def ingest_file(ingestor, path, **metadata):
    with ingestor.spool(path.name) as spool, open(path, "rb") as source:
        while chunk := source.read(65536):
            spool.write(chunk)
        return ingestor.ingest(spool.finish(), CallMetadata(**metadata))


def work(context, redis):
    run_worker(context, redis, [CPU_QUEUE], burst=True, name=f"test-{time.monotonic_ns()}")


def test_uploaded_stereo_call_is_transcribed_with_speakers_and_indexed(pipeline):
    ingestor, context, redis = pipeline
    result = ingest_file(ingestor, STEREO, external_id="call-1", direction="inbound")
    assert result.created and result.call.status == CallStatus.QUEUED
    work(context, redis)

    with ingestor.db.session() as session:
        call = call_records.get_call(session, result.call.id)
        transcript = load_transcript(session, call.id)
        attempts = call_records.list_attempts(session, call.id)
        page = search(session, "credit card")
    assert (call.status, call.progress, call.language) == (CallStatus.DONE, 1.0, "en")
    assert [(s.role, s.channel) for s in transcript.speakers] == [("agent", 0), ("customer", 1)]
    customer_text = " ".join(s.text for s in transcript.segments if s.role == "customer").lower()
    agent_text = " ".join(s.text for s in transcript.segments if s.role == "agent").lower()
    assert "twice on my credit card" in customer_text
    assert "recorded for quality purposes" in agent_text
    assert "credit card" not in agent_text
    assert all(
        w.start >= s.start - 0.5 and w.end <= s.end + 0.5 for s in transcript.segments for w in s.words
    )
    assert [a.outcome for a in attempts] == ["done"]
    assert set(attempts[0].timings) >= {"normalise", "transcribe", "peaks"}
    # Each stored segment carries its sentiment: the complaint is not read as positive (tiny.en hears
    # "I will charge twice ... I want a reason", which says no feeling), the thanks is.
    assert all(s.sentiment in ("positive", "neutral", "negative") for s in transcript.segments)
    read = {s.text.lower(): s.sentiment for s in transcript.segments if s.role == "customer"}
    assert [v != "positive" for t, v in read.items() if "twice on my credit card" in t] == [True], read
    assert [v for t, v in read.items() if "thank you so much" in t] == ["positive"], read
    assert call.characteristics["sentiment"]["customer"]["biggest_drop"] is None
    # The player's waveform, kept per channel: each side is loud where it speaks.
    with ingestor.db.session() as session:
        agent_peaks, customer_peaks = call_records.get_peaks(session, call.id)
    assert len(agent_peaks) == len(customer_peaks) == 1000
    column = call.duration / 1000
    for role, peaks, other in (
        ("agent", agent_peaks, customer_peaks),
        ("customer", customer_peaks, agent_peaks),
    ):
        first = next(s for s in transcript.segments if s.role == role)
        inside = peaks[int(first.start / column) : int(first.end / column)]
        assert max(inside) > 10 and max(inside) > max(
            other[int(first.start / column) : int(first.end / column)]
        )
    assert page.total == 1 and page.results[0].hits[0].role == "customer"
    assert Job.fetch(call.id, connection=redis).get_meta()["progress"] == 1.0


def test_failure_in_the_worker_is_recorded_on_the_call_with_a_reason(pipeline):
    ingestor, context, redis = pipeline
    result = ingest_file(ingestor, STEREO)
    ingestor.objects.delete(result.call.audio_key)  # the recording vanished between upload and work
    work(context, redis)
    with ingestor.db.session() as session:
        call = call_records.get_call(session, result.call.id)
        attempts = call_records.list_attempts(session, call.id)
    assert call.status == CallStatus.FAILED
    assert "not found" in call.error
    assert attempts[-1].outcome == "failed"


def test_undecodable_recording_fails_at_once_and_retry_after_repair_succeeds(pipeline):
    ingestor, context, redis = pipeline
    result = ingest_file(ingestor, STEREO)
    ingestor.objects.put(result.call.audio_key, io.BytesIO(b"\x00" * 64))  # corrupt it in storage
    work(context, redis)
    with ingestor.db.session() as session:
        call = call_records.get_call(session, result.call.id)
    assert call.status == CallStatus.FAILED and "decode" in call.error

    with open(STEREO, "rb") as source:
        ingestor.objects.put(result.call.audio_key, source)
    ingestor.retry(call.id)
    work(context, redis)
    with ingestor.db.session() as session:
        call = call_records.get_call(session, result.call.id)
        assert call.status == CallStatus.DONE and call.attempts == 2 and call.error is None


def test_failed_job_with_retries_left_goes_back_to_queued(db, redis_url, tmp_path, tiny_transcriber):
    redis = Redis.from_url(redis_url)
    queue = CallQueue(
        redis, QueueSettings(redis_url=redis_url, retries=2, retry_intervals_s=[0], route="cpu")
    )
    objects = open_object_store(f"file://{tmp_path / 'objects'}")
    ingestor = Ingestor(db, objects, queue, RecorderSettings())
    context = WorkerContext(db, objects, tiny_transcriber, TranscribeSettings(model="tiny.en"))
    result = ingest_file(ingestor, STEREO)
    objects.delete(result.call.audio_key)
    install_context(context)
    from rq import SimpleWorker

    SimpleWorker([Queue(CPU_QUEUE, connection=redis)], connection=redis).work(burst=True, max_jobs=1)
    with db.session() as session:
        call = call_records.get_call(session, result.call.id)
    assert call.status == CallStatus.QUEUED and call.stage == "retrying" and "not found" in call.error
    assert Job.fetch(call.id, connection=redis).retries_left == 1


def test_worker_killed_mid_transcription_is_recovered_and_the_call_ends_done_once(
    db, database_url, redis_url, tmp_path, tiny_transcriber
):
    redis = Redis.from_url(redis_url)
    queue = CallQueue(
        redis, QueueSettings(redis_url=redis_url, retries=1, retry_intervals_s=[0], route="cpu")
    )
    objects_url = f"file://{tmp_path / 'objects'}"
    objects = open_object_store(objects_url)
    ingestor = Ingestor(db, objects, queue, RecorderSettings())
    result = ingest_file(ingestor, STEREO)
    env = dict(
        os.environ,
        CALLREC_STORAGE_DATABASE_URL=database_url,
        CALLREC_STORAGE_OBJECTS_URL=objects_url,
        CALLREC_QUEUE_REDIS_URL=redis_url,
        CALLREC_TRANSCRIBE_MODEL="tiny.en",
    )
    worker = subprocess.Popen([sys.executable, "-m", "api.cli", "worker", "--queues", "cpu"], env=env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with db.session() as session:
                if call_records.get_call(session, result.call.id).stage == "transcribe":
                    break
            time.sleep(0.05)
        else:
            pytest.fail("the worker never started transcribing")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()

    # Another worker's maintenance finds the dead worker's job once its heartbeat has expired.
    context = WorkerContext(db, objects, tiny_transcriber, TranscribeSettings(model="tiny.en"))
    install_context(context)
    registry = StartedJobRegistry(queue=Queue(CPU_QUEUE, connection=redis))
    registry.cleanup(timestamp=time.time() + 10_000)
    with db.session() as session:
        call = call_records.get_call(session, result.call.id)
    assert call.status == CallStatus.QUEUED and "stopped responding" in call.error

    run_worker(context, redis, [CPU_QUEUE], burst=True)
    with db.session() as session:
        call = call_records.get_call(session, result.call.id)
        transcript = load_transcript(session, call.id)
        attempts = call_records.list_attempts(session, call.id)
    assert call.status == CallStatus.DONE
    assert [a.outcome for a in attempts] == ["failed", "done"]
    assert len({s.start for s in transcript.segments}) == len(transcript.segments)  # saved once, not twice


def test_calls_stored_while_redis_was_down_are_requeued(pipeline):
    ingestor, context, redis = pipeline
    result = ingest_file(ingestor, STEREO)
    Job.fetch(result.call.id, connection=redis).delete()  # as if the enqueue never reached Redis
    assert requeue_stranded_calls(ingestor.db, ingestor.queue, older_than_s=0) == [result.call.id]
    assert requeue_stranded_calls(ingestor.db, ingestor.queue, older_than_s=0) == []  # now it has a job
    work(context, redis)
    with ingestor.db.session() as session:
        assert call_records.get_call(session, result.call.id).status == CallStatus.DONE


def test_duplicate_delivery_of_a_done_call_is_not_redone(pipeline):
    ingestor, context, redis = pipeline
    result = ingest_file(ingestor, STEREO, external_id="dup")
    work(context, redis)
    again = ingest_file(ingestor, STEREO, external_id="dup")
    assert not again.created and again.call.id == result.call.id
    ingestor.queue.enqueue_call(result.call.id)  # a stray second job for the same call
    work(context, redis)
    with ingestor.db.session() as session:
        assert call_records.get_call(session, result.call.id).attempts == 1


def test_auto_routing_sends_calls_to_the_gpu_queue_while_a_gpu_worker_is_alive(
    db, redis_url, tmp_path, tiny_transcriber
):
    from rq import Worker

    from recorder.queue import GPU_QUEUE

    redis = Redis.from_url(redis_url)
    queue = CallQueue(redis, QueueSettings(redis_url=redis_url, retries=0, route="auto"))
    objects = open_object_store(f"file://{tmp_path / 'objects'}")
    ingestor = Ingestor(db, objects, queue, RecorderSettings())
    on_cpu = ingest_file(ingestor, STEREO, external_id="r1").call.id
    assert Job.fetch(on_cpu, connection=redis).origin == CPU_QUEUE  # no GPU worker: the CPU queue
    declared_gpu = Worker([GPU_QUEUE, CPU_QUEUE], connection=redis, name=f"gpu-{time.monotonic_ns()}")
    declared_gpu.register_birth()  # a worker started with --queues gpu,cpu (as on a GPU machine)
    try:
        on_gpu = ingest_file(ingestor, STEREO, external_id="r2").call.id
        assert Job.fetch(on_gpu, connection=redis).origin == GPU_QUEUE
        context = WorkerContext(db, objects, tiny_transcriber, TranscribeSettings(model="tiny.en"))
        install_context(context)
        run_worker(context, redis, [GPU_QUEUE, CPU_QUEUE], burst=True, name=f"test-{time.monotonic_ns()}")
    finally:
        declared_gpu.register_death()
    with db.session() as session:
        for call_id, origin in ((on_gpu, GPU_QUEUE), (on_cpu, CPU_QUEUE)):
            assert call_records.get_call(session, call_id).status == CallStatus.DONE
            assert [a.queue for a in call_records.list_attempts(session, call_id)] == [origin]
    assert Worker.count(queue=queue.gpu) == 0  # gone: new calls go to the CPU queue again
    assert (
        Job.fetch(ingest_file(ingestor, STEREO, external_id="r3").call.id, connection=redis).origin
        == CPU_QUEUE
    )
