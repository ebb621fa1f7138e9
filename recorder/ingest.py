"""Ingestion: validate, probe, store, record, enqueue. A call is either stored and queued, or refused."""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import Any

from storage import calls as call_records
from storage.database import Database
from storage.lifecycle import delete_call_data
from storage.objects import ObjectStore
from storage.records import Call, NewCall

from .errors import EmptyUpload, UploadTooLarge
from .metadata import CallMetadata
from .probe import probe_audio
from .queue import CallQueue, QueueUnavailable
from .settings import RecorderSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SpooledUpload:
    """An upload written to a local temporary file, with its size and checksum."""

    path: Path
    filename: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class IngestResult:
    call: Call
    created: bool


class Ingestor:
    def __init__(
        self, db: Database, objects: ObjectStore, queue: CallQueue, settings: RecorderSettings
    ) -> None:
        self.db = db
        self.objects = objects
        self.queue = queue
        self.settings = settings

    @property
    def max_bytes(self) -> int:
        return self.settings.max_upload_mb * 1024 * 1024

    @contextmanager
    def spool(self, filename: str) -> Iterator[Spool]:
        """A temporary file that counts, hashes and enforces the size limit as bytes arrive."""
        directory = tempfile.mkdtemp(prefix="callrec-upload-")
        spool = Spool(Path(directory) / "upload", filename, self.max_bytes)
        try:
            yield spool
        finally:
            spool.close()
            shutil.rmtree(directory, ignore_errors=True)

    def existing_call(self, metadata: CallMetadata) -> Call | None:
        if metadata.external_id is None:
            return None
        with self.db.session() as session:
            return call_records.find_by_external_id(session, metadata.source, metadata.external_id)

    def ingest(
        self, upload: SpooledUpload, metadata: CallMetadata, stored_at: str | None = None
    ) -> IngestResult:
        """Store, record and queue one call. `stored_at`: the audio is already an object in the store
        (a bucket drop); it is copied inside the store rather than uploaded again."""
        existing = self.existing_call(metadata)
        if existing is not None:
            return IngestResult(existing, created=False)
        if upload.size == 0:
            raise EmptyUpload("the audio file is empty")
        info = probe_audio(upload.path, self.settings.max_duration_s)
        roles = metadata.channel_roles or self.settings.roles_for(metadata.source)
        call_id = call_records.new_call_id()
        suffix = PurePath(upload.filename).suffix.lower()[:8] if upload.filename else ""
        key = f"calls/{datetime.now(UTC):%Y/%m/%d}/{call_id}/original{suffix if suffix.isascii() else ''}"
        if stored_at is not None:
            self.objects.copy(stored_at, key)
        else:
            with open(upload.path, "rb") as stream:
                self.objects.put(key, stream, content_type=_content_type(info.format), sha256=upload.sha256)
        new = new_call(
            metadata,
            roles,
            audio_key=key,
            audio_sha256=upload.sha256,
            audio_size=upload.size,
            audio_filename=(upload.filename or "")[:255],
            audio_format=info.format,
            duration=info.duration,
            channels=info.channels,
            sample_rate=info.sample_rate,
        )
        try:
            with self.db.session() as session:
                call, created = call_records.create_call(session, call_id, new)
        except BaseException:
            self.objects.delete(key)  # no orphan object when the row cannot be written
            raise
        if not created:  # lost a race with the same (source, external_id): keep the first
            self.objects.delete(key)
            return IngestResult(call, created=False)
        try:
            self.queue.enqueue_call(call.id)
        except QueueUnavailable:
            # Stored and marked queued: the worker's reconciler enqueues it once Redis is back.
            log.warning("queue unavailable; call %s stored and left for the reconciler", call.id)
            with self.db.session() as session:
                call_records.mark_queued(session, call.id, stage="waiting_for_queue")
        log.info(
            "ingested call", extra={"call_id": call.id, "duration": info.duration, "format": info.format}
        )
        return IngestResult(call, created=True)

    def register_without_audio(
        self,
        metadata: CallMetadata,
        duration: float,
        medium: str = "call",
        contact_meta: dict[str, Any] | None = None,
    ) -> IngestResult:
        """A call whose transcript comes from elsewhere (a migration), or a written contact (a chat, an
        e-mail thread): recorded, never queued."""
        existing = self.existing_call(metadata)
        if existing is not None:
            return IngestResult(existing, created=False)
        new = new_call(
            metadata,
            metadata.channel_roles or [],
            audio_key="",
            audio_sha256="",
            audio_size=0,
            audio_filename="",
            audio_format="none",
            duration=duration,
            channels=0,
            sample_rate=0,
            medium=medium,
            contact_meta=contact_meta,
        )
        with self.db.session() as session:
            call, created = call_records.create_call(session, call_records.new_call_id(), new)
            if created:
                call_records.mark_queued(session, call.id, stage="awaiting_transcript")
                call = call_records.get_call(session, call.id)
        return IngestResult(call, created)

    def retry(self, call_id: str) -> Call | None:
        """Queue a failed call again; None when it is not failed (any more: another retry won)."""
        with self.db.session() as session:
            if not call_records.requeue_failed(session, call_id):
                return None
            call = call_records.get_call(session, call_id)
        self.queue.enqueue_call(call_id)
        return call

    def delete(self, call_id: str, actor: str, origin: str = "") -> None:
        """Delete the call everywhere (refused under a legal hold), and its queued job."""
        delete_call_data(self.db, self.objects, call_id, actor, "deleted by request", origin)
        self.queue.cancel(call_id)


class Spool:
    def __init__(self, path: Path, filename: str, max_bytes: int) -> None:
        self.path = path
        self.filename = filename
        self.max_bytes = max_bytes
        self._hash = hashlib.sha256()
        self.size = 0
        self._file = open(path, "wb")

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise UploadTooLarge(f"the audio file is larger than the limit of {self.max_bytes // 2**20} MiB")
        self._hash.update(chunk)
        self._file.write(chunk)

    async def write_all(self, chunks: AsyncIterator[bytes]) -> None:
        async for chunk in chunks:
            self.write(chunk)

    def close(self) -> None:
        self._file.close()

    def finish(self) -> SpooledUpload:
        self._file.close()
        return SpooledUpload(self.path, self.filename, self.size, self._hash.hexdigest())


def new_call(metadata: CallMetadata, roles: Sequence[str], **audio: Any) -> NewCall:
    """The record of a call: the sender's metadata, the channel roles decided, and the audio facts."""
    return NewCall(
        source=metadata.source,
        external_id=metadata.external_id,
        direction=metadata.direction,
        agent_id=metadata.agent_id,
        customer_number=metadata.customer_number,
        started_at=metadata.started_at,
        channel_roles=tuple(roles),
        language_hint=metadata.language,
        extra=metadata.extra,
        **audio,
    )


def _content_type(audio_format: str) -> str:
    container = audio_format.split("/")[0]
    return {
        "wav": "audio/wav",
        "mp3": "audio/mpeg",
        "ogg": "audio/ogg",
        "flac": "audio/flac",
        "mov": "audio/mp4",
        "mp4": "audio/mp4",
        "matroska": "audio/webm",
        "aac": "audio/aac",
    }.get(container, "application/octet-stream")
