"""The period a report covers, as the dashboard and the drivers report take it: the last N days, or
from/to, in the operator's time zone (days start at local midnight)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import HTTPException, Query

MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class Period:
    first: date
    last: date  # inclusive
    zone: ZoneInfo

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first, time(), self.zone)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), self.zone)


def zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise HTTPException(
            422, f"unknown time zone {name!r}: use an IANA name such as Asia/Jerusalem"
        ) from exc


def period_query(default_days: int) -> Callable[..., Period]:
    """A dependency reading days/from/to/tz, with `default_days` when none is given."""

    def asked(
        days: int = Query(
            default_days, ge=1, le=MAX_DAYS, description="The last N days, today included (without from/to)"
        ),
        from_: date | None = Query(
            None, alias="from", description="First day, inclusive (YYYY-MM-DD, local)"
        ),
        to: date | None = Query(None, description="Last day, inclusive"),
        tz: str = Query("UTC", max_length=64, description="The operator's time zone, e.g. Asia/Jerusalem"),
    ) -> Period:
        zone = zone_named(tz)
        last = to or datetime.now(zone).date()
        first = from_ or (last - timedelta(days=days - 1))
        if first > last:
            raise HTTPException(422, "from is after to")
        if (last - first).days + 1 > MAX_DAYS:
            raise HTTPException(422, f"at most {MAX_DAYS} days at a time")
        return Period(first, last, zone)

    return asked
