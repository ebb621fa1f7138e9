"""Legal holds: while one is active on a call, or on a customer number, nothing of those calls is
deleted, by retention, by a customer's deletion request, or by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .errors import CallOnHold, HoldNotFound
from .records import record_of
from .tables import CallRow, LegalHoldRow, utcnow


@dataclass(frozen=True, slots=True)
class LegalHold:
    id: int
    call_id: str | None
    customer_number: str | None
    reason: str
    created_by: str
    created_at: datetime
    released_by: str | None
    released_at: datetime | None

    @property
    def active(self) -> bool:
        return self.released_at is None


def _hold(row: LegalHoldRow) -> LegalHold:
    return record_of(LegalHold, row)


def place_hold(
    session: Session,
    reason: str,
    created_by: str,
    call_id: str | None = None,
    customer_number: str | None = None,
) -> LegalHold:
    if bool(call_id) == bool(customer_number):
        raise ValueError("a hold is on one call or on one customer number")
    row = LegalHoldRow(call_id=call_id, customer_number=customer_number, reason=reason, created_by=created_by)
    session.add(row)
    session.flush()
    return _hold(row)


def release_hold(session: Session, hold_id: int, released_by: str) -> LegalHold:
    row = session.get(LegalHoldRow, hold_id)
    if row is None:
        raise HoldNotFound(f"no legal hold with id {hold_id}")
    if row.released_at is None:
        row.released_at, row.released_by = utcnow(), released_by
        session.flush()
    return _hold(row)


def list_holds(session: Session, active_only: bool = True) -> list[LegalHold]:
    query = select(LegalHoldRow).order_by(LegalHoldRow.id)
    if active_only:
        query = query.where(LegalHoldRow.released_at.is_(None))
    return [_hold(row) for row in session.scalars(query)]


def held_call_ids(session: Session, call_ids: list[str]) -> set[str]:
    """Which of `call_ids` an active hold covers (on the call itself or on its customer number)."""
    if not call_ids:
        return set()
    active = LegalHoldRow.released_at.is_(None)
    direct = session.scalars(select(LegalHoldRow.call_id).where(active, LegalHoldRow.call_id.in_(call_ids)))
    by_customer = session.scalars(
        select(CallRow.id).where(
            CallRow.id.in_(call_ids),
            CallRow.customer_number.in_(
                select(LegalHoldRow.customer_number).where(active, LegalHoldRow.customer_number.is_not(None))
            ),
        )
    )
    return {c for c in direct if c} | set(by_customer)


def ensure_not_held(session: Session, call_id: str) -> None:
    if held_call_ids(session, [call_id]):
        raise CallOnHold(f"call {call_id} is under a legal hold; release the hold before deleting it")


def holds_for(session: Session, call_id: str, customer_number: str | None) -> list[LegalHold]:
    condition = LegalHoldRow.call_id == call_id
    if customer_number:
        condition = or_(condition, LegalHoldRow.customer_number == customer_number)
    rows = session.scalars(select(LegalHoldRow).where(condition, LegalHoldRow.released_at.is_(None)))
    return [_hold(row) for row in rows]
