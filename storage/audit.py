"""The audit trail: who did what, to what, when, from where. Append-only, and each entry carries the
SHA-256 of the previous entry's hash and its own content, so an edited, removed or reordered entry
breaks the chain that `callrec audit verify` walks.

Writers take the lock on the one-row chain head first, so entries chain one after another on both
SQLite (its write lock) and PostgreSQL (the row lock).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .tables import AuditHeadRow, AuditRow, utcnow
from .times import as_utc

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]
    origin: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainCheck:
    entries: int
    ok: bool
    problem: str | None = None  # the first break found, with the entry id


def entry_hash(prev_hash: str, entry_id: int, at: datetime, actor: str, action: str, target: str,
               details: dict[str, Any], origin: str) -> str:  # fmt: skip
    content = json.dumps(
        [entry_id, _utc(at).isoformat(), actor, action, target, details, origin],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def record(
    session: Session,
    actor: str,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
    origin: str = "",
) -> AuditEntry:
    """Append one entry in the caller's transaction (it commits or rolls back with the change)."""
    session.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1).values(last_id=AuditHeadRow.last_id))
    head = session.get(AuditHeadRow, 1, populate_existing=True)
    assert head is not None, "audit_head is seeded by migration 0010"
    now = utcnow()
    at = now.replace(microsecond=now.microsecond // 1000 * 1000)  # milliseconds: every backend keeps them
    details = json.loads(json.dumps(details or {}, default=str))
    row = AuditRow(
        at=at, actor=actor[:255], action=action, target=target[:255], details=details, origin=origin[:255],
        prev_hash=head.last_hash, hash="",
    )  # fmt: skip
    session.add(row)
    session.flush()
    row.hash = entry_hash(head.last_hash, row.id, at, row.actor, action, row.target, details, row.origin)
    head.last_id, head.last_hash = row.id, row.hash
    session.flush()
    return _entry(row)


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        row.id, _utc(row.at), row.actor, row.action, row.target, row.details, row.origin, row.hash
    )


def verify_chain(session: Session, batch: int = 5000) -> ChainCheck:
    """Recompute every hash in id order; the head must name the last entry."""
    prev, count, last_id = GENESIS, 0, 0
    while True:
        rows = session.scalars(
            select(AuditRow).where(AuditRow.id > last_id).order_by(AuditRow.id).limit(batch)
        ).all()
        for row in rows:
            if row.prev_hash != prev:
                return ChainCheck(count, False, f"entry {row.id} does not follow the entry before it")
            expected = entry_hash(
                prev, row.id, row.at, row.actor, row.action, row.target, row.details, row.origin
            )
            if row.hash != expected:
                return ChainCheck(count, False, f"entry {row.id} was altered")
            prev, last_id, count = row.hash, row.id, count + 1
        if len(rows) < batch:
            break
    head = session.get(AuditHeadRow, 1)
    if head is None or head.last_hash != prev or head.last_id != last_id:
        return ChainCheck(count, False, f"entries after {last_id} were removed")
    return ChainCheck(count, True)


def list_entries(
    session: Session,
    action: str | None = None,
    actor: str | None = None,
    target: str | None = None,
    after_id: int = 0,
    limit: int = 100,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AuditEntry]:
    """Oldest first. `action` ending in "." matches a family ("call." finds views, plays, deletions)."""
    query = select(AuditRow).where(AuditRow.id > after_id)
    if action and action.endswith("."):
        query = query.where(AuditRow.action.startswith(action))
    elif action:
        query = query.where(AuditRow.action == action)
    for column, value in ((AuditRow.actor, actor), (AuditRow.target, target)):
        if value:
            query = query.where(column == value)
    if since is not None:
        query = query.where(AuditRow.at >= as_utc(since))
    if until is not None:
        query = query.where(AuditRow.at < as_utc(until))
    return [_entry(row) for row in session.scalars(query.order_by(AuditRow.id).limit(limit))]
