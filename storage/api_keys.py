"""API keys: random secrets shown once, stored as SHA-256 hashes (high-entropy keys need no slow hash)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .tables import ApiKeyRow, utcnow

ROLES = ("admin", "compliance", "telephony")
KEY_PREFIX = "cr_"


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    revoked: bool


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, role: str, name: str = "") -> tuple[ApiKey, str]:
    """Create a key; the secret is returned once and never stored."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKeyRow(name=name or role, role=role, prefix=secret[:10], key_hash=_hash(secret))
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
    )
