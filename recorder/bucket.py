"""The bucket drop: telephony writes recordings straight into the object store under `incoming/`;
callrec ingests each one that appears, then removes it from `incoming/`.

The audio is read once (to check and hash it) and never uploaded again: the call's object is made by a
copy inside the store (S3's server-side copy, a byte copy in a folder). Restart-safe the same way as the
folder watcher: the incoming object is removed only after the call is stored, and a re-seen object is
recognised by its (source, external_id). Refused objects move to `incoming-failed/` with a
`.reason.txt` beside them. MinIO's bucket notifications wake the scan at once where the server has
them; the periodic scan catches everything else (and whatever arrived while callrec was down).
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from pydantic import ValidationError

from storage.errors import InvalidObjectKey, StorageError
from storage.objects import ListedObject, validate_key

from .errors import IngestError, InvalidMetadata
from .filenames import FilenamePattern
from .folder_watch import AUDIO_SUFFIXES, WatchOutcome
from .ingest import Ingestor
from .metadata import CallMetadata
from .settings import WatchSettings
from .sidecars import merge_metadata

INCOMING = "incoming/"
REFUSED = "incoming-failed/"
MAX_SIDECAR_BYTES = 64 * 1024

log = logging.getLogger(__name__)


class BucketDrop:
    def __init__(
        self, ingestor: Ingestor, settings: WatchSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ingestor = ingestor
        self.objects = ingestor.objects
        self.settings = settings
        self.pattern = FilenamePattern(settings.pattern, settings.timezone, settings.max_extension_digits)
        self.clock = clock
        self._seen: dict[str, tuple[str, float]] = {}  # key -> (version, first seen unchanged)
        self.wake = threading.Event()
        self._unusable: set[str] = set()

    def scan(self) -> list[WatchOutcome]:
        listed = self.objects.list(INCOMING)
        sidecars = {o.key.removesuffix(".json"): o for o in listed if o.key.endswith(".json")}
        outcomes = []
        now = self.clock()
        for obj in listed:
            if PurePosixPath(obj.key).suffix.lower() not in AUDIO_SUFFIXES or not self._is_settled(obj, now):
                continue
            if not self._is_usable_key(obj.key):
                continue
            sidecar = sidecars.get(str(PurePosixPath(obj.key).with_suffix("")))
            outcomes.append(self.process(obj, sidecar))
        present = {o.key for o in listed}
        self._seen = {k: v for k, v in self._seen.items() if k in present}
        return outcomes

    def _is_usable_key(self, key: str) -> bool:
        try:
            validate_key(key)
        except InvalidObjectKey:
            if key not in self._unusable:
                self._unusable.add(key)
                log.warning("bucket drop: skipping %r: use letters, digits, . _ - / in object names", key)
            return False
        return True

    def _is_settled(self, obj: ListedObject, now: float) -> bool:
        """S3 shows an object only once it is whole; a folder store may show one mid-write, so either way
        an object counts once it has stayed the same for settle_s."""
        seen = self._seen.get(obj.key)
        if seen is None or seen[0] != obj.version:
            self._seen[obj.key] = (obj.version, now)
            return self.settings.settle_s <= 0
        return now - seen[1] >= self.settings.settle_s

    def process(self, obj: ListedObject, sidecar: ListedObject | None) -> WatchOutcome:
        name = obj.key.removeprefix(INCOMING)
        try:
            metadata = self.metadata(obj, sidecar)
            existing = self.ingestor.existing_call(metadata)
            if existing is not None:  # stored before a crash or a re-upload: only the cleanup is left
                self._remove(obj, sidecar)
                return WatchOutcome(name, "done", existing.id, "existing")
            with self.ingestor.spool(PurePosixPath(obj.key).name) as spool:
                for chunk in self.objects.open(obj.key):
                    spool.write(chunk)
                result = self.ingestor.ingest(spool.finish(), metadata, stored_at=obj.key)
        except IngestError as exc:
            self._refuse(obj, sidecar, f"{exc.code}: {exc}")
            return WatchOutcome(name, "failed", None, str(exc))
        except StorageError as exc:  # the store or database is unreachable: try again next pass
            log.warning("bucket drop: will retry", extra={"object": obj.key, "error": str(exc)})
            return WatchOutcome(name, "retry", None, str(exc))
        self._remove(obj, sidecar)
        log.info("bucket drop ingested", extra={"object": obj.key, "call_id": result.call.id})
        return WatchOutcome(name, "done", result.call.id, "created" if result.created else "existing")

    def metadata(self, obj: ListedObject, sidecar: ListedObject | None) -> CallMetadata:
        from_name = self.pattern.parse(PurePosixPath(obj.key).stem)
        from_sidecar: dict[str, Any] = {}
        if sidecar is not None:
            raw = b"".join(self.objects.open(sidecar.key, 0, MAX_SIDECAR_BYTES - 1))
            try:
                from_sidecar = json.loads(raw)
                assert isinstance(from_sidecar, dict)
            except (ValueError, AssertionError) as exc:
                raise InvalidMetadata(f"sidecar {sidecar.key} is not a JSON object") from exc
        fields = merge_metadata({"source": self.settings.source}, from_name, from_sidecar)
        # Nothing names the call: the object's key and version do, so a re-seen object is one call.
        fields.setdefault("external_id", f"{obj.key}@{obj.version}"[:255])
        try:
            return CallMetadata.model_validate(fields)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise InvalidMetadata(f"invalid metadata for {obj.key}: {problems}") from exc

    def _remove(self, obj: ListedObject, sidecar: ListedObject | None) -> None:
        self.objects.delete(obj.key)
        if sidecar is not None:
            self.objects.delete(sidecar.key)

    def _refuse(self, obj: ListedObject, sidecar: ListedObject | None, reason: str) -> None:
        for item in (obj, sidecar):
            if item is not None:
                self.objects.copy(item.key, REFUSED + item.key.removeprefix(INCOMING))
        note = REFUSED + str(PurePosixPath(obj.key.removeprefix(INCOMING)).with_suffix(".reason.txt"))
        self.objects.put(note, io.BytesIO((reason + "\n").encode()), content_type="text/plain")
        self._remove(obj, sidecar)
        log.warning("bucket drop refused", extra={"object": obj.key, "reason": reason})

    def run(self, stop: threading.Event, report: Callable[[WatchOutcome], None] | None = None) -> None:
        """Scan every poll_s, or at once when a notification wakes the loop, until `stop` is set."""
        while not stop.is_set():
            try:
                for outcome in self.scan():
                    if report is not None:
                        report(outcome)
            except StorageError as exc:
                log.warning("bucket drop scan failed: %s", exc)
            self.wake.wait(self.settings.poll_s)
            self.wake.clear()

    def listen(self, stop: threading.Event) -> None:
        """Wake the scan on MinIO's bucket notifications; returns quietly where the server has none."""
        listen = getattr(self.objects, "listen", None)
        if listen is None:
            return
        try:
            for _ in listen(INCOMING):
                if stop.is_set():
                    return
                self.wake.set()
        except Exception as exc:  # S3 proper and other servers do not offer MinIO's listen API
            log.info("no bucket notifications (%s); polling every %s s", exc, self.settings.poll_s)
