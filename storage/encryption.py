"""Encryption at rest for the local object store: AES-256-GCM in 64 KiB chunks, so a recording can be
streamed and range-read (players seek) without decrypting the whole file.

File layout: MAGIC, key id (1 byte length + ASCII), 8-byte random nonce prefix, then chunks of
ciphertext + 16-byte tag. Chunk i's nonce is the prefix + i (4 bytes); its associated data is the
header, i, and whether it is the last chunk, so chunks cannot be reordered, swapped between files, or
cut off at a chunk boundary without the read failing.

Keys: a keyring of `id:base64-key` lines (a file, or one setting). The first key encrypts new objects;
every key decrypts, so rotation is: put the new key first, keep the old ones, run `callrec objects
rekey` to rewrite old objects under the new key, then drop the old key.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import EncryptionError

MAGIC = b"CRENC1\n"
CHUNK = 64 * 1024
TAG = 16


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]  # id -> 32-byte key, the first one current

    @property
    def current(self) -> str:
        return next(iter(self.keys))

    @classmethod
    def parse(cls, text: str) -> Keyring:
        keys: dict[str, bytes] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key_id, sep, encoded = line.partition(":")
            try:
                key = base64.b64decode(encoded.strip(), validate=True)
            except (binascii.Error, ValueError):
                key = b""
            if not sep or not key_id.strip().isascii() or len(key) != 32 or len(key_id.strip()) > 64:
                raise ValueError(f"encryption key line {number}: write `id:<base64 of 32 random bytes>`")
            keys[key_id.strip()] = key
        if not keys:
            raise ValueError("the encryption keyring holds no key")
        return cls(keys)

    @classmethod
    def load(cls, path: Path) -> Keyring:
        return cls.parse(path.read_text(encoding="ascii"))


def new_key_line(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


def _header(key_id: str, prefix: bytes) -> bytes:
    encoded = key_id.encode()
    return MAGIC + bytes([len(encoded)]) + encoded + prefix


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">QB", index, 1 if last else 0)


def encrypt_stream(keyring: Keyring, stream: BinaryIO) -> Iterator[bytes]:
    """The encrypted form of everything `stream` yields, chunk by chunk."""
    prefix = os.urandom(8)
    header = _header(keyring.current, prefix)
    cipher = AESGCM(keyring.keys[keyring.current])
    yield header
    index, chunk = 0, _read_full(stream, CHUNK)
    while True:
        following = _read_full(stream, CHUNK) if len(chunk) == CHUNK else b""
        last = not following
        yield cipher.encrypt(_nonce(prefix, index), chunk, _aad(header, index, last))
        if last:
            return
        index, chunk = index + 1, following


def _read_full(stream: BinaryIO, size: int) -> bytes:
    parts, remaining = [], size
    while remaining:
        part = stream.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


@dataclass(frozen=True)
class EncryptedFile:
    """An encrypted object on disk: its header, and the plaintext size worked out from its length."""

    path: Path
    key_id: str
    header: bytes
    prefix: bytes
    chunks: int
    size: int

    @classmethod
    def open(cls, path: Path) -> EncryptedFile | None:
        """None for a file written before encryption was turned on (plaintext is read as it is)."""
        with open(path, "rb") as handle:
            start = handle.read(len(MAGIC) + 1)
            if not start.startswith(MAGIC) or len(start) < len(MAGIC) + 1:
                return None
            key_id = handle.read(start[-1]).decode("ascii", "replace")
            prefix = handle.read(8)
        header = _header(key_id, prefix)
        body = path.stat().st_size - len(header)
        chunks = max(1, -(-body // (CHUNK + TAG)))
        return cls(path, key_id, header, prefix, chunks, body - chunks * TAG)

    def read(self, keyring: Keyring, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Plaintext bytes start..end (inclusive)."""
        key = keyring.keys.get(self.key_id)
        if key is None:
            raise EncryptionError(
                f"{self.path.name} is encrypted with key {self.key_id!r}, which is not in the keyring"
            )
        cipher = AESGCM(key)
        end = self.size - 1 if end is None else min(end, self.size - 1)
        if start > end:
            return
        with open(self.path, "rb") as handle:
            for index in range(start // CHUNK, end // CHUNK + 1):
                handle.seek(len(self.header) + index * (CHUNK + TAG))
                sealed = handle.read(CHUNK + TAG)
                try:
                    plain = cipher.decrypt(
                        _nonce(self.prefix, index), sealed, _aad(self.header, index, index == self.chunks - 1)
                    )
                except InvalidTag as exc:
                    raise EncryptionError(
                        f"{self.path.name}: chunk {index} fails authentication (altered or cut)"
                    ) from exc
                lo = start - index * CHUNK if index == start // CHUNK else 0
                hi = end - index * CHUNK + 1 if index == end // CHUNK else len(plain)
                yield plain[lo:hi]
