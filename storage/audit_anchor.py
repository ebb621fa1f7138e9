"""Anchors: the audit chain's head (last entry id and hash) written outside the database, as objects
under `audit/anchors/` (and, with `callrec audit anchor --out`, any file an operator ships elsewhere).
Verifying against an anchor shows a rewrite of the chain even by someone who holds its key: the
anchored entry must still be there, with the same hash."""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from .objects import ObjectStore
from .tables import AuditHeadRow, utcnow

PREFIX = "audit/anchors/"


@dataclass(frozen=True, slots=True)
class Anchor:
    last_id: int
    last_hash: str
    scheme: str
    at: str  # ISO 8601, UTC

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Anchor:
        try:
            data = json.loads(text)
            return cls(int(data["last_id"]), str(data["last_hash"]), str(data["scheme"]), str(data["at"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"not an audit anchor: {exc}") from exc


def current_anchor(session: Session) -> Anchor:
    head = session.get(AuditHeadRow, 1)
    assert head is not None, "audit_head is seeded by migration 0010"
    return Anchor(head.last_id, head.last_hash, head.scheme, utcnow().isoformat())


def store_anchor(objects: ObjectStore, anchor: Anchor) -> str:
    at = datetime.fromisoformat(anchor.at)
    key = f"{PREFIX}{at:%Y/%m/%d}/{anchor.last_id:012d}-{at:%H%M%S}.json"
    objects.put(key, io.BytesIO(anchor.to_json().encode()), content_type="application/json")
    return key


def latest_anchor(objects: ObjectStore) -> Anchor | None:
    """The newest stored anchor (keys sort by date, then entry id)."""
    listed = objects.list(PREFIX)
    if not listed:
        return None
    newest = max(listed, key=lambda o: o.key)
    return Anchor.from_json(b"".join(objects.open(newest.key)).decode())


def anchor_if_moved(session: Session, objects: ObjectStore) -> str | None:
    """Store an anchor when entries were added since the newest one; the key written, or None."""
    anchor = current_anchor(session)
    latest = latest_anchor(objects)
    if anchor.last_id == 0 or (
        latest is not None and (latest.last_id, latest.last_hash) == (anchor.last_id, anchor.last_hash)
    ):
        return None
    return store_anchor(objects, anchor)
