"""Call drivers in the database: each call's drivers (named ones from its analysis, discovered ones by
the themes known when it was saved or last rediscovered), counts per period and per day, and the
`driver.rising` event, announced once per driver per period."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .call_list import MOMENT
from .dashboard import local_day, utc_hour
from .driver_match import Theme, best_theme
from .driver_tables import CallDriverRow, DiscoveredDriverRow, DriverRiseRow
from .driver_trend import BASELINE_PERIODS, is_rising
from .tables import CallRow, utcnow
from .times import as_utc
from .webhooks import record_event

MAX_DISCOVERY_CALLS = 50_000  # the most recent calls a discovery reads: bounds its memory and time
TOP = 10  # drivers in a report


def _keys(characteristics: dict[str, Any] | None) -> frozenset[str]:
    found = (characteristics or {}).get("drivers") or {}
    return frozenset(pair[0] for pair in found.get("keyphrases") or [])


def discovered_themes(session: Session, language: str | None = None) -> list[Theme]:
    query = select(DiscoveredDriverRow).order_by(DiscoveredDriverRow.calls.desc(), DiscoveredDriverRow.id)
    if language is not None:
        query = query.where(DiscoveredDriverRow.language == language)
    return [
        Theme(r.id, r.language, r.name, tuple(r.keys), tuple(r.phrases), tuple(r.weights), ())
        for r in session.scalars(query)
    ]


def discovered_drivers(session: Session) -> list[dict[str, Any]]:
    """The last discovery's themes: id, language, name, the phrases that make it, calls, when found."""
    rows = session.scalars(
        select(DiscoveredDriverRow).order_by(DiscoveredDriverRow.calls.desc(), DiscoveredDriverRow.id)
    )
    return [
        {
            "id": r.id,
            "language": r.language,
            "name": r.name,
            "phrases": r.phrases,
            "calls": r.calls,
            "discovered_at": r.discovered_at.isoformat(),
        }  # fmt: skip
        for r in rows
    ]


def save_call_drivers(
    session: Session, call_id: str, language: str | None, characteristics: dict[str, Any] | None
) -> None:
    """The call's named drivers from its analysis, and the discovered theme it belongs to."""
    session.execute(delete(CallDriverRow).where(CallDriverRow.call_id == call_id))
    for found in ((characteristics or {}).get("drivers") or {}).get("named") or []:
        session.add(CallDriverRow(call_id=call_id, driver_id=found["id"], source="named", name=found["name"]))
    theme = best_theme(_keys(characteristics), discovered_themes(session, language)) if language else None
    if theme is not None:
        session.add(CallDriverRow(call_id=call_id, driver_id=theme.id, source="discovered", name=theme.name))


def discovery_calls(
    session: Session, since: datetime, until: datetime, limit: int = MAX_DISCOVERY_CALLS
) -> dict[str, list[tuple[str, list[list[str]]]]]:
    """Per language, (call id, keyphrases) of the done calls that happened in [since, until), newest
    first, at most `limit` in all."""
    rows = session.execute(
        select(CallRow.id, CallRow.language, CallRow.characteristics["drivers"]["keyphrases"])
        .where(CallRow.status == "done", as_utc(since) <= MOMENT, as_utc(until) > MOMENT)
        .order_by(MOMENT.desc(), CallRow.id.desc())
        .limit(limit)
    )
    found: dict[str, list[tuple[str, list[list[str]]]]] = defaultdict(list)
    for call_id, language, keyphrases in rows:
        if language and keyphrases:
            found[language].append((call_id, keyphrases))
    return dict(found)


def replace_discovered(session: Session, themes: Sequence[Theme]) -> None:
    """The themes of a new discovery replace the last one's, and so do the calls filed under them."""
    session.execute(delete(CallDriverRow).where(CallDriverRow.source == "discovered"))
    session.execute(delete(DiscoveredDriverRow))
    now = utcnow()
    for t in themes:
        session.add(
            DiscoveredDriverRow(
                id=t.id, language=t.language, name=t.name, keys=list(t.keys), phrases=list(t.phrases),
                weights=list(t.weights), calls=len(t.call_ids), discovered_at=now,
            )
        )  # fmt: skip
        session.add_all(
            CallDriverRow(call_id=c, driver_id=t.id, source="discovered", name=t.name) for c in t.call_ids
        )
    session.flush()


def call_drivers(session: Session, call_id: str) -> list[dict[str, str]]:
    rows = session.scalars(
        select(CallDriverRow).where(CallDriverRow.call_id == call_id).order_by(CallDriverRow.driver_id)
    )
    return [{"id": r.driver_id, "name": r.name, "source": r.source} for r in rows]


def _counts(
    session: Session, since: datetime, until: datetime, agent_ids: frozenset[str] | None
) -> dict[str, tuple[str, str, int]]:
    query = (
        select(CallDriverRow.driver_id, CallDriverRow.name, CallDriverRow.source, func.count())
        .join(CallRow, CallRow.id == CallDriverRow.call_id)
        .where(as_utc(since) <= MOMENT, as_utc(until) > MOMENT)
        .group_by(CallDriverRow.driver_id, CallDriverRow.name, CallDriverRow.source)
    )
    if agent_ids is not None:
        query = query.where(CallRow.agent_id.in_(sorted(agent_ids)))
    counts: dict[str, tuple[str, str, int]] = {}
    for driver_id, name, source, n in session.execute(query):
        _, _, before = counts.get(driver_id, (name, source, 0))
        counts[driver_id] = (name, source, before + n)
    return counts


def driver_report(
    session: Session,
    since: datetime,
    until: datetime,
    agent_ids: frozenset[str] | None,
    zone: ZoneInfo | None = None,
) -> list[dict[str, Any]]:
    """The top drivers of [since, until) against the period of the same length before it, each with
    its calls per day (in `zone`) and whether it is rising against the periods before."""
    since, until, zone = as_utc(since), as_utc(until), zone or ZoneInfo("UTC")
    length = until - since
    periods = [
        _counts(session, since - n * length, until - n * length, agent_ids)
        for n in range(BASELINE_PERIODS + 1)
    ]
    top = sorted(periods[0].items(), key=lambda item: (-item[1][2], item[0]))[:TOP]
    per_day: dict[str, dict[str, int]] = defaultdict(dict)
    if top:
        hour = utc_hour(session)
        query = (
            select(hour, CallDriverRow.driver_id, func.count())
            .join(CallRow, CallRow.id == CallDriverRow.call_id)
            .where(since <= MOMENT, until > MOMENT, CallDriverRow.driver_id.in_([d for d, _ in top]))
            .group_by(hour, CallDriverRow.driver_id)
        )
        if agent_ids is not None:
            query = query.where(CallRow.agent_id.in_(sorted(agent_ids)))
        for at, driver_id, n in session.execute(query):
            day = local_day(at, zone)
            per_day[driver_id][day] = per_day[driver_id].get(day, 0) + n
    report = []
    for driver_id, (name, source, n) in top:
        earlier = [p.get(driver_id, ("", "", 0))[2] for p in periods[1:]]
        report.append(
            {
                "id": driver_id, "name": name, "source": source, "calls": n, "previous": earlier[0],
                "rising": is_rising(n, earlier),
                "per_day": [{"day": d, "calls": c} for d, c in sorted(per_day[driver_id].items())],
            }
        )  # fmt: skip
    return report


def raise_rising(session: Session, now: datetime | None = None, period_days: int = 7) -> list[dict[str, Any]]:
    """Queue `driver.rising` for each driver rising over the last `period_days` (against the mean of
    the BASELINE_PERIODS before), unless it was announced within the last period; returns the events."""
    now = as_utc(now or utcnow())
    period = timedelta(days=period_days)
    periods = [
        _counts(session, now - (n + 1) * period, now - n * period, None) for n in range(BASELINE_PERIODS + 1)
    ]
    events = []
    for driver_id, (name, source, n) in sorted(periods[0].items()):
        earlier = [p.get(driver_id, ("", "", 0))[2] for p in periods[1:]]
        if not is_rising(n, earlier):
            continue
        announced = session.scalar(
            select(func.count()).where(
                DriverRiseRow.driver_id == driver_id, DriverRiseRow.raised_at > now - period
            )
        )
        if announced:
            continue
        usual = sum(earlier) / len(earlier)
        session.add(DriverRiseRow(driver_id=driver_id, raised_at=now, calls=n, usual=usual))
        data = {
            "driver_id": driver_id, "name": name, "source": source, "calls": n, "usual": round(usual, 1),
            "since": (now - period).isoformat(), "until": now.isoformat(), "period_days": period_days,
        }  # fmt: skip
        record_event(session, "driver.rising", data)
        events.append(data)
    session.flush()
    return events
