"""`callrec up`: the whole service on one machine, embedded Redis, SQLite and a local object folder
by default, with one worker process beside the API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import uvicorn

from storage.users import list_users

from .admin_key import ensure_admin_key
from .app import create_app
from .embedded_redis import EmbeddedRedis
from .processes import die_with_parent
from .server_config import server_config
from .services import Services, build_services
from .settings import Settings


def run_up(settings: Settings, host: str, port: int, config: Path | None) -> None:
    data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    embedded: EmbeddedRedis | None = None
    if not settings.queue.redis_url:
        embedded = EmbeddedRedis(data_dir / "redis")
        url = embedded.start()
        settings = replace(
            settings,
            storage=settings.storage.model_copy(update={"data_dir": data_dir}),
            queue=settings.queue.model_copy(update={"redis_url": url}),
        )
    worker: subprocess.Popen[bytes] | None = None
    stop_bucket = threading.Event()
    try:
        services = build_services(settings)
        admin_key = ensure_admin_key(services.db, data_dir)
        if settings.watch.bucket_drop:
            start_bucket_drop(services, settings, stop_bucket)
        env = dict(
            os.environ, CALLREC_DATA_DIR=str(data_dir), CALLREC_QUEUE_REDIS_URL=settings.queue.redis_url
        )
        command = [sys.executable, "-m", "api.cli", "worker"] + (["--config", str(config)] if config else [])
        worker = subprocess.Popen(command, env=env, preexec_fn=die_with_parent)
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        print(
            f"callrec is up: http://{shown_host}:{port}  (API docs: http://{shown_host}:{port}/docs)",
            flush=True,
        )
        print(f"admin API key: {admin_key}", flush=True)
        with services.db.session() as session:
            people = len(list_users(session))
        hint = (
            ""
            if people
            else f"  (add the first person: callrec users create NAME --role admin --data-dir {data_dir})"
        )
        print(f"review desk: http://{shown_host}:{port}/{hint}", flush=True)
        print(f"data: {data_dir}", flush=True)
        server = _Server(server_config(create_app(services), settings.api, host, port))
        server.run()
    finally:
        stop_bucket.set()
        if worker is not None and worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
        if embedded is not None:
            embedded.stop()


def start_bucket_drop(services: Services, settings: Settings, stop: threading.Event) -> None:
    """Recordings written under incoming/ in the object store are ingested by a thread of this process."""
    from recorder.bucket import BucketDrop

    drop = BucketDrop(services.ingestor, settings.watch)
    threading.Thread(target=drop.run, args=(stop,), name="bucket-drop", daemon=True).start()
    threading.Thread(target=drop.listen, args=(stop,), name="bucket-notifications", daemon=True).start()


class _Server(uvicorn.Server):
    """uvicorn re-raises SIGTERM/SIGINT after its shutdown, which would end this process before it
    stops the worker and Redis; here the signal only asks the server to exit."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
