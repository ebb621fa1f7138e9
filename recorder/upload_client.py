"""Posting a recording to the callrec API: shared by the folder watcher, bucket-less PBX hooks and the
bulk backfill. The outcome says whether to move on, give the file up, or try again later."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

# Statuses that say something about the sender (key, rate), not the recording: keep the file, retry.
_RETRYABLE_4XX = {401, 403, 408, 409, 423, 429}


@dataclass(frozen=True, slots=True)
class Delivery:
    status: int  # HTTP status; 0 when the server could not be reached
    call_id: str | None
    detail: str

    @property
    def is_stored(self) -> bool:
        return self.status in (200, 201)

    @property
    def is_refused(self) -> bool:
        """The server refused the recording itself (bad audio, bad metadata): retrying cannot help."""
        return 400 <= self.status < 500 and self.status not in _RETRYABLE_4XX


def post_call(
    client: httpx.Client, audio: Path, metadata: dict[str, Any], filename: str | None = None
) -> Delivery:
    """POST /v1/calls with the audio file and its metadata; never raises for HTTP-level trouble."""
    try:
        with open(audio, "rb") as stream:
            response = client.post(
                "/v1/calls",
                files={"audio": (filename or audio.name, stream)},
                data={"metadata": json.dumps(metadata, ensure_ascii=False)},
            )
    except httpx.HTTPError as exc:
        return Delivery(0, None, f"could not reach {client.base_url}: {exc}")
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text[:200]}
    if not isinstance(body, dict):
        body = {"detail": str(body)[:200]}
    return Delivery(response.status_code, body.get("id"), str(body.get("detail") or body.get("status", "")))


def find_call(client: httpx.Client, source: str, external_id: str) -> str | None:
    """The id of the call already stored under (source, external_id), so a resumed batch need not upload
    the audio again to learn that; None when there is none (or the server cannot say)."""
    try:
        response = client.get("/v1/calls", params={"source": source, "external_id": external_id, "limit": 1})
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    calls = response.json().get("items") or []
    return str(calls[0]["id"]) if calls else None
