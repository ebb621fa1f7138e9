"""The redaction step of a job: find personal data in the transcript, replace it there, cover it in the
audio, and keep the unredacted originals only when settings say so.

Runs before save and index, so the database and the search index only ever hold redacted text.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from storage.objects import ObjectStore
from storage.records import Call, Transcript

from ..formats import to_json
from ..settings import TranscribeSettings
from .audio import redact_audio
from .pii import Span, find_pii, redact, summarise

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Redaction:
    transcript: Transcript  # what gets saved and indexed
    summary: dict[str, Any] | None  # None: redaction is off
    audio: dict[str, Any] | None = None  # the call's new audio fields when the recording was covered
    original_audio_key: str | None = None  # set: where the unredacted audio is kept ("" = not kept)
    replaced_audio_key: str | None = None  # the recording to delete once the redacted one is recorded


def redact_call(
    settings: TranscribeSettings, objects: ObjectStore, call: Call, transcript: Transcript
) -> Redaction:
    if not settings.redaction:
        return Redaction(transcript, None)
    spans = find_pii(transcript)
    summary: dict[str, Any] = {"found": summarise(spans), "audio": "none", "windows": []}
    if not spans:
        return Redaction(transcript, summary)
    redacted = redact(transcript, spans)
    folder = PurePosixPath(call.audio_key).parent
    if settings.keep_original:
        key = str(folder / "original-transcript.json")
        objects.put(
            key, io.BytesIO(json.dumps(to_json(transcript), ensure_ascii=False).encode()), "application/json"
        )
        summary["original_transcript_key"] = key
    if settings.redaction_audio == "off" or not call.has_audio:
        return Redaction(redacted, summary)
    audio, windows = _cover_audio(settings, objects, call, spans, str(folder / "redacted.wav"))
    summary.update(audio=settings.redaction_audio, windows=[[round(s, 3), round(e, 3)] for s, e in windows])
    original = call.original_audio_key or call.audio_key
    keep = settings.keep_original
    return Redaction(
        redacted,
        summary,
        audio,
        original_audio_key=original if keep else "",
        replaced_audio_key=None if keep or call.audio_key == audio["key"] else call.audio_key,
    )


def _cover_audio(
    settings: TranscribeSettings, objects: ObjectStore, call: Call, spans: list[Span], key: str
) -> tuple[dict[str, Any], list[tuple[float, float]]]:
    with tempfile.TemporaryDirectory(prefix="callrec-redact-") as directory:
        source, out = Path(directory) / "source", Path(directory) / "redacted.wav"
        with open(source, "wb") as handle:
            for chunk in objects.open(call.audio_key):
                handle.write(chunk)
        windows = redact_audio(
            source,
            [(s.start, s.end) for s in spans],
            out,
            call.channels,
            call.sample_rate,
            settings.redaction_audio,
        )
        digest = hashlib.sha256(out.read_bytes()).hexdigest()
        with open(out, "rb") as handle:
            stored = objects.put(key, handle, content_type="audio/wav", sha256=digest)
    log.info("audio redacted", extra={"call_id": call.id, "windows": len(windows)})
    return {"key": key, "sha256": stored.sha256, "size": stored.size, "format": "wav/pcm_s16le"}, windows
