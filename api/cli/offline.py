"""Work on files without a server: transcribe one recording, import transcripts made elsewhere."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from .common import (
    ConfigOption,
    _settings,
    app,
    run_batch,
    server_and_key,
)


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
    from transcribe.recognition import CallOptions, Timings, transcribe_audio
    from transcribe.weights import ModelUnavailable
    from transcribe.worker import speaker_models

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


@app.command("import")
def import_transcripts(
    paths: Annotated[list[Path], typer.Argument(help="Transcript JSON files or folders of them")],
    url: Annotated[str | None, typer.Option(envvar="CALLREC_API_URL", help="The callrec server")] = None,
    key: Annotated[str | None, typer.Option(envvar="CALLREC_API_KEY", help="An admin key")] = None,
    config: ConfigOption = None,
) -> None:
    """Import transcripts made elsewhere (the transcript JSON, plus an optional "call" metadata object)."""
    from ..ingest_client import import_paths

    url, key = server_and_key(config, url, key)
    outcomes = run_batch(lambda: import_paths(url, key, paths, show_progress=sys.stderr.isatty()))
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
