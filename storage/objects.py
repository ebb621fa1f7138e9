"""The object store interface and the factory that picks an implementation from a URL."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol
from urllib.parse import parse_qs, urlparse

from .encryption import Keyring
from .errors import InvalidObjectKey

CHUNK_SIZE = 1024 * 1024
_KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$")


@dataclass(frozen=True, slots=True)
class StoredObject:
    key: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ListedObject:
    key: str
    size: int
    version: str  # changes whenever the object is rewritten (ETag, or mtime for a folder)


class ObjectStore(Protocol):
    """Recordings and derived files, addressed by key."""

    def put(
        self,
        key: str,
        stream: BinaryIO,
        content_type: str = "application/octet-stream",
        sha256: str | None = None,
    ) -> StoredObject:
        """Stream `stream` to `key`; verify `sha256` when given; return the size and checksum written."""
        ...

    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Stream bytes start..end (inclusive) of the object."""
        ...

    def size(self, key: str) -> int: ...

    def list(self, prefix: str) -> list[ListedObject]:
        """Objects whose key starts with `prefix`, in key order."""
        ...

    def copy(self, source: str, target: str) -> None:
        """Copy inside the store (S3's server-side copy; a folder store copies the bytes, never a link)."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Delete the object; deleting a missing object is not an error."""
        ...

    def presigned_url(self, key: str, expires_s: int = 3600) -> str | None:
        """A time-limited URL a client can fetch directly, or None when the store has none."""
        ...

    def check(self) -> None:
        """Raise ObjectStoreUnavailable when the store cannot be used."""
        ...


def validate_key(key: str) -> str:
    if not _KEY_PATTERN.match(key) or ".." in key.split("/") or "//" in key:
        raise InvalidObjectKey(f"invalid object key {key!r}")
    return key


class HashingReader:
    """Wraps a binary stream, hashing and counting what passes through."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._hash = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        chunk = self._stream.read(n)
        self._hash.update(chunk)
        self.size += len(chunk)
        return chunk

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def open_object_store(
    url: str, access_key: str | None = None, secret_key: str | None = None, keyring: Keyring | None = None
) -> ObjectStore:
    """file:///path -> LocalObjectStore (encrypted with `keyring` when given);
    s3://bucket?endpoint=host:port&secure=false[&sse=s3|kms&kms_key=ID] -> S3ObjectStore."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        from .objects_local import LocalObjectStore

        return LocalObjectStore(parsed.netloc + parsed.path, keyring)
    if parsed.scheme == "s3":
        from .objects_s3 import S3ObjectStore

        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return S3ObjectStore(
            bucket=parsed.netloc,
            endpoint=options.get("endpoint", "s3.amazonaws.com"),
            secure=options.get("secure", "true").lower() not in ("0", "false", "no"),
            region=options.get("region"),
            access_key=access_key,
            secret_key=secret_key,
            prefix=parsed.path.strip("/"),
            server_side_encryption=options.get("sse"),
            kms_key=options.get("kms_key"),
        )
    raise ValueError(f"unsupported objects URL {url!r}: use file:///path or s3://bucket?endpoint=host:port")
