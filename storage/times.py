"""Datetimes from outside, made safe to compare with stored UTC times."""

from __future__ import annotations

from datetime import UTC, datetime

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def as_utc(value: datetime) -> datetime:
    """UTC, clamped to 1970..9000: a date at the calendar's edge would overflow on conversion, and no
    call is outside that range anyway. Naive values are taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        converted = value.astimezone(UTC)
    except OverflowError:
        return EARLIEST if value.year < 2000 else LATEST
    return min(max(converted, EARLIEST), LATEST)
