"""Small secrets in database columns (webhook URLs, which may carry credentials, and signing secrets),
sealed with AES-256-GCM under the keyring that encrypts the object folder: a copy of the database
alone does not give them away. Without a keyring they are stored as given, like everything else."""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .encryption import EncryptionError, Keyring

PREFIX = "sealed:v1:"


def seal(keyring: Keyring | None, value: str) -> str:
    if keyring is None:
        return value
    nonce = os.urandom(12)
    sealed = AESGCM(keyring.keys[keyring.current]).encrypt(nonce, value.encode(), PREFIX.encode())
    return f"{PREFIX}{keyring.current}:{base64.b64encode(nonce + sealed).decode()}"


def unseal(keyring: Keyring | None, value: str) -> str:
    if not value.startswith(PREFIX):
        return value  # stored before a keyring was configured
    key_id, _, encoded = value.removeprefix(PREFIX).rpartition(":")
    if keyring is None or key_id not in keyring.keys:
        raise EncryptionError(f"a sealed value needs encryption key {key_id!r}, which is not in the keyring")
    raw = base64.b64decode(encoded)
    return AESGCM(keyring.keys[key_id]).decrypt(raw[:12], raw[12:], PREFIX.encode()).decode()
