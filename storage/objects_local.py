"""Object store on a local folder: atomic writes, so a reader never sees half an object."""

from __future__ import annotations

import io
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .encryption import EncryptedFile, EncryptionError, Keyring, encrypt_stream
from .errors import ChecksumMismatch, InvalidObjectKey, ObjectNotFound, ObjectStoreUnavailable
from .objects import CHUNK_SIZE, HashingReader, ListedObject, StoredObject, validate_key


class LocalObjectStore:
    """With a keyring, objects are written encrypted (storage/encryption.py); objects written before
    encryption was turned on stay readable as they are."""

    def __init__(self, root: str | Path, keyring: Keyring | None = None) -> None:
        Path(root).mkdir(parents=True, exist_ok=True)
        # The root may itself be a link (a data folder on another volume); nothing below it may.
        self.root = Path(os.path.realpath(root))
        self.keyring = keyring

    def _path(self, key: str) -> Path:
        path = self.root / validate_key(key)
        # A link below the root (a dropped symlink, a folder swapped for one) could point at any file
        # on the host, and be retargeted later: objects are plain files in plain folders.
        if os.path.realpath(path) != str(path):
            raise InvalidObjectKey(f"object {key} is a symbolic link (or lies under one): links are refused")
        return path

    def put(
        self,
        key: str,
        stream: BinaryIO,
        content_type: str = "application/octet-stream",
        sha256: str | None = None,
    ) -> StoredObject:
        return self._write(key, stream, sha256)

    def _write(self, key: str, stream: BinaryIO, sha256: str | None = None) -> StoredObject:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
        reader = HashingReader(stream)
        try:
            with open(partial, "wb") as out:
                if self.keyring is not None:
                    for sealed in encrypt_stream(self.keyring, reader):  # type: ignore[arg-type]
                        out.write(sealed)
                else:
                    while chunk := reader.read(CHUNK_SIZE):
                        out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if sha256 is not None and sha256 != reader.sha256:
                raise ChecksumMismatch(f"object {key}: expected sha256 {sha256}, wrote {reader.sha256}")
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        return StoredObject(key=key, size=reader.size, sha256=reader.sha256)

    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        path = self._path(key)
        try:
            encrypted = EncryptedFile.open(path)
            if encrypted is not None:
                if self.keyring is None:
                    raise EncryptionError(f"object {key} is encrypted and no encryption key is configured")
                return encrypted.read(self.keyring, start, end)
            # O_NOFOLLOW: a link swapped in after the check above is refused too.
            handle = os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb")
        except FileNotFoundError as exc:
            raise ObjectNotFound(f"object {key} not found") from exc
        return self._read_range(handle, start, end)

    @staticmethod
    def _read_range(handle: BinaryIO, start: int, end: int | None) -> Iterator[bytes]:
        with handle:
            handle.seek(start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                chunk = handle.read(CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining))
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def size(self, key: str) -> int:
        try:
            return _plain_size(self._path(key))
        except FileNotFoundError as exc:
            raise ObjectNotFound(f"object {key} not found") from exc

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except InvalidObjectKey:
            return False

    def list(self, prefix: str) -> list[ListedObject]:
        found = []
        # Walk only the prefix's folder: the store holds every call's audio.
        base = self.root / prefix.rsplit("/", 1)[0] if "/" in prefix else self.root
        for path in sorted(base.rglob("*")):
            key = path.relative_to(self.root).as_posix()
            if key.startswith(prefix) and _plain_file(path) and not path.name.startswith("."):
                found.append(ListedObject(key, _plain_size(path), str(path.stat().st_mtime_ns)))
        return found

    def copy(self, source: str, target: str) -> None:
        source_path = self._path(source)
        if not source_path.is_file():
            raise ObjectNotFound(f"object {source} not found")
        if self.keyring is not None and EncryptedFile.open(source_path) is not None:
            target_path = self._path(target)
            target_path.parent.mkdir(parents=True, exist_ok=True)
            partial = target_path.with_name(f".{target_path.name}.{uuid.uuid4().hex}.partial")
            try:
                shutil.copyfile(source_path, partial, follow_symlinks=False)
                os.replace(partial, target_path)
            finally:
                partial.unlink(missing_ok=True)
            return
        # The bytes are copied in (encrypted on the way when a keyring is set), never hard-linked: a
        # dropped file's writer could otherwise change a stored call's audio through its own link.
        with os.fdopen(os.open(source_path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as plain:
            self._write(target, plain)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def rekey(self, key: str) -> bool:
        """Rewrite the object under the keyring's current key; False when it already is."""
        if self.keyring is None:
            raise EncryptionError("no encryption key is configured")
        encrypted = EncryptedFile.open(self._path(key))
        if encrypted is not None and encrypted.key_id == self.keyring.current:
            return False
        plain = b"".join(self.open(key))
        self._write(key, io.BytesIO(plain))
        return True

    def presigned_url(self, key: str, expires_s: int = 3600) -> str | None:
        return None  # a folder has no URL of its own; the API serves the bytes

    def check(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise ObjectStoreUnavailable(f"object folder {self.root} is not writable")


def _plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _plain_size(path: Path) -> int:
    encrypted = EncryptedFile.open(path)
    return encrypted.size if encrypted is not None else path.stat().st_size
