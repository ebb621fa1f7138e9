"""The admin key `callrec up` prints: created on first start, kept in the data folder (mode 0600)."""

from __future__ import annotations

import os
from pathlib import Path

from storage import api_keys, audit
from storage.database import Database


def ensure_admin_key(db: Database, data_dir: Path) -> str:
    path = data_dir / "admin.key"
    if path.is_file():
        secret = path.read_text().strip()
        with db.session() as session:
            if api_keys.authenticate(session, secret) is not None:
                return secret
    with db.session() as session:
        key, secret = api_keys.create_key(session, "admin", name="callrec up")
        audit.record(
            session, "callrec up", "key.create", str(key.id), {"role": "admin", "name": "callrec up"}
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secret + "\n")
    return secret
