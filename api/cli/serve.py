"""The long-running processes: `callrec up` (everything on one machine), `api`, `worker`, and `status`."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import (
    ConfigOption,
    DataDirOption,
    _database,
    _settings,
    app,
)


@app.command()
def up(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Everything on one machine: API, a worker, and (unless configured) embedded Redis, SQLite, local objects."""
    from ..logs import configure_logging
    from ..up import run_up

    settings = _settings(config, data_dir)
    configure_logging(settings.api.log_level)
    run_up(settings, host, port, config)


@app.command()
def api(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    config: ConfigOption = None,
) -> None:
    """The API server alone (scale-out: point it at PostgreSQL, S3 and a shared Redis)."""
    import uvicorn

    from ..app import create_app
    from ..logs import configure_logging
    from ..server_config import server_config
    from ..services import build_services

    settings = _settings(config)
    configure_logging(settings.api.log_level)
    services = build_services(settings)
    served = server_config(
        create_app(services), settings.api, host or settings.api.host, port or settings.api.port
    )
    uvicorn.Server(served).run()


@app.command()
def worker(
    queues: Annotated[
        str | None, typer.Option(help="Comma-separated: gpu,cpu (default: by hardware)")
    ] = None,
    burst: Annotated[bool, typer.Option(help="Exit once the queues are empty")] = False,
    config: ConfigOption = None,
) -> None:
    """A transcription worker: loads the model once, then serves the queues. Run more on more machines."""
    from recorder.queue import CPU_QUEUE, GPU_QUEUE
    from transcribe.asr import Transcriber
    from transcribe.jobs import WorkerContext
    from transcribe.rules.loader import RuleError
    from transcribe.worker import run_worker, speaker_models

    from ..logs import configure_logging
    from ..services import build_services

    settings = _settings(config)
    configure_logging(settings.api.log_level)
    try:
        services = build_services(settings)
    except RuleError as exc:
        typer.echo(f"callrec: bad rule: {exc}", err=True)
        raise typer.Exit(2) from exc
    transcriber = Transcriber(settings.transcribe)
    names = {"gpu": GPU_QUEUE, "cpu": CPU_QUEUE}
    if queues:
        try:
            queue_names = [names[q.strip()] for q in queues.split(",") if q.strip()]
        except KeyError as exc:
            typer.echo(f"callrec: unknown queue {exc}; use gpu and/or cpu", err=True)
            raise typer.Exit(2) from exc
    else:
        queue_names = [GPU_QUEUE, CPU_QUEUE] if transcriber.device == "cuda" else [CPU_QUEUE]

    if not burst:
        from ..background_loops import start_background_loops

        start_background_loops(services, settings)
    from transcribe.weights import ModelUnavailable

    try:
        speaker = speaker_models(settings.transcribe, transcriber.device)
    except ModelUnavailable as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    context = WorkerContext(
        services.db,
        services.objects,
        transcriber,
        settings.transcribe,
        rules=services.rules,
        drivers=services.drivers,
        **speaker,
    )
    run_worker(context, services.redis, queue_names, burst=burst)


@app.command()
def status(config: ConfigOption = None) -> None:
    """The service at a glance: queues, workers, the oldest waiting call, failures in the last hour."""
    from datetime import UTC, datetime

    from rq import Queue, Worker

    from recorder.queue import CPU_QUEUE, GPU_QUEUE
    from storage.operations import operations
    from transcribe.worker import WORKER_MODEL_KEY

    from ..services import open_redis

    settings = _settings(config)
    redis = open_redis(settings.queue.redis_url)
    db = _database(settings, migrate=False)
    with db.session() as session:
        seen = operations(session)
    for name in (GPU_QUEUE, CPU_QUEUE):
        typer.echo(f"queue {name}: {Queue(name, connection=redis).count} waiting")
    workers = Worker.all(connection=redis)
    for worker in workers:
        job = worker.get_current_job_id() or "idle"
        model = (redis.get(f"{WORKER_MODEL_KEY}{worker.name}") or b"?").decode()  # type: ignore[union-attr]
        queues = ",".join(worker.queue_names())
        typer.echo(f"worker {worker.name}: {model}, {queues}, {worker.get_state()} ({job})")
    if not workers:
        typer.echo("no live workers")
    if seen.oldest_waiting is not None:
        waited = (datetime.now(UTC) - seen.oldest_waiting).total_seconds()
        typer.echo(f"oldest waiting call: {waited:.0f} s")
    totals: dict[str, int] = {}
    for state, _, n in seen.calls:
        totals[state] = totals.get(state, 0) + n
    typer.echo("calls: " + (", ".join(f"{n} {state}" for state, n in sorted(totals.items())) or "none"))
    typer.echo(f"failed in the last hour: {seen.failed_last_hour}")
