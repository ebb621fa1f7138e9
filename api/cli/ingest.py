"""Posting recordings: `ingest` (a file, a folder, a CSV backfill) and the recorder loops (folder watch, bucket drop)."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from .common import (
    ConfigOption,
    _settings,
    app,
    recorder_app,
    run_batch,
    server_and_key,
)


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

    from ..ingest_client import ingest_paths

    url, key = server_and_key(config, url, key)
    try:
        extra = json.loads(metadata)
        assert isinstance(extra, dict)
    except (ValueError, AssertionError) as exc:
        typer.echo("callrec: --metadata must be a JSON object", err=True)
        raise typer.Exit(2) from exc
    try:
        outcomes = run_batch(
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

    from recorder.folder_watch import FolderWatcher, WatchOutcome
    from recorder.upload_client import post_call

    from ..logs import configure_logging

    settings = _settings(config)
    configure_logging(settings.api.log_level)
    updates = {"pattern": pattern, "source": source, "cdr_csv": str(cdr) if cdr else None}
    watch = settings.watch.model_copy(update={k: v for k, v in updates.items() if v is not None})
    url, key = server_and_key(config, url, key)
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

    from ..logs import configure_logging
    from ..services import build_services

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
