"""Calls per minute with 1, 2 and 3 `callrec worker` processes on shared services (PostgreSQL, Redis,
a local object folder), each worker with its own data and cache folders as on its own machine.

    python bench/many_workers.py --calls 24 --seconds 20

On one machine the workers share its cores: past the core count, more workers only queue for CPU.
On separate machines each brings its own, so throughput grows with the workers until PostgreSQL or
the object store is the limit (each call costs a few dozen queries and two object reads).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from redis import Redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratch_database import scratch_database  # noqa: E402
from recorder.ingest import Ingestor  # noqa: E402
from recorder.metadata import CallMetadata  # noqa: E402
from recorder.queue import CallQueue  # noqa: E402
from recorder.settings import QueueSettings, RecorderSettings  # noqa: E402
from storage import calls as call_records  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.objects import open_object_store  # noqa: E402
from transcribe.audio import ffmpeg_binary  # noqa: E402

STEREO = Path(__file__).resolve().parents[1] / "tests/fixtures/calls/en_billing_dispute.stereo.wav"


def run(workers: int, calls: int, seconds: float, database: str, redis_url: str, folder: Path) -> float:
    with scratch_database(database) as url:
        redis = Redis.from_url(redis_url)
        redis.flushdb()
        objects_url = f"file://{folder / 'objects'}"
        db = Database(url)
        db.migrate()
        queue = CallQueue(redis, QueueSettings(redis_url=redis_url, route="cpu"))
        ingestor = Ingestor(db, open_object_store(objects_url), queue, RecorderSettings())
        clip = folder / "clip.wav"
        subprocess.run(
            [
                ffmpeg_binary(),
                "-v",
                "error",
                "-y",
                "-i",
                str(STEREO),
                "-t",
                str(seconds),
                "-c",
                "copy",
                str(clip),
            ],
            check=True,
        )
        ids = []
        for n in range(calls):
            with ingestor.spool(clip.name) as spool, open(clip, "rb") as source:
                spool.write(source.read())
                ids.append(ingestor.ingest(spool.finish(), CallMetadata(external_id=f"b{n}")).call.id)
        shared = {
            "CALLREC_STORAGE_DATABASE_URL": url,
            "CALLREC_STORAGE_OBJECTS_URL": objects_url,
            "CALLREC_QUEUE_REDIS_URL": redis_url,
            "CALLREC_STORAGE_AUDIT_KEY": secrets.token_hex(32),
            "CALLREC_TRANSCRIBE_MODEL": "tiny.en",
            "CALLREC_TRANSCRIBE_VOICEPRINTS": "false",
        }
        processes = []
        for n in range(workers):
            machine = folder / f"machine-{workers}-{n}"
            machine.mkdir()
            env = {**os.environ, **shared, "CALLREC_DATA_DIR": str(machine / "data")}
            command = [sys.executable, "-m", "api.cli", "worker", "--queues", "cpu"]
            processes.append(subprocess.Popen(command, env=env, cwd=machine, stderr=subprocess.DEVNULL))
        started = None
        try:
            while True:
                with db.session() as session:
                    states = [call_records.get_call(session, c).status for c in ids]
                if started is None and any(s != "queued" for s in states):
                    started = time.perf_counter()  # from the first call taken: model loading is not counted
                if all(s in ("done", "failed") for s in states):
                    break
                time.sleep(0.2)
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(60)
        db.dispose()
        return calls / ((time.perf_counter() - (started or time.perf_counter())) / 60)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=24)
    parser.add_argument("--seconds", type=float, default=20, help="length of each call")
    parser.add_argument("--workers", default="1,2,3")
    args = parser.parse_args()
    database = os.environ.get("CALLREC_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    redis_url = os.environ.get("CALLREC_BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
    print(f"{args.calls} calls of {args.seconds:g} s (tiny.en, stereo), {os.cpu_count()} cores")
    baseline = None
    for workers in (int(n) for n in args.workers.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            rate = run(workers, args.calls, args.seconds, database, redis_url, Path(folder))
        baseline = baseline or rate
        print(f"  {workers} worker(s): {rate:6.1f} calls/min   x{rate / baseline:.2f}", flush=True)


if __name__ == "__main__":
    main()
