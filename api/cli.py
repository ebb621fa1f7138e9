"""The `callrec` command line."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .ingest_client import IngestOutcome
from .settings import Settings, load_settings

if TYPE_CHECKING:
    from transcribe.settings import TranscribeSettings

app = typer.Typer(
    help="callrec: call recording, transcription and search.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
rules_app = typer.Typer(help="Rule packs.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
recorder_app = typer.Typer(help="Telephony ingestion: folder watch, bucket drop.", no_args_is_help=True)
app.add_typer(recorder_app, name="recorder")
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
retention_app = typer.Typer(help="Retention policies.", no_args_is_help=True)
app.add_typer(retention_app, name="retention")
customers_app = typer.Typer(help="Customers' data.", no_args_is_help=True)
app.add_typer(customers_app, name="customers")
objects_app = typer.Typer(help="The object store: encryption keys.", no_args_is_help=True)
app.add_typer(objects_app, name="objects")
users_app = typer.Typer(help="People who sign in to the review desk.", no_args_is_help=True)
app.add_typer(users_app, name="users")
teams_app = typer.Typer(help="Teams: agents, and the managers who see their calls.", no_args_is_help=True)
app.add_typer(teams_app, name="teams")

ConfigOption = Annotated[
    Path | None, typer.Option("--config", envvar="CALLREC_CONFIG", help="A file of CALLREC_...=value lines")
]
DataDirOption = Annotated[Path | None, typer.Option("--data-dir", help="Folder for all embedded state")]


def _settings(config: Path | None, data_dir: Path | None = None) -> Settings:
    try:
        return load_settings(config, data_dir)
    except (FileNotFoundError, ValueError) as exc:
        typer.echo(f"callrec: bad settings: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command()
def up(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Everything on one machine: API, a worker, and (unless configured) embedded Redis, SQLite, local objects."""
    from .logs import configure_logging
    from .up import run_up

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

    from .app import create_app
    from .logs import configure_logging
    from .server_config import server_config
    from .services import build_services

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
    from recorder.queue import CPU_QUEUE, GPU_QUEUE, requeue_stranded_calls
    from transcribe.asr import Transcriber
    from transcribe.jobs import WorkerContext
    from transcribe.rules.loader import RuleError
    from transcribe.worker import run_worker

    from .logs import configure_logging
    from .services import build_services

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

    def apply_retention_once() -> None:
        # A Redis lock keeps several workers from running the same pass at once.
        from storage.retention import apply_retention

        lock = services.redis.lock("callrec:retention", timeout=3600)
        if lock.acquire(blocking=False):
            try:
                apply_retention(services.db, services.objects, settings.storage.retention_policies)
            finally:
                lock.release()

    def anchor_audit_once() -> None:
        from storage.audit_anchor import anchor_if_moved

        lock = services.redis.lock("callrec:audit-anchor", timeout=600)
        if lock.acquire(blocking=False):
            try:
                with services.db.session() as session:
                    anchor_if_moved(session, services.objects)
            finally:
                lock.release()

    if not burst:
        from recorder.notify import deliver_forever

        # Calls stored while Redis was unreachable (or whose job Redis lost) get their job back.
        _every("reconciler", 60, lambda: requeue_stranded_calls(services.db, services.queue))
        if settings.storage.retention_policies:
            _every("retention", 3600, apply_retention_once)
        _every("audit-anchor", settings.storage.audit_anchor_s, anchor_audit_once)
        threading.Thread(
            target=deliver_forever,
            args=(services.db, settings.recorder, threading.Event()),
            name="webhooks",
            daemon=True,
        ).start()
    from transcribe.models import ModelUnavailable

    try:
        speaker = speaker_models(settings.transcribe, transcriber.device)
    except ModelUnavailable as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    context = WorkerContext(
        services.db, services.objects, transcriber, settings.transcribe, rules=services.rules, **speaker
    )
    run_worker(context, services.redis, queue_names, burst=burst)


def _every(name: str, seconds: float, step: Callable[[], object]) -> None:
    """Run `step` now and then every `seconds` in a daemon thread; a failed pass (a database or Redis
    hiccup) is logged and the next one runs as planned."""
    import logging

    def loop() -> None:
        while True:
            try:
                step()
            except Exception:
                logging.getLogger(__name__).exception("%s pass failed", name)
            time.sleep(seconds)

    threading.Thread(target=loop, name=name, daemon=True).start()


def _database(settings: Settings, migrate: bool = True):  # type: ignore[no-untyped-def]
    """The database of the settings, brought up to the current schema for commands that write."""
    from .services import open_database

    return open_database(settings, migrate)


def speaker_models(settings: TranscribeSettings, device: str) -> dict:
    """The voice encoder (voiceprints) and the mono diarizer the settings ask for, loaded once."""
    from transcribe.diarize import BuiltinDiarizer
    from transcribe.pipeline import Diarizer
    from transcribe.voices import VoiceEncoder

    encoder = VoiceEncoder(device) if settings.voiceprints or settings.diarization != "off" else None
    diarizer: Diarizer | None = None
    if settings.diarization == "builtin":
        diarizer = BuiltinDiarizer(encoder)
    elif settings.diarization == "pyannote":
        from transcribe.diarize_pyannote import PyannoteDiarizer

        if not settings.pyannote_pipeline:
            raise typer.BadParameter("diarization=pyannote needs CALLREC_TRANSCRIBE_PYANNOTE_PIPELINE")
        diarizer = PyannoteDiarizer(
            settings.pyannote_pipeline,
            settings.hub_enabled,
            settings.hf_token.get_secret_value() if settings.hf_token else None,
            device,
            settings.cache_dir / "pyannote",
            encoder,
        )
    return {"voices": encoder if settings.voiceprints else None, "diarizer": diarizer}


@app.command()
def transcribe(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A recording")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the transcript JSON")] = False,
    language: Annotated[str | None, typer.Option(help="Force the language (he, ar, en, ...)")] = None,
    channels: Annotated[str, typer.Option(help="Roles of the channels, channel 0 first")] = "agent,customer",
    model: Annotated[str | None, typer.Option(help="Model folder, packaged name or hub name")] = None,
    config: ConfigOption = None,
) -> None:
    """Transcribe one file locally, no server needed."""
    from rich.progress import BarColumn, Progress, TextColumn

    from transcribe.asr import Transcriber
    from transcribe.audio import AudioDecodeError, channel_count, load_audio
    from transcribe.formats import to_json, to_txt
    from transcribe.models import ModelUnavailable
    from transcribe.pipeline import CallOptions, Timings, transcribe_audio

    settings = _settings(config).transcribe
    if model:
        settings = settings.model_copy(update={"model": model})
    roles = [r.strip() for r in channels.split(",") if r.strip()]
    timings = Timings()
    try:
        started = time.perf_counter()
        transcriber = Transcriber(settings)
        timings.measure("load_model", started)
        started = time.perf_counter()
        audio = load_audio(file, channel_count(file))
        timings.measure("normalise", started)
        diarizer = None
        if len(audio.channels) == 1 and settings.diarization != "off":
            diarizer = speaker_models(settings.model_copy(update={"voiceprints": False}), transcriber.device)[
                "diarizer"
            ]
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            transient=True,
            disable=not sys.stderr.isatty(),
        ) as progress:
            task = progress.add_task("transcribe", total=1.0)
            transcript = transcribe_audio(
                audio,
                transcriber,
                CallOptions(
                    channel_roles=roles,
                    language=language,
                    allowed_languages=settings.languages,
                    min_speakers=settings.min_speakers,
                    max_speakers=settings.max_speakers,
                ),
                timings,
                lambda stage, fraction: progress.update(task, completed=fraction, description=stage),
                diarizer,
            )
    except (AudioDecodeError, ModelUnavailable, ValueError) as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(1) from exc
    if as_json:
        body = to_json(transcript) | {"model": transcript.model, "timings": timings.seconds}
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        typer.echo(to_txt(transcript), nl=False)


def _server(config: Path | None, url: str | None, key: str | None) -> tuple[str, str]:
    """The server and key for commands that post to a running callrec: options, else settings."""
    settings = _settings(config).api
    url, key = url or settings.url, key or settings.key
    if not key:
        typer.echo("callrec: no API key: pass --key or set CALLREC_API_KEY", err=True)
        raise typer.Exit(2)
    return url, key


def _batch(run: Callable[[], list[IngestOutcome]]) -> list[IngestOutcome]:
    try:
        return run()
    except FileNotFoundError as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of recordings")],
    url: Annotated[str | None, typer.Option(envvar="CALLREC_API_URL", help="The callrec server")] = None,
    key: Annotated[
        str | None, typer.Option(envvar="CALLREC_API_KEY", help="An admin or telephony key")
    ] = None,
    metadata: Annotated[str, typer.Option(help="JSON metadata applied to every file")] = "{}",
    csv: Annotated[
        Path | None,
        typer.Option(
            help="A CSV of metadata: a `file` column (relative to the first path) and field columns"
        ),
    ] = None,
    jobs: Annotated[int, typer.Option(min=1, max=32, help="Uploads in flight at once")] = 1,
    config: ConfigOption = None,
) -> None:
    """Post recordings to a running server (a backfill); re-running resumes, skipping what is stored."""
    from collections import Counter

    from recorder.backfill import ManifestError

    from .ingest_client import ingest_paths

    url, key = _server(config, url, key)
    try:
        extra = json.loads(metadata)
        assert isinstance(extra, dict)
    except (ValueError, AssertionError) as exc:
        typer.echo("callrec: --metadata must be a JSON object", err=True)
        raise typer.Exit(2) from exc
    try:
        outcomes = _batch(
            lambda: ingest_paths(url, key, paths, extra, sys.stderr.isatty(), manifest=csv, jobs=jobs)
        )
    except ManifestError as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    failed = [o for o in outcomes if o.status not in (200, 201)]
    created = sum(o.status == 201 for o in outcomes)
    for outcome in outcomes:
        mark = {201: "new", 200: "existing"}.get(outcome.status, f"FAILED {outcome.status}")
        typer.echo(
            f"{mark}\t{outcome.call_id or '-'}\t{outcome.path}\t{'' if outcome.call_id else outcome.detail}"
        )
    typer.echo(
        f"{len(outcomes)} file(s): {created} new, {len(outcomes) - created - len(failed)} existing, "
        f"{len(failed)} failed",
        err=True,
    )
    reasons = Counter(f"{o.status or 'unreachable'}: {o.detail[:120]}" for o in failed)
    for reason, count in reasons.most_common():
        typer.echo(f"  {count} x {reason}", err=True)
    if failed:
        raise typer.Exit(1)


@recorder_app.command("watch")
def recorder_watch(
    folder: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="The PBX's recordings folder")],
    url: Annotated[str | None, typer.Option(envvar="CALLREC_API_URL", help="The callrec server")] = None,
    key: Annotated[str | None, typer.Option(envvar="CALLREC_API_KEY", help="A telephony key")] = None,
    pattern: Annotated[
        str | None, typer.Option(help='File-name pattern: "freepbx" or a template like {agent_id}_{date}')
    ] = None,
    source: Annotated[str | None, typer.Option(help="The calls' source name")] = None,
    cdr: Annotated[
        Path | None, typer.Option(help="A CDR CSV (Asterisk Master.csv) to read metadata from")
    ] = None,
    once: Annotated[bool, typer.Option(help="Exit once nothing is left waiting")] = False,
    config: ConfigOption = None,
) -> None:
    """Ingest finished recordings from a folder, then move each to done/ or failed/ (with the reason)."""
    import signal

    import httpx

    from recorder.delivery import post_call
    from recorder.watch import FolderWatcher, WatchOutcome

    from .logs import configure_logging

    settings = _settings(config)
    configure_logging(settings.api.log_level)
    updates = {"pattern": pattern, "source": source, "cdr_csv": str(cdr) if cdr else None}
    watch = settings.watch.model_copy(update={k: v for k, v in updates.items() if v is not None})
    url, key = _server(config, url, key)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=httpx.Timeout(300, connect=10)
    ) as client:
        try:
            watcher = FolderWatcher(
                folder, lambda audio, meta, name: post_call(client, audio, meta, name), watch
            )
        except ValueError as exc:  # FilenamePatternError, bad time zone
            typer.echo(f"callrec: {exc}", err=True)
            raise typer.Exit(2) from exc
        typer.echo(f"watching {folder.resolve()} (pattern {watch.pattern}, source {watch.source})", err=True)
        counts = {"done": 0, "failed": 0, "retry": 0}

        def report(outcome: WatchOutcome) -> None:
            counts[outcome.action] += 1
            typer.echo(f"{outcome.action}\t{outcome.call_id or '-'}\t{outcome.name}\t{outcome.detail}")

        watcher.run(stop, once, report)
        typer.echo(f"{counts['done']} ingested, {counts['failed']} failed", err=True)


@recorder_app.command("bucket")
def recorder_bucket(
    once: Annotated[bool, typer.Option(help="One scan, then exit")] = False,
    config: ConfigOption = None,
) -> None:
    """Ingest recordings written into the object store under incoming/ (MinIO notifications wake it at once;
    otherwise it polls). `callrec up` runs this already; at scale run it beside the API, once or more."""
    import signal

    from recorder.bucket import BucketDrop, WatchOutcome

    from .logs import configure_logging
    from .services import build_services

    settings = _settings(config)
    configure_logging(settings.api.log_level)
    services = build_services(settings)
    try:
        drop = BucketDrop(services.ingestor, settings.watch)
    except ValueError as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc

    def report(outcome: WatchOutcome) -> None:
        typer.echo(f"{outcome.action}\t{outcome.call_id or '-'}\t{outcome.name}\t{outcome.detail}")

    if once:  # whatever is there now counts as complete
        drop.settings = settings.watch.model_copy(update={"settle_s": 0})
        for outcome in drop.scan():
            report(outcome)
        return
    stop = threading.Event()

    def halt(*_: object) -> None:
        stop.set()
        drop.wake.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, halt)
    threading.Thread(target=drop.listen, args=(stop,), daemon=True).start()
    drop.run(stop, report)


@app.command("import")
def import_transcripts(
    paths: Annotated[list[Path], typer.Argument(help="Transcript JSON files or folders of them")],
    url: Annotated[str | None, typer.Option(envvar="CALLREC_API_URL", help="The callrec server")] = None,
    key: Annotated[str | None, typer.Option(envvar="CALLREC_API_KEY", help="An admin key")] = None,
    config: ConfigOption = None,
) -> None:
    """Import transcripts made elsewhere (the transcript JSON, plus an optional "call" metadata object)."""
    from .ingest_client import import_paths

    url, key = _server(config, url, key)
    outcomes = _batch(lambda: import_paths(url, key, paths, show_progress=sys.stderr.isatty()))
    failed = [o for o in outcomes if o.detail != "imported"]
    for outcome in outcomes:
        mark = "imported" if outcome.detail == "imported" else f"FAILED {outcome.status}"
        typer.echo(
            f"{mark}\t{outcome.call_id or '-'}\t{outcome.path}\t{'' if mark == 'imported' else outcome.detail}"
        )
    typer.echo(
        f"{len(outcomes)} file(s): {len(outcomes) - len(failed)} imported, {len(failed)} failed", err=True
    )
    if failed:
        raise typer.Exit(1)


@rules_app.command("check")
def rules_check(
    directories: Annotated[
        list[Path] | None, typer.Argument(help="Rule folders (default: the configured ones)")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Validate rule packs: every error names the file, the line and what is wrong."""
    from transcribe.rules.loader import RuleError, load_rules

    settings = _settings(config).transcribe
    try:
        rules = load_rules(directories or settings.rules_dirs, include_builtin=settings.builtin_rules)
    except RuleError as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(1) from exc
    for rule in rules:
        typer.echo(f"{rule.id}\tv{rule.version}\t{rule.category}\t{rule.severity}\t{rule.source}")
    typer.echo(f"{len(rules)} rule(s) OK", err=True)


@rules_app.command("apply")
def rules_apply(
    since: Annotated[
        str | None, typer.Option(help="Only calls created on or after this date (2026-01-31)")
    ] = None,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Run the current rules over stored calls; flags are updated in place, never duplicated."""
    from datetime import UTC, datetime

    from rich.progress import Progress, SpinnerColumn, TextColumn

    from transcribe.reanalyse import apply_rules
    from transcribe.rules.loader import RuleError, load_rules

    settings = _settings(config, data_dir)
    try:
        start = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else None
        rules = load_rules(settings.transcribe.rules_dirs, include_builtin=settings.transcribe.builtin_rules)
    except (ValueError, RuleError) as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    db = _database(settings)
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]rules apply[/] {task.completed} calls"),
        disable=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("", total=None)
        checked, raised = apply_rules(
            db,
            rules,
            start,
            settings.transcribe.voice_match_threshold,
            lambda done: progress.update(task, completed=done),
        )
    typer.echo(f"checked {checked} call(s); {raised} flag(s) raised")


@keys_app.command("create")
def keys_create(
    role: Annotated[
        str, typer.Option(help="admin, compliance (read and review everything) or telephony (upload)")
    ],
    name: Annotated[str, typer.Option(help="A label for the key")] = "",
    source: Annotated[
        str | None,
        typer.Option(
            help="Bind the key to the one source it uploads for (e.g. asterisk-east); no other key may use it"
        ),
    ] = None,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Create a key; it is printed once, alone on stdout."""
    from storage import api_keys, audit

    settings = _settings(config, data_dir)
    db = _database(settings)
    try:
        with db.session() as session:
            key, secret = api_keys.create_key(session, role, name, source)
            details = {"role": role, "name": name, "source": source}
            audit.record(session, "cli", "key.create", str(key.id), details)
    except ValueError as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(secret)


@keys_app.command("list")
def keys_list(data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """Keys by id, role and prefix (never the secret)."""
    from storage import api_keys

    db = _database(_settings(config, data_dir))
    with db.session() as session:
        for key in api_keys.list_keys(session):
            state = "revoked" if key.revoked else "active"
            bound = f"\tsource {key.source}" if key.source else ""
            typer.echo(f"{key.id}\t{key.role}\t{key.prefix}...\t{state}\t{key.name}{bound}")


@keys_app.command("revoke")
def keys_revoke(key_id: int, data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    from storage import api_keys, audit

    db = _database(_settings(config, data_dir), migrate=False)
    with db.session() as session:
        if not api_keys.revoke_key(session, key_id):
            typer.echo(f"callrec: no active key {key_id}", err=True)
            raise typer.Exit(1)
        audit.record(session, "cli", "key.revoke", str(key_id), {})
    typer.echo(f"revoked key {key_id}")


@app.command()
def search(
    query: Annotated[
        str,
        typer.Argument(
            help='The query language: words, "phrase", OR, -word, pre*, fuzzy~, speaker:agent ...'
        ),
    ],
    order: Annotated[str, typer.Option(help="relevance or date")] = "relevance",
    limit: Annotated[int, typer.Option(help="Calls per page")] = 20,
    page: Annotated[int, typer.Option(help="Page number, from 1")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Search transcripts, as GET /v1/search does."""
    from storage.errors import InvalidQuery, SearchTooCostly
    from storage.search_index import search as run_search

    db_settings = _settings(config, data_dir)
    db = _database(db_settings, migrate=False)
    try:
        with db.session() as session:
            result = run_search(
                session, query, limit=limit, offset=(max(page, 1) - 1) * limit, order=order,
                time_limit_s=db_settings.storage.search_time_limit_s,
            )  # fmt: skip
    except (InvalidQuery, SearchTooCostly) as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        body = {
            "query": query,
            "total": result.total,
            "fuzzy": result.fuzzy,
            "results": [
                {
                    "call_id": r.call_id,
                    "score": r.score,
                    "hits": [
                        {
                            "start": h.start,
                            "end": h.end,
                            "role": h.role,
                            "text": h.text,
                            "matched": [h.words[i] for i in h.matched_words],
                        }
                        for h in r.hits
                    ],
                }
                for r in result.results
            ],
        }
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{result.total} call(s){' (fuzzy)' if result.fuzzy else ''}")
    for r in result.results:
        typer.echo(r.call_id)
        for h in r.hits:
            marked = set(h.matched_words)
            words = " ".join(f"[{w}]" if i in marked else w for i, w in enumerate(h.words)) or h.text
            typer.echo(f"  {h.start:8.2f}s  {h.role:<8} {words}")


@app.command()
def status(config: ConfigOption = None) -> None:
    """The service at a glance: queues, workers, the oldest waiting call, failures in the last hour."""
    from datetime import UTC, datetime

    from rq import Queue, Worker

    from recorder.queue import CPU_QUEUE, GPU_QUEUE
    from storage.operations import operations
    from transcribe.worker import WORKER_MODEL_KEY

    from .services import open_redis

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


@app.command()
def reindex(data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """Rebuild the search index of every transcript, with a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from storage.reindex import reindex_segments

    db = _database(_settings(config, data_dir))
    with Progress(
        TextColumn("[bold]reindex"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        disable=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("segments", total=None)
        count = reindex_segments(db, lambda done, total: progress.update(task, completed=done, total=total))
    typer.echo(f"reindexed {count} segment(s)")


@app.command()
def migrate(data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """Bring the database schema up to date (the API and workers also do this at start)."""

    _database(_settings(config, data_dir))
    typer.echo("database is up to date")


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        Path | None,
        typer.Option(help="An anchor file from `callrec audit anchor --out` (default: the newest stored)"),
    ] = None,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Recompute the audit trail's keyed hash chain and check it against an anchor kept outside the
    database; exit 1 if an entry was altered, removed or reordered."""
    from storage import audit
    from storage.audit_anchor import Anchor, latest_anchor

    from .services import open_objects

    settings = _settings(config, data_dir)
    db = _database(settings, migrate=False)
    try:
        pinned = Anchor.from_json(anchor.read_text()) if anchor else latest_anchor(open_objects(settings))
    except (OSError, ValueError) as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    with db.session() as session:
        check = audit.verify_chain(session, (pinned.last_id, pinned.last_hash) if pinned else None)
    if not check.ok:
        typer.echo(f"audit trail BROKEN after {check.entries} good entries: {check.problem}", err=True)
        raise typer.Exit(1)
    pinned_text = f", anchored at entry {pinned.last_id} ({pinned.at})" if pinned else ", no anchor yet"
    typer.echo(
        f"audit trail intact: {check.entries} entries, {'keyed' if check.keyed else 'NOT keyed'}{pinned_text}"
    )


@audit_app.command("anchor")
def audit_anchor(
    out: Annotated[
        Path | None, typer.Option(help="Also write the anchor to this file (ship it elsewhere)")
    ] = None,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Store the audit chain's head as an anchor object now (workers do it every
    CALLREC_STORAGE_AUDIT_ANCHOR_S) and print it."""
    from storage.audit_anchor import current_anchor, store_anchor

    from .services import open_objects

    settings = _settings(config, data_dir)
    db = _database(settings, migrate=False)
    with db.session() as session:
        anchor = current_anchor(session)
    key = store_anchor(open_objects(settings), anchor)
    if out is not None:
        out.write_text(anchor.to_json() + "\n")
    typer.echo(anchor.to_json())
    typer.echo(f"stored as {key}", err=True)


@retention_app.command("apply")
def retention_apply(
    dry_run: Annotated[bool, typer.Option(help="Only say what would be deleted")] = False,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Apply the retention policies now (the workers also do it hourly)."""
    from storage.retention import apply_retention, due

    from .services import open_objects

    settings = _settings(config, data_dir)
    policies = settings.storage.retention_policies
    if not policies:
        typer.echo(
            "callrec: no retention policies (CALLREC_STORAGE_RETENTION_POLICIES): nothing to do", err=True
        )
        raise typer.Exit(2)
    db = _database(settings)
    report = due(db, policies) if dry_run else apply_retention(db, open_objects(settings), policies)
    verb = "would" if dry_run else "did"
    typer.echo(
        f"retention {verb} expire the audio of {len(report.audio_expired)} call(s), "
        f"delete {len(report.deleted)} call(s); {len(report.held)} held"
    )


@customers_app.command("forget")
def customers_forget(
    customer_number: Annotated[str, typer.Argument(help="The customer's number, as stored on their calls")],
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Delete every call of a customer (a data deletion request), except calls under a legal hold;
    prints the report as JSON."""
    from storage.lifecycle import forget_customer

    from .services import open_objects

    settings = _settings(config, data_dir)
    db = _database(settings)
    report = forget_customer(db, open_objects(settings), customer_number, "cli")
    typer.echo(json.dumps(report.as_dict(), indent=2))


@objects_app.command("new-key")
def objects_new_key(key_id: Annotated[str, typer.Argument(help="A name for the key, e.g. 2026-11")]) -> None:
    """Print a new encryption key line for the keyring (put it first to make it current)."""
    from storage.encryption import new_key_line

    typer.echo(new_key_line(key_id))


@objects_app.command("rekey")
def objects_rekey(data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """Rewrite every object of the local store under the keyring's current key (after a rotation)."""
    from rich.progress import track

    from storage.objects_local import LocalObjectStore

    from .services import open_objects

    settings = _settings(config, data_dir)
    try:
        objects = open_objects(settings)
    except ValueError as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    if not isinstance(objects, LocalObjectStore) or objects.keyring is None:
        typer.echo("callrec: rekey is for an encrypted local object folder (set an encryption key)", err=True)
        raise typer.Exit(2)
    keys = [o.key for o in objects.list("")]
    changed = sum(
        objects.rekey(key) for key in track(keys, description="rekey", disable=not sys.stderr.isatty())
    )
    typer.echo(f"{changed} of {len(keys)} object(s) rewritten under key {objects.keyring.current}")


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="The sign-in name")],
    role: Annotated[str, typer.Option(help="admin, compliance, manager or agent")],
    display_name: Annotated[str, typer.Option(help="The name shown in the desk")] = "",
    agent_id: Annotated[str, typer.Option(help="An agent user's telephony agent id")] = "",
    password_stdin: Annotated[bool, typer.Option(help="Read the password from standard input")] = False,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Add a user; the password is asked for (twice), or read from standard input."""
    from storage import audit
    from storage.users import UserError, create_user

    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else typer.prompt("password", hide_input=True, confirmation_prompt=True)
    )
    settings = _settings(config, data_dir)
    db = _database(settings)
    try:
        with db.session() as session:
            user = create_user(session, username, password, role, display_name, agent_id or None)
            audit.record(session, "cli", "user.create", user.username, {"role": user.role})
    except UserError as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"user {user.username} ({user.role}) created")


@users_app.command("list")
def users_list(data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    from storage.users import list_users

    settings = _settings(config, data_dir)
    db = _database(settings)
    with db.session() as session:
        for user in list_users(session):
            typer.echo(
                f"{user.username}\t{user.role}\t{'active' if user.active else 'disabled'}\t{user.display_name}"
            )


@users_app.command("disable")
def users_disable(username: str, data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """Disable a user; their sessions end at once."""
    from storage import audit
    from storage.users import UserError, disable_user

    settings = _settings(config, data_dir)
    db = _database(settings)
    try:
        with db.session() as session:
            disable_user(session, username)
            audit.record(session, "cli", "user.disable", username, {})
    except UserError as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"user {username} disabled")


@teams_app.command("set")
def teams_set(
    name: Annotated[str, typer.Argument(help="The team; created when new")],
    agent: Annotated[list[str] | None, typer.Option(help="An agent id in the team (repeat)")] = None,
    manager: Annotated[list[str] | None, typer.Option(help="A manager's username (repeat)")] = None,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Create a team or replace its agents and/or managers."""
    from storage import audit
    from storage.errors import StorageError
    from storage.teams import put_team

    db = _database(_settings(config, data_dir))
    try:
        with db.session() as session:
            team = put_team(session, name, agent, manager)
            audit.record(
                session,
                "cli",
                "team.set",
                name,
                {"agents": list(team.agents), "managers": list(team.managers)},
            )
    except StorageError as exc:
        typer.echo(f"callrec: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(
        f"team {team.name}: agents {', '.join(team.agents) or '-'}; managers {', '.join(team.managers) or '-'}"
    )


@teams_app.command("list")
def teams_list(data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    from storage.teams import list_teams

    db = _database(_settings(config, data_dir))
    with db.session() as session:
        for team in list_teams(session):
            typer.echo(
                f"{team.name}\tagents: {', '.join(team.agents) or '-'}\tmanagers: {', '.join(team.managers) or '-'}"
            )


def main() -> None:
    # Recordings, transcripts, the database and keys are for callrec's own user: files 0600, folders
    # 0700 (the default umask left them 0644 and 0755, readable by every account on the machine).
    os.umask(0o077)
    from storage.audit import AuditKeyMissing

    try:
        app()
    except AuditKeyMissing as exc:  # another machine's key, or none: say so rather than a traceback
        typer.echo(f"callrec: {exc}", err=True)
        raise SystemExit(2) from exc


if __name__ == "__main__":
    main()
