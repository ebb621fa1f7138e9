"""Retention: how long a call's audio and transcript are kept, by source, direction and flag state,
applied by a scheduled pass (the workers run it hourly; `callrec retention apply` runs it by hand).

Policies are tried in order and the first that matches a call decides, so put the narrow ones (flagged
calls) first. A call no policy matches is kept. Legal holds win over every policy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import exists, select

from .database import Database
from .holds import held_call_ids
from .lifecycle import delete_call_data, expire_audio
from .objects import ObjectStore
from .tables import CallRow, FlagRow, utcnow
from .times import as_utc

log = logging.getLogger(__name__)
ACTOR = "retention"


class RetentionPolicy(BaseModel):
    name: str
    source: str | None = None
    direction: str | None = None
    flagged: bool | None = Field(None, description="true: calls with a flag not dismissed; false: without")
    audio_days: float | None = Field(None, gt=0, description="delete the recording after this many days")
    transcript_days: float | None = Field(
        None, gt=0, description="delete the whole call after this many days"
    )

    def matches(self, source: str, direction: str | None, flagged: bool) -> bool:
        return (
            (self.source is None or self.source == source)
            and (self.direction is None or self.direction == direction)
            and (self.flagged is None or self.flagged == flagged)
        )


@dataclass
class RetentionReport:
    audio_expired: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)


def due(
    db: Database, policies: list[RetentionPolicy], now: datetime | None = None, batch: int = 1000
) -> RetentionReport:
    """What the policies would do now: calls whose audio or whole record is past its time."""
    now = as_utc(now or utcnow())
    report = RetentionReport()
    if not policies:
        return report
    flagged = exists().where(FlagRow.call_id == CallRow.id, FlagRow.state != "dismissed")
    last = ""
    while True:
        with db.session() as session:
            rows = session.execute(
                select(
                    CallRow.id, CallRow.source, CallRow.direction, CallRow.started_at, CallRow.created_at,
                    CallRow.audio_key, flagged.label("flagged"),
                )
                .where(CallRow.id > last)
                .order_by(CallRow.id)
                .limit(batch)
            ).all()  # fmt: skip
            held = held_call_ids(session, [row.id for row in rows])
        for row in rows:
            policy = next(
                (p for p in policies if p.matches(row.source, row.direction, bool(row.flagged))), None
            )
            if policy is None:
                continue
            age = now - as_utc(row.started_at or row.created_at)
            if policy.transcript_days and age > timedelta(days=policy.transcript_days):
                (report.held if row.id in held else report.deleted).append(row.id)
            elif policy.audio_days and row.audio_key and age > timedelta(days=policy.audio_days):
                (report.held if row.id in held else report.audio_expired).append(row.id)
        if len(rows) < batch:
            return report
        last = rows[-1].id


def apply_retention(
    db: Database, objects: ObjectStore, policies: list[RetentionPolicy], now: datetime | None = None
) -> RetentionReport:
    report = due(db, policies, now)
    for call_id in report.audio_expired:
        expire_audio(db, objects, call_id, ACTOR, "audio retention period over")
    for call_id in report.deleted:
        delete_call_data(db, objects, call_id, ACTOR, "retention period over")
    if report.audio_expired or report.deleted:
        log.info(
            "retention applied",
            extra={
                "audio_expired": len(report.audio_expired),
                "deleted": len(report.deleted),
                "held": len(report.held),
            },
        )
    return report
