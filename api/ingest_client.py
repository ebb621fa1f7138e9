"""`callrec ingest`: post recordings to a running callrec server, with a progress bar."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

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
    with open(path, "rb") as audio:
        response = client.post(
            "/v1/calls", files={"audio": (path.name, audio)}, data={"metadata": json.dumps(metadata)}
        )
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text[:200]}
    return IngestOutcome(
        path, response.status_code, body.get("id"), body.get("detail") or body.get("status", "")
    )


def post_each(
    url: str,
    key: str,
    files: list[Path],
    label: str,
    post: Callable[[httpx.Client, Path], IngestOutcome],
    show_progress: bool = True,
) -> list[IngestOutcome]:
    """Post each file with `post`, one after another, behind a progress bar; an unreachable server is an
    outcome of its own, so one bad file never stops the batch."""
    outcomes = []
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
        for path in files:
            progress.update(task, description=path.name)
            try:
                outcomes.append(post(client, path))
            except httpx.HTTPError as exc:
                outcomes.append(IngestOutcome(path, 0, None, f"could not reach {url}: {exc}"))
            progress.advance(task)
    return outcomes


def ingest_paths(
    url: str, key: str, paths: list[Path], metadata: dict, show_progress: bool = True
) -> list[IngestOutcome]:
    return post_each(
        url,
        key,
        find_recordings(paths),
        "ingest",
        lambda client, path: post_recording(client, path, metadata),
        show_progress,
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
