"""The audit chain's key, kept outside the database: whoever can change the database cannot re-hash
the chain without it. Inline (CALLREC_STORAGE_AUDIT_KEY), a file (CALLREC_STORAGE_AUDIT_KEY_FILE),
or by default `audit.key` in the data folder, made (0600) the first time it is needed."""

from __future__ import annotations

import os
import secrets
import uuid
from pathlib import Path

from .settings import StorageSettings


def load_audit_key(settings: StorageSettings) -> bytes:
    if settings.audit_key is not None:
        return settings.audit_key.get_secret_value().encode()
    path = settings.audit_key_file or settings.data_dir / "audit.key"
    if not path.exists():
        _create(path)
    key = path.read_text().strip().encode()
    if len(key) < 32:
        raise ValueError(f"the audit key in {path} is too short: use 32 or more characters")
    return key


def _create(path: Path) -> None:
    """Written aside and linked into place: two processes starting together end with one key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(secrets.token_hex(32) + "\n")
    try:
        os.link(aside, path)
    except FileExistsError:
        pass
    finally:
        aside.unlink()
