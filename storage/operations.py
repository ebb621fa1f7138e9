"""What an operator watches, counted in SQL: calls by status and source, flags by category, webhook
deliveries by state, the oldest call waiting, and recent failures (GET /metrics, `callrec status`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .tables import CallRow, FlagRow, WebhookDeliveryRow, utcnow
from .times import as_utc


@dataclass(frozen=True, slots=True)
class Operations:
    calls: list[tuple[str, str, int]]  # (status, source, calls)
    flags: list[tuple[str, int]]  # (category, flags)
    deliveries: list[tuple[str, int]]  # (state, deliveries)
    oldest_waiting: datetime | None  # the oldest queued call's arrival
    failed_last_hour: int


def operations(session: Session) -> Operations:
    calls = session.execute(
        select(CallRow.status, CallRow.source, func.count()).group_by(CallRow.status, CallRow.source)
    ).all()
    flags = session.execute(select(FlagRow.category, func.count()).group_by(FlagRow.category)).all()
    deliveries = session.execute(
        select(WebhookDeliveryRow.state, func.count()).group_by(WebhookDeliveryRow.state)
    ).all()
    oldest = session.scalar(select(func.min(CallRow.created_at)).where(CallRow.status == "queued"))
    failed = session.scalar(
        select(func.count()).where(
            CallRow.status == "failed", CallRow.updated_at >= utcnow() - timedelta(hours=1)
        )
    )
    return Operations(
        [(status, source, int(n)) for status, source, n in calls],
        [(category, int(n)) for category, n in flags],
        [(state, int(n)) for state, n in deliveries],
        as_utc(oldest) if oldest is not None else None,
        int(failed or 0),
    )
