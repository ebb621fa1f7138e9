"""`callrec ingest`: post recordings to a running callrec server, with a progress bar."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from recorder.backfill import read_manifest
from recorder.sidecars import merge_metadata
from recorder.upload_client import find_call, post_call

AUDIO_SUFFIXES = {".wav", ".mp3", ".ogg", ".opus", ".flac", ".m4a", ".aac", ".gsm", ".webm", ".mp4"}


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    path: Path
    status: int
    call_id: str | None
    detail: str


def find_recordings(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
            )
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path} does not exist")
    return found


def post_recording(client: httpx.Client, path: Path, metadata: dict) -> IngestOutcome:
    # external_id defaults to the file's path so running ingest twice never duplicates a call.
    metadata = {"external_id": str(path.resolve()), "source": "ingest", **metadata}
    if not path.is_file():
        return IngestOutcome(path, 0, None, "no such file")
    # Resuming a batch: a call stored by an earlier run is recognised without uploading it again.
    existing = find_call(client, metadata["source"], metadata["external_id"])
    if existing is not None:
        return IngestOutcome(path, 200, existing, "existing")
    delivery = post_call(client, path, metadata)
    return IngestOutcome(path, delivery.status, delivery.call_id, delivery.detail)


def post_each(
    url: str,
    key: str,
    files: list[Path],
    label: str,
    post: Callable[[httpx.Client, Path], IngestOutcome],
    show_progress: bool = True,
    jobs: int = 1,
) -> list[IngestOutcome]:
    """Post each file with `post`, `jobs` at a time, behind a progress bar; an unreachable server is an
    outcome of its own, so one bad file never stops the batch. Outcomes come back in file order."""
    headers = {"Authorization": f"Bearer {key}"}
    with (
        httpx.Client(base_url=url, headers=headers, timeout=httpx.Timeout(300, connect=10)) as client,
        Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.description}"),
            disable=not show_progress,
        ) as progress,
    ):
        task = progress.add_task("", total=len(files))

        def post_one(path: Path) -> IngestOutcome:
            try:
                return post(client, path)
            except httpx.HTTPError as exc:
                return IngestOutcome(path, 0, None, f"could not reach {url}: {exc}")

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            outcomes = []
            for outcome in pool.map(post_one, files):
                outcomes.append(outcome)
                progress.update(task, description=outcome.path.name)
                progress.advance(task)
    return outcomes


def ingest_paths(
    url: str,
    key: str,
    paths: list[Path],
    metadata: dict,
    show_progress: bool = True,
    manifest: Path | None = None,
    jobs: int = 1,
) -> list[IngestOutcome]:
    """Post recordings: every audio file under `paths`, or, with a manifest CSV, the files it lists (relative
    to the first path) with each row's metadata over `metadata`."""
    if manifest is None:
        files = find_recordings(paths)
        per_file: dict[Path, dict] = {}
    else:
        rows = read_manifest(manifest, paths[0] if paths else manifest.parent)
        files = [row.path for row in rows]
        per_file = {row.path: row.metadata for row in rows}
    return post_each(
        url,
        key,
        files,
        "ingest",
        lambda client, path: post_recording(client, path, merge_metadata(metadata, per_file.get(path, {}))),
        show_progress,
        jobs,
    )


def import_transcript(client: httpx.Client, path: Path) -> IngestOutcome:
    """One transcript JSON file: the transcript schema, plus an optional "call" object of metadata."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict):
            raise ValueError("the file must hold a JSON object")
    except (ValueError, UnicodeDecodeError) as exc:
        return IngestOutcome(path, 0, None, f"not a transcript JSON file: {exc}")
    call = {"external_id": path.stem, "source": "import", **document.pop("call", {})}
    call.setdefault("duration", document.get("duration", 0))
    created = client.post("/v1/calls", json=call)
    if created.status_code not in (200, 201):
        return IngestOutcome(
            path, created.status_code, None, created.json().get("detail", created.text[:200])
        )
    call_id = created.json()["id"]
    stored = client.put(f"/v1/calls/{call_id}/transcript", json=document)
    if stored.status_code != 200:
        return IngestOutcome(
            path, stored.status_code, call_id, stored.json().get("detail", stored.text[:200])
        )
    return IngestOutcome(path, created.status_code, call_id, "imported")


def import_paths(url: str, key: str, paths: list[Path], show_progress: bool = True) -> list[IngestOutcome]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.rglob("*.json")))
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"{path} does not exist")
    return post_each(url, key, files, "import", import_transcript, show_progress)
