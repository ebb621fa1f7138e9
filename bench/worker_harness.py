"""A worker with its models loaded and one recording stored as a call, in a temporary SQLite database and
object folder: what the benchmarks that run `transcribe.jobs.process_call` itself start from."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def worker_with_call(path: Path, model: str, language: str, device: str = "cpu") -> Iterator[tuple]:
    """Yields (WorkerContext, call id); the context is installed as the worker's."""
    from recorder.ingest import Ingestor
    from recorder.metadata import CallMetadata
    from recorder.queue import CallQueue
    from recorder.settings import QueueSettings, RecorderSettings
    from storage.database import Database
    from storage.objects import open_object_store
    from transcribe.asr import Transcriber
    from transcribe.jobs import WorkerContext, install_context
    from transcribe.settings import TranscribeSettings
    from transcribe.worker import speaker_models

    class NoQueue(CallQueue):  # the benchmark runs the job itself, in this process
        def __init__(self) -> None:
            self.settings = QueueSettings()

        def enqueue_call(self, call_id: str):  # type: ignore[no-untyped-def,override]
            return None

    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/bench.db")
        db.migrate()
        objects = open_object_store(f"file://{folder}/objects")
        settings = TranscribeSettings(model=model, device=device)
        transcriber = Transcriber(settings)
        context = WorkerContext(
            db, objects, transcriber, settings, **speaker_models(settings, transcriber.device)
        )
        install_context(context)
        ingestor = Ingestor(db, objects, NoQueue(), RecorderSettings())
        with ingestor.spool(path.name) as spool:
            spool.write(path.read_bytes())
            call = ingestor.ingest(spool.finish(), CallMetadata(language=language)).call
        yield context, call.id
        db.dispose()
