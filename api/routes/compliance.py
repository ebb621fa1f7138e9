"""Legal holds, customers' deletion requests, the audit trail and retention (admin keys)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, model_validator

from storage import audit, holds
from storage.api_keys import ApiKey
from storage.audit_anchor import latest_anchor
from storage.calls import get_call
from storage.customer_refs import customer_reference
from storage.lifecycle import forget_customer
from storage.retention import due

from ..auth import actor, admin_only, origin, reviewer
from ..schemas import ErrorOut, RowId, model_of

router = APIRouter(prefix="/v1", tags=["compliance"])
ERRORS: dict[int | str, dict] = {code: {"model": ErrorOut} for code in (401, 403, 404, 409, 422)}


class HoldIn(BaseModel):
    call_id: str | None = Field(None, max_length=36)
    customer_number: str | None = Field(None, min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _one_target(self) -> HoldIn:
        if bool(self.call_id) == bool(self.customer_number):
            raise ValueError("give either call_id or customer_number")
        return self


class HoldOut(model_of(holds.LegalHold, "HoldFields")):  # type: ignore[misc]
    active: bool


def _hold_out(hold: holds.LegalHold) -> HoldOut:
    return HoldOut(**asdict(hold), active=hold.active)


@router.post("/holds", status_code=201, response_model=HoldOut, responses=ERRORS)
def place_hold(body: HoldIn, request: Request, key: ApiKey = Depends(reviewer)) -> HoldOut:
    """Stop all deletion of a call, or of every call with a customer number, until released."""
    with request.app.state.services.db.session() as session:
        if body.call_id:
            get_call(session, body.call_id)  # 404 for an unknown call
        hold = holds.place_hold(session, body.reason, actor(key), body.call_id, body.customer_number)
        target = body.call_id or customer_reference(body.customer_number or "", session.info["audit_key"])
        audit.record(
            session,
            actor(key),
            "hold.place",
            target,
            {"hold": hold.id, "reason": body.reason},
            origin(request),
        )
    return _hold_out(hold)


@router.get("/holds", response_model=list[HoldOut], responses=ERRORS)
def list_holds(request: Request, active: bool = True, key: ApiKey = Depends(reviewer)) -> list[HoldOut]:
    with request.app.state.services.db.session() as session:
        return [_hold_out(h) for h in holds.list_holds(session, active_only=active)]


@router.delete("/holds/{hold_id}", response_model=HoldOut, responses=ERRORS)
def release_hold(hold_id: RowId, request: Request, key: ApiKey = Depends(reviewer)) -> HoldOut:
    with request.app.state.services.db.session() as session:
        hold = holds.release_hold(session, hold_id, actor(key))
        audit.record(session, actor(key), "hold.release", str(hold_id), {}, origin(request))
    return _hold_out(hold)


@router.delete("/customers/{customer_number}", responses=ERRORS)
def forget(customer_number: str, request: Request, key: ApiKey = Depends(admin_only)) -> dict[str, Any]:
    """A customer's deletion request: every call with this number (audio, transcript, index entries,
    voiceprints) is deleted, except calls under a legal hold; the report says which were which."""
    services = request.app.state.services
    return forget_customer(
        services.db, services.objects, customer_number, actor(key), origin(request)
    ).as_dict()


class AuditOut(model_of(audit.AuditEntry, "AuditFields")):  # type: ignore[misc]
    """One entry of the audit chain, as stored."""


@router.get("/audit", response_model=list[AuditOut], responses=ERRORS)
def list_audit(
    request: Request,
    action: str | None = Query(None, description='An action, or a family ending in "." ("call.")'),
    actor_name: str | None = Query(None, alias="actor"),
    target: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after_id: int = Query(0, ge=0, le=2**62),
    limit: int = Query(100, ge=1, le=1000),
    key: ApiKey = Depends(reviewer),
) -> list[AuditOut]:
    """The audit trail, oldest first; page with after_id (the last id seen)."""
    with request.app.state.services.db.session() as session:
        entries = audit.list_entries(session, action, actor_name, target, after_id, limit, since, until)
    return [AuditOut(**asdict(entry)) for entry in entries]


COLUMNS = ("id", "at", "actor", "action", "target", "details", "origin", "hash")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def spreadsheet_safe(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: no formula (a leading = + - @ gets a quote, as OWASP
    advises) and no control or bidi characters that hide or reorder what the cell says."""
    if not isinstance(value, str):
        return value
    text = _CONTROLS.sub("", value)
    return "'" + text if text.startswith(_FORMULA_START) else text


@router.get("/audit/export", responses=ERRORS, response_class=StreamingResponse)
def export_audit(
    request: Request,
    format: Literal["csv", "jsonl"] = "csv",
    action: str | None = None,
    actor_name: str | None = Query(None, alias="actor"),
    target: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    key: ApiKey = Depends(reviewer),
) -> StreamingResponse:
    """Every matching entry, with its hash, as CSV or JSON lines; the export itself is audited."""
    filters = {"format": format, "action": action, "actor": actor_name, "target": target,
               "since": since.isoformat() if since else None, "until": until.isoformat() if until else None}  # fmt: skip
    db = request.app.state.services.db
    with db.session() as session:
        audit.record(
            session, actor(key), "audit.export", "", {k: v for k, v in filters.items() if v}, origin(request)
        )

    def rows() -> Iterator[str]:
        after_id = 0
        if format == "csv":
            yield ",".join(COLUMNS) + "\r\n"
        while True:
            with db.session() as session:
                batch = audit.list_entries(session, action, actor_name, target, after_id, 1000, since, until)
            for entry in batch:
                record = asdict(entry) | {"at": entry.at.isoformat()}
                if format == "jsonl":
                    yield json.dumps(record, ensure_ascii=False) + "\n"
                else:
                    out = io.StringIO()
                    details = json.dumps(record["details"], ensure_ascii=False)
                    csv.writer(out).writerow(
                        [spreadsheet_safe(details if k == "details" else record[k]) for k in COLUMNS]
                    )
                    yield out.getvalue()
            if len(batch) < 1000:
                return
            after_id = batch[-1].id

    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
    headers = {"Content-Disposition": f'attachment; filename="callrec-audit.{format}"'}
    return StreamingResponse(rows(), media_type=media, headers=headers)


@router.get("/audit/verify", responses=ERRORS)
def verify_audit(request: Request, key: ApiKey = Depends(reviewer)) -> dict[str, Any]:
    """Recompute the keyed hash chain and check it against the newest anchor kept outside the database:
    whether any entry was altered, removed or reordered."""
    services = request.app.state.services
    pinned = latest_anchor(services.objects)
    with services.db.session() as session:
        check = audit.verify_chain(session, (pinned.last_id, pinned.last_hash) if pinned else None)
    return {**asdict(check), "anchored_at_entry": pinned.last_id if pinned else None}


@router.get("/retention/due", responses=ERRORS)
def retention_due(request: Request, key: ApiKey = Depends(reviewer)) -> dict[str, Any]:
    """What the retention policies would delete if they ran now (a dry run)."""
    services = request.app.state.services
    policies = services.settings.storage.retention_policies
    if not policies:
        raise HTTPException(404, "no retention policies are configured (CALLREC_STORAGE_RETENTION_POLICIES)")
    return asdict(due(services.db, policies))
