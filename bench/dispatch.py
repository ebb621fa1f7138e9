"""Dispatch overhead: from a call's job being queued to the worker starting it, with the worker idle
and its models loaded (rq's own timestamps: `enqueued_at` and `started_at`), and on to the first
line of `process_call` (the call's `processing` stage, stamped in the database).

    python bench/dispatch.py --calls 20

A `callrec worker` process serves the queue; calls are posted one at a time, each after the last is
done, so every one finds the worker waiting (rq blocks on Redis: no polling interval in the path).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from redis import Redis
from rq.job import Job

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recorder.ingest import Ingestor  # noqa: E402
from recorder.metadata import CallMetadata  # noqa: E402
from recorder.queue import CallQueue  # noqa: E402
from recorder.settings import QueueSettings, RecorderSettings  # noqa: E402
from storage import calls as call_records  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.objects import open_object_store  # noqa: E402
from transcribe.audio import ffmpeg_binary  # noqa: E402

STEREO = Path(__file__).resolve().parents[1] / "tests/fixtures/calls/en_billing_dispute.stereo.wav"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    redis_url = os.environ.get("CALLREC_BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
    redis = Redis.from_url(redis_url)
    redis.flushdb()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        database_url = f"sqlite:///{root / 'callrec.db'}"
        objects_url = f"file://{root / 'objects'}"
        db = Database(database_url)
        db.migrate()
        ingestor = Ingestor(
            db, open_object_store(objects_url), CallQueue(redis, QueueSettings(redis_url=redis_url, route="cpu")),
            RecorderSettings(),
        )  # fmt: skip
        clip = root / "clip.wav"
        subprocess.run(
            [ffmpeg_binary(), "-v", "error", "-i", str(STEREO), "-t", "3", "-c", "copy", str(clip)],
            check=True,
        )
        env = {
            **os.environ,
            "CALLREC_STORAGE_DATABASE_URL": database_url,
            "CALLREC_STORAGE_OBJECTS_URL": objects_url,
            "CALLREC_QUEUE_REDIS_URL": redis_url,
            "CALLREC_STORAGE_AUDIT_KEY": secrets.token_hex(32),
            "CALLREC_TRANSCRIBE_MODEL": "tiny.en",
            "CALLREC_TRANSCRIBE_VOICEPRINTS": "false",
            "CALLREC_DATA_DIR": str(root / "worker"),
        }
        worker = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "worker", "--queues", "cpu"], env=env, stderr=subprocess.DEVNULL
        )
        to_start, to_first_line = [], []
        try:
            for n in range(args.calls + 1):
                with ingestor.spool(clip.name) as spool, open(clip, "rb") as source:
                    spool.write(source.read())
                    call_id = ingestor.ingest(spool.finish(), CallMetadata(external_id=f"d{n}")).call.id
                while True:
                    with db.session() as session:
                        call = call_records.get_call(session, call_id)
                        attempts = call_records.list_attempts(session, call_id)
                    if call.status in ("done", "failed"):
                        break
                    time.sleep(0.05)
                job = Job.fetch(call_id, connection=redis)
                if n == 0 or job.enqueued_at is None or job.started_at is None or not attempts:
                    continue  # the first call also waits for the worker to load its models
                to_start.append((job.started_at - job.enqueued_at).total_seconds())
                started = attempts[0].started_at.replace(tzinfo=None)
                to_first_line.append((started - job.enqueued_at.replace(tzinfo=None)).total_seconds())
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(60)
        db.dispose()
    ms = [1000 * s for s in to_start]
    first = [1000 * s for s in to_first_line]
    print(f"{len(ms)} calls, worker idle and models loaded")
    print(
        f"  queued -> rq started the job:        median {statistics.median(ms):6.1f} ms, max {max(ms):6.1f} ms"
    )
    print(
        f"  queued -> process_call's first write: median {statistics.median(first):6.1f} ms, max {max(first):6.1f} ms"
    )


if __name__ == "__main__":
    main()
