"""Deleting what a call leaves behind, all together: rows (the call, its transcript and index entries,
flags, voiceprints), its objects (recording, redacted and kept originals), with an audit entry; never
while a legal hold covers it. Used by the API, retention and customers' deletion requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from . import audit
from .calls import _set, delete_call, get_call
from .customer_refs import customer_reference
from .database import Database
from .holds import ensure_not_held, held_call_ids
from .objects import ObjectStore
from .records import Call
from .tables import CallRow, WebhookDeliveryRow, utcnow
from .voiceprints import delete_voices


def call_objects(objects: ObjectStore, call: Call) -> list[str]:
    """Every object of a call: its recording, a redacted or kept original one, a kept transcript."""
    keys = {key for key in (call.audio_key, call.original_audio_key) if key}
    folder = PurePosixPath(call.audio_key).parent.as_posix() if call.audio_key else ""
    if folder.startswith("calls/") and folder.endswith(call.id):
        keys.update(o.key for o in objects.list(folder + "/"))
    kept_transcript = (call.redaction or {}).get("original_transcript_key")
    if kept_transcript:
        keys.add(kept_transcript)
    return sorted(keys)


def forget_deliveries(session: Session, call_id: str) -> int:
    """Webhook deliveries about the call: their payloads name the customer, so they go with the call."""
    payload = WebhookDeliveryRow.payload
    about_call = or_(
        payload["data"]["call"]["id"].as_string() == call_id,
        payload["data"]["flag"]["call_id"].as_string() == call_id,
    )
    result = session.execute(delete(WebhookDeliveryRow).where(about_call))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def delete_call_data(
    db: Database, objects: ObjectStore, call_id: str, actor: str, reason: str, origin: str = ""
) -> list[str]:
    """Delete the call everywhere; returns the object keys removed. Rows go first (the call vanishes at
    once, in one transaction with its audit entry), then the objects."""
    with db.session() as session:
        ensure_not_held(session, call_id)
        call = delete_call(session, call_id)
        forget_deliveries(session, call_id)
        keys = call_objects(objects, call)
        audit.record(
            session, actor, "call.delete", call_id,
            {"reason": reason, "source": call.source, "external_id": call.external_id, "objects": len(keys)},
            origin,
        )  # fmt: skip
    for key in keys:
        objects.delete(key)
    return keys


def expire_audio(db: Database, objects: ObjectStore, call_id: str, actor: str, reason: str) -> list[str]:
    """Delete the call's recordings and the voiceprints taken from them; the transcript stays."""
    with db.session() as session:
        ensure_not_held(session, call_id)
        call = get_call(session, call_id)
        keys = [key for key in (call.audio_key, call.original_audio_key) if key]
        _set(session, call_id, audio_key="", original_audio_key="", audio_expired_at=utcnow())
        delete_voices(session, call_id)
        audit.record(session, actor, "call.audio_expire", call_id, {"reason": reason, "objects": len(keys)})
    for key in keys:
        objects.delete(key)
    return keys


@dataclass
class ForgetReport:
    customer_number: str
    deleted_calls: list[str] = field(default_factory=list)
    held_calls: list[str] = field(default_factory=list)
    objects_deleted: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer_number": self.customer_number,
            "deleted_calls": self.deleted_calls,
            "held_calls": self.held_calls,
            "objects_deleted": self.objects_deleted,
        }


def forget_customer(
    db: Database, objects: ObjectStore, customer_number: str, actor: str, origin: str = ""
) -> ForgetReport:
    """A customer's request to delete their data: every call with their number, except held ones."""
    report = ForgetReport(customer_number)
    with db.session() as session:
        call_ids = list(session.scalars(select(CallRow.id).where(CallRow.customer_number == customer_number)))
        held = held_call_ids(session, call_ids)
    report.held_calls = sorted(held)
    for call_id in call_ids:
        if call_id not in held:
            report.objects_deleted += len(
                delete_call_data(db, objects, call_id, actor, "customer deletion request", origin)
            )
            report.deleted_calls.append(call_id)
    with db.session() as session:
        audit.record(
            session, actor, "customer.forget", customer_reference(customer_number, db.audit_key),
            {"deleted_calls": len(report.deleted_calls), "held_calls": len(report.held_calls),
             "objects_deleted": report.objects_deleted},
            origin,
        )  # fmt: skip
    return report
