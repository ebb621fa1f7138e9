"""The audit trail: who did what, to what, when, from where. Append-only (database triggers refuse
changes, migration 0017), and each entry carries an HMAC-SHA256, under a key kept outside the database
(storage/audit_key.py), of the previous entry's hash and its own content: an edited, removed or
reordered entry breaks the chain that `callrec audit verify` walks, and without the key nobody can
re-hash the rest to hide it. Anchors (storage/audit_anchor.py) pin the chain's head outside the
database, against a rewrite by someone who holds the key as well.

A chain written before a key was configured is plain SHA-256 ("sha256" in audit_head.scheme); the
first start with a key checks it and re-hashes it keyed, once.

Writers take the lock on the one-row chain head first, so entries chain one after another on both
SQLite (its write lock) and PostgreSQL (the row lock).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .errors import AuditChainBroken, AuditKeyMissing
from .tables import AuditHeadRow, AuditMaintenanceRow, AuditRow, utcnow
from .times import as_utc

GENESIS = "0" * 64
PLAIN, KEYED = "sha256", "hmac-sha256"


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
    keyed: bool = False


def entry_hash(prev_hash: str, entry_id: int, at: datetime, actor: str, action: str, target: str,
               details: dict[str, Any], origin: str, key: bytes | None = None) -> str:  # fmt: skip
    content = json.dumps(
        [entry_id, _utc(at).isoformat(), actor, action, target, details, origin],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    message = (prev_hash + content).encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _row_hash(row: AuditRow, prev_hash: str, key: bytes | None) -> str:
    return entry_hash(
        prev_hash, row.id, row.at, row.actor, row.action, row.target, row.details, row.origin, key
    )


def _locked_head(session: Session) -> AuditHeadRow:
    """The chain's head, locked: writers chain one after another (SQLite's write lock, a row lock)."""
    session.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1).values(last_id=AuditHeadRow.last_id))
    head = session.get(AuditHeadRow, 1, populate_existing=True)
    assert head is not None, "audit_head is seeded by migration 0010"
    return head


def key_id(key: bytes) -> str:
    return hmac.new(key, b"callrec audit key id", hashlib.sha256).hexdigest()[:16]


def _chain_key(session: Session, head: AuditHeadRow) -> bytes | None:
    """The key entries are hashed with: the session's (Database.audit_key) on a keyed chain."""
    key: bytes | None = session.info.get("audit_key")
    if head.scheme == KEYED:
        if key is None:
            raise AuditKeyMissing(
                "the audit trail is keyed: configure its key (CALLREC_STORAGE_AUDIT_KEY or "
                "CALLREC_STORAGE_AUDIT_KEY_FILE) to write or verify it"
            )
        if head.key_id != key_id(key):
            raise AuditKeyMissing(
                "this process's audit key is not the trail's: every API, worker and CLI of one service "
                "needs the same CALLREC_STORAGE_AUDIT_KEY"
            )
        return key
    if key is not None and head.last_id == 0:
        head.scheme, head.key_id = KEYED, key_id(key)  # an empty chain starts keyed
        return key
    return None


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
    head = _locked_head(session)
    key = _chain_key(session, head)
    now = utcnow()
    at = now.replace(microsecond=now.microsecond // 1000 * 1000)  # milliseconds: every backend keeps them
    details = json.loads(json.dumps(details or {}, default=str))
    row = AuditRow(
        at=at, actor=actor[:255], action=action, target=target[:255], details=details, origin=origin[:255],
        prev_hash=head.last_hash, hash="",
    )  # fmt: skip
    session.add(row)
    session.flush()
    row.hash = _row_hash(row, head.last_hash, key)
    head.last_id, head.last_hash = row.id, row.hash
    session.flush()
    return _entry(row)


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        row.id, _utc(row.at), row.actor, row.action, row.target, row.details, row.origin, row.hash
    )


def verify_chain(session: Session, anchor: tuple[int, str] | None = None, batch: int = 5000) -> ChainCheck:
    """Recompute every hash in id order; the head must name the last entry, and an `anchor` (an
    entry id and its hash, kept outside the database) must still be in the chain as it was."""
    head = session.get(AuditHeadRow, 1)
    keyed = head is not None and head.scheme == KEYED
    key: bytes | None = session.info.get("audit_key") if keyed else None
    if keyed and (key is None or head is None or head.key_id != key_id(key)):
        return ChainCheck(
            0, False, "the trail is keyed and this is not its audit key (or none is configured)", keyed
        )
    prev, count, last_id = GENESIS, 0, 0
    while True:
        rows = session.scalars(
            select(AuditRow).where(AuditRow.id > last_id).order_by(AuditRow.id).limit(batch)
        ).all()
        for row in rows:
            if row.prev_hash != prev:
                return ChainCheck(count, False, f"entry {row.id} does not follow the entry before it", keyed)
            if row.hash != _row_hash(row, prev, key):
                return ChainCheck(count, False, f"entry {row.id} was altered", keyed)
            if anchor is not None and row.id == anchor[0] and row.hash != anchor[1]:
                return ChainCheck(count, False, f"entry {row.id} differs from the anchor kept outside", keyed)
            prev, last_id, count = row.hash, row.id, count + 1
        if len(rows) < batch:
            break
    if head is None or head.last_hash != prev or head.last_id != last_id:
        return ChainCheck(count, False, f"entries after {last_id} were removed", keyed)
    if anchor is not None and anchor[0] > last_id:
        return ChainCheck(
            count, False, f"the anchored entry {anchor[0]} is gone: entries were removed", keyed
        )
    return ChainCheck(count, True, None, keyed)


def last_details(session: Session, action: str) -> dict[str, Any] | None:
    """The details of the newest entry of `action`, or None."""
    found: dict[str, Any] | None = session.scalar(
        select(AuditRow.details).where(AuditRow.action == action).order_by(AuditRow.id.desc()).limit(1)
    )
    return found


def key_chain(session: Session, key: bytes) -> int:
    """Re-hash a plain chain under `key`, once, after checking it is intact (re-hashing a broken chain
    would hide the break); returns how many entries were re-hashed."""
    head = _locked_head(session)
    if head.scheme == KEYED:
        _chain_key(session, head)  # refuses another key now, at start, not at the first entry
        return 0
    if head.last_id == 0:
        head.scheme, head.key_id = KEYED, key_id(key)
        return 0
    check = verify_chain(session)
    if not check.ok:
        raise AuditChainBroken(f"the audit trail is not keyed because it is broken: {check.problem}")
    session.add(AuditMaintenanceRow(id=1))  # the triggers let this one rewrite through
    session.flush()
    prev, count = GENESIS, 0
    for row in session.scalars(select(AuditRow).order_by(AuditRow.id)).all():
        row.prev_hash, row.hash = prev, _row_hash(row, prev, key)
        prev, count = row.hash, count + 1
    session.flush()
    head.last_hash, head.scheme, head.key_id = prev, KEYED, key_id(key)
    session.execute(delete(AuditMaintenanceRow))
    session.flush()
    return count


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
