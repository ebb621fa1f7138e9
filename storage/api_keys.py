"""API keys: random secrets shown once, stored as SHA-256 hashes (high-entropy keys need no slow hash)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .tables import ApiKeyRow, utcnow

ROLES = ("admin", "compliance", "telephony")
KEY_PREFIX = "cr_"
SOURCE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
DEFAULT_SOURCE = "api"  # recorder.metadata.CallMetadata's default: no source named
RESERVED_SOURCES = {"twilio": "the signed Twilio webhook"}


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    revoked: bool
    source: str | None = None  # the one source a bound telephony key uploads for


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, role: str, name: str = "", source: str | None = None) -> tuple[ApiKey, str]:
    """Create a key; the secret is returned once and never stored."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if source is not None and not SOURCE.match(source):
        raise ValueError("a source is 1-64 letters, digits, '_', '.' or '-'")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKeyRow(name=name or role, role=role, prefix=secret[:10], key_hash=_hash(secret), source=source)
    session.add(row)
    session.flush()
    return _to_key(row), secret


def authenticate(session: Session, secret: str) -> ApiKey | None:
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == _hash(secret)))
    if row is None or row.revoked_at is not None:
        return None
    return _to_key(row)


def list_keys(session: Session) -> list[ApiKey]:
    return [_to_key(row) for row in session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))]


def revoke_key(session: Session, key_id: int) -> bool:
    result = session.execute(
        update(ApiKeyRow)
        .where(ApiKeyRow.id == key_id, ApiKeyRow.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _to_key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        role=row.role,
        prefix=row.prefix,
        created_at=row.created_at,
        revoked=row.revoked_at is not None,
        source=row.source,
    )


def upload_source(session: Session, key: ApiKey, source: str) -> str:
    """The source an upload by `key` is stored under: a bound key's own. ValueError says why an
    unbound key may not use `source`: a key is bound to it, or a signed integration owns it."""
    if key.source is not None:
        if source not in (key.source, DEFAULT_SOURCE):
            raise ValueError(f"this key uploads for source {key.source!r} only, not {source!r}")
        return key.source
    if source in RESERVED_SOURCES:
        raise ValueError(f"source {source!r} is {RESERVED_SOURCES[source]}'s")
    owner = session.scalar(
        select(ApiKeyRow.id).where(ApiKeyRow.source == source, ApiKeyRow.revoked_at.is_(None)).limit(1)
    )
    if owner is not None:
        raise ValueError(f"source {source!r} belongs to another key")
    return source
