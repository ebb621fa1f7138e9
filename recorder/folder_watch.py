"""The folder watcher: picks up finished recordings a PBX drops into a folder, posts each through the
ingestion API, then moves it to done/ or failed/ (with the reason).

Restart-safe without a state file: a recording stays in the folder until the API has stored it, and the
same recording always posts under the same (source, external_id), so one posted just before a crash
comes back as the existing call (200) on the next pass and is moved, never duplicated.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import struct
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import IngestError
from .filenames import FilenamePattern
from .legs import join_legs, leg_base
from .metadata import CallMetadata
from .settings import WatchSettings
from .sidecars import CdrIndex, merge_metadata, read_sidecar
from .upload_client import Delivery

AUDIO_SUFFIXES = {".wav", ".mp3", ".ogg", ".opus", ".flac", ".m4a", ".aac", ".gsm", ".webm", ".mp4"}
DONE, FAILED = "done", "failed"

log = logging.getLogger(__name__)
Deliver = Callable[[Path, dict[str, Any], str], Delivery]


@dataclass
class Recording:
    """One call's files in the folder: a recording, or two legs (and maybe their mix), and a sidecar."""

    name: str  # path relative to the root, without suffix or leg: the call's identity in the folder
    audio: list[Path] = field(default_factory=list)
    legs: dict[str, Path] = field(default_factory=dict)  # "-in" / "-out" -> path
    sidecar: Path | None = None

    @property
    def files(self) -> list[Path]:
        return [*self.audio, *self.legs.values(), *([self.sidecar] if self.sidecar else [])]


@dataclass(frozen=True, slots=True)
class WatchOutcome:
    name: str
    action: str  # "done", "failed" or "retry"
    call_id: str | None
    detail: str


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float


class FolderWatcher:
    def __init__(
        self,
        root: Path,
        deliver: Deliver,
        settings: WatchSettings,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = root.resolve()
        self.deliver = deliver
        self.settings = settings
        self.pattern = FilenamePattern(settings.pattern, settings.timezone, settings.max_extension_digits)
        self.cdr = CdrIndex(Path(settings.cdr_csv), settings.timezone) if settings.cdr_csv else None
        self.clock = clock
        self._seen: dict[Path, _Seen] = {}
        self._retry_at: dict[str, tuple[float, int]] = {}  # name -> (next try, failures so far)
        self._links_refused: set[Path] = set()

    # --- finding finished recordings -------------------------------------------------------------------

    def recordings(self) -> list[Recording]:
        found: dict[str, Recording] = {}
        sidecars: dict[str, Path] = {}
        for path in self._files():
            relative = path.relative_to(self.root)
            suffix = path.suffix.lower()
            if suffix == ".json":
                sidecars[str(relative.with_suffix(""))] = path
            elif suffix in AUDIO_SUFFIXES:
                leg = leg_base(path)
                if leg:
                    name = str(relative.parent / leg[0])
                    found.setdefault(name, Recording(name)).legs[leg[1]] = path
                else:
                    name = str(relative.with_suffix(""))
                    found.setdefault(name, Recording(name)).audio.append(path)
        for name, recording in found.items():
            recording.sidecar = sidecars.get(name)
        return list(found.values())

    def _files(self) -> list[Path]:
        """Files under the root, leaving out done/ and failed/ (which only grow), hidden entries (a
        writer's temporary files) and symbolic links. Linked folders are not entered (os.walk)."""
        files: list[Path] = []
        for directory, subdirectories, names in os.walk(self.root):
            at_root = Path(directory) == self.root
            subdirectories[:] = sorted(
                d for d in subdirectories if not d.startswith(".") and not (at_root and d in (DONE, FAILED))
            )
            for name in sorted(names):
                path = Path(directory) / name
                if name.startswith("."):
                    continue
                if path.is_symlink():
                    # A link could point at any file this process may read, and be retargeted later.
                    if path not in self._links_refused:
                        self._links_refused.add(path)
                        log.warning("symbolic link refused, not ingested", extra={"path": str(path)})
                    continue
                files.append(path)
        return files

    def is_ready(self, recording: Recording) -> bool:
        now = self.clock()
        ready = all([self._is_complete(path, now) for path in recording.files])  # look at every file
        if ready and len(recording.legs) == 1:  # the other leg may still be about to appear
            (leg,) = recording.legs.values()
            ready = now - self._seen[leg].since >= self.settings.lone_leg_wait_s
        return ready

    def _is_complete(self, path: Path, now: float) -> bool:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return False
        seen = self._seen.get(path)
        if seen is None or (seen.size, seen.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
            self._seen[path] = _Seen(stat.st_size, stat.st_mtime_ns, now)
            return False
        unchanged = now - seen.since
        if unchanged < self.settings.settle_s:
            return False
        if path.suffix.lower() == ".wav" and wav_header_complete(path) is False:
            return unchanged >= self.settings.open_wav_grace_s
        return True

    # --- one pass --------------------------------------------------------------------------------------

    def scan(self) -> list[WatchOutcome]:
        """Deliver every recording that is complete and not waiting for a retry."""
        outcomes = []
        now = self.clock()
        recordings = self.recordings()
        present = {path for recording in recordings for path in recording.files}
        self._seen = {path: seen for path, seen in self._seen.items() if path in present}
        for recording in recordings:
            retry_at = self._retry_at.get(recording.name)
            if retry_at and retry_at[0] > now:
                continue
            if not self.is_ready(recording):
                continue
            outcome = self.process(recording)
            outcomes.append(outcome)
            if outcome.action == "retry":
                failures = (retry_at[1] if retry_at else 0) + 1
                delay = min(self.settings.poll_s * 2**failures, 300.0)
                self._retry_at[recording.name] = (self.clock() + delay, failures)
            else:
                self._retry_at.pop(recording.name, None)
                for path in recording.files:
                    self._seen.pop(path, None)
        return outcomes

    def pending(self) -> int:
        return len(self.recordings())

    def process(self, recording: Recording) -> WatchOutcome:
        try:
            metadata = self.metadata(recording)
        except IngestError as exc:
            return self._give_up(recording, None, str(exc))
        with tempfile.TemporaryDirectory(prefix="callrec-watch-") as scratch:
            try:
                audio, filename = self._audio(recording, Path(scratch))
            except IngestError as exc:
                return self._give_up(recording, None, str(exc))
            delivery = self.deliver(audio, metadata, filename)
        if delivery.is_stored:
            self._move(recording, DONE)
            log.info("recording ingested", extra={"recording": recording.name, "call_id": delivery.call_id})
            return WatchOutcome(recording.name, "done", delivery.call_id, delivery.detail)
        if delivery.is_refused:
            return self._give_up(recording, delivery.status, delivery.detail)
        log.warning(
            "recording not delivered, will retry",
            extra={"recording": recording.name, "status": delivery.status, "detail": delivery.detail},
        )
        return WatchOutcome(recording.name, "retry", None, f"{delivery.status}: {delivery.detail}")

    def metadata(self, recording: Recording) -> dict[str, Any]:
        stem = Path(recording.name).name
        from_name = self.pattern.parse(stem)
        uniqueid = from_name.get("extra", {}).get("uniqueid") or from_name.get("external_id")
        from_cdr = self.cdr.lookup(uniqueid) if self.cdr else {}
        from_sidecar = read_sidecar(recording.sidecar) if recording.sidecar else {}
        metadata = merge_metadata({"source": self.settings.source}, from_cdr, from_name, from_sidecar)
        if not metadata.get("external_id"):
            # Nothing names the call: its content does, so a re-delivered file is recognised.
            metadata["external_id"] = "sha256:" + content_hash(
                sorted(recording.legs.values()) or recording.audio
            )
        if recording.legs and len(recording.legs) == 2 and "channel_roles" not in from_sidecar:
            roles = self.settings.leg_roles
            metadata["channel_roles"] = roles.get(metadata.get("direction") or "unknown") or roles["unknown"]
        try:
            CallMetadata.model_validate(metadata)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise IngestError(f"invalid metadata for {recording.name}: {problems}") from exc
        return metadata

    def _audio(self, recording: Recording, scratch: Path) -> tuple[Path, str]:
        """The file to post: the two legs joined into one stereo file, else the recording itself."""
        stem = Path(recording.name).name
        if len(recording.legs) == 2:
            joined = join_legs(recording.legs["-in"], recording.legs["-out"], scratch / f"{stem}.wav")
            return joined, f"{stem}.wav"
        if recording.audio:
            return recording.audio[0], recording.audio[0].name
        (leg,) = recording.legs.values()
        return leg, leg.name

    # --- done/ and failed/ -----------------------------------------------------------------------------

    def _give_up(self, recording: Recording, status: int | None, reason: str) -> WatchOutcome:
        target = self._move(recording, FAILED)
        note = f"HTTP {status}: {reason}\n" if status else f"{reason}\n"
        target.with_name(Path(recording.name).name + ".reason.txt").write_text(note, encoding="utf-8")
        log.warning("recording refused", extra={"recording": recording.name, "reason": reason})
        return WatchOutcome(recording.name, "failed", None, reason)

    def _move(self, recording: Recording, bucket: str) -> Path:
        """Move the recording's files under done/ or failed/, keeping their folders; returns the target
        of the first file."""
        moved = []
        for path in recording.files:
            target = self.root / bucket / path.relative_to(self.root)
            target.parent.mkdir(parents=True, exist_ok=True)
            counter = 1
            while target.exists():  # the same name delivered twice: keep both
                target = target.with_name(f"{path.stem}.{counter}{path.suffix}")
                counter += 1
            shutil.move(path, target)
            moved.append(target)
        return moved[0]

    def run(
        self,
        stop: threading.Event,
        once: bool = False,
        report: Callable[[WatchOutcome], None] | None = None,
    ) -> None:
        """Scan every poll_s until `stop` is set; with `once`, until nothing is left waiting."""
        while not stop.is_set():
            for outcome in self.scan():
                if report is not None:
                    report(outcome)
            if once and not self.pending():
                return
            stop.wait(self.settings.poll_s)


def content_hash(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def wav_header_complete(path: Path) -> bool | None:
    """Whether a RIFF/WAVE file's header agrees with its length; None when it is not a WAV at all.
    Asterisk and most writers put placeholder sizes in the header and fix them when the file is closed."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        (riff_size,) = struct.unpack("<I", head[4:8])
        if riff_size + 8 != size:
            return False
        while True:  # walk the chunks to the data chunk
            chunk = handle.read(8)
            if len(chunk) < 8:
                return False
            kind, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if kind == b"data":
                return handle.tell() + length <= size
            handle.seek(length + (length & 1), 1)
