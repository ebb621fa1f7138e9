"""The dashboard's figures, aggregated in SQL within the viewer's scope: calls per day, the backlog,
failures, flags by category over time, a per-agent table and the complaint trend.

Calls count on the day they happened (their started_at; the day they were received when the recorder
did not say), in the operator's time zone. SQL groups by UTC hour, the same on SQLite and PostgreSQL,
and the hours are folded into local days here (at most 24 x 366 groups); a zone whose offset is not a
whole number of hours splits its days at the hour nearest midnight."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from .call_list import MOMENT
from .qa_auto import counted
from .tables import CallRow, FlagRow, QaReviewRow
from .times import as_utc


def utc_hour(session: Session) -> ColumnElement[str]:
    """The hour a call happened, as "YYYY-MM-DD HH" in UTC."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", MOMENT), "YYYY-MM-DD HH24")
    return func.substr(MOMENT, 1, 13)  # SQLite keeps UTC timestamps as ISO text


def local_day(hour: str, zone: ZoneInfo) -> str:
    at = datetime.strptime(hour[:13], "%Y-%m-%d %H").replace(tzinfo=UTC)
    return at.astimezone(zone).date().isoformat()


def dashboard(
    session: Session, since: datetime, agent_ids: frozenset[str] | None, until: datetime | None = None,
    zone: ZoneInfo | None = None, medium: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Figures for calls that happened in [since, until), by day in `zone` (UTC when None); of one
    medium (call, chat, email) when given, else of all."""
    since, zone = as_utc(since), zone or ZoneInfo("UTC")
    until = as_utc(until) if until else datetime.now(UTC)
    hour = utc_hour(session)

    def scoped(query):  # type: ignore[no-untyped-def]
        query = query.where(since <= MOMENT, until > MOMENT)
        if medium is not None:
            query = query.where(CallRow.medium == medium)
        return query if agent_ids is None else query.where(CallRow.agent_id.in_(sorted(agent_ids)))

    per_day: dict[str, dict[str, int]] = defaultdict(dict)
    for at, status, n in session.execute(
        scoped(select(hour, CallRow.status, func.count())).group_by(hour, CallRow.status)
    ):
        day = per_day[local_day(at, zone)]
        day[status] = day.get(status, 0) + n
    backlog: dict[str, int] = {
        status: n
        # The backlog is now, whenever its calls happened.
        for status, n in session.execute(
            select(CallRow.status, func.count())
            .where(CallRow.status.in_(("queued", "processing")))
            .where(*(() if agent_ids is None else (CallRow.agent_id.in_(sorted(agent_ids)),)))
            .group_by(CallRow.status)
        )
    }
    flags_per_day: dict[str, dict[str, int]] = defaultdict(dict)
    complaints: dict[str, dict[str, int]] = defaultdict(dict)
    flagged = scoped(select(hour, FlagRow.category, FlagRow.rule_id, func.count()).join(CallRow))
    for at, category, rule_id, n in session.execute(
        flagged.where(FlagRow.state.notin_(("dismissed", "withdrawn"))).group_by(
            hour, FlagRow.category, FlagRow.rule_id
        )
    ):
        key = local_day(at, zone)
        flags_per_day[key][category] = flags_per_day[key].get(category, 0) + n
        if category == "complaint":
            complaints[key][rule_id] = complaints[key].get(rule_id, 0) + n
    metrics = CallRow.characteristics["metrics"]
    agents: dict[str, dict[str, Any]] = {}
    for agent, n, share, interruptions in session.execute(
        scoped(
            select(
                CallRow.agent_id,
                func.count(),
                func.avg(metrics["talk_share_agent"].as_float()),
                func.avg(metrics["interruptions_by_agent"].as_float()),
            ).where(CallRow.status == "done", CallRow.agent_id.is_not(None))
        ).group_by(CallRow.agent_id)
    ):
        agents[agent] = {
            "agent_id": agent, "calls": n,
            "talk_share": round(share, 3) if share is not None else None,
            "interruptions": round(interruptions, 2) if interruptions is not None else None,
            "flags": 0, "flags_per_100": 0.0, "qa_average": None,
        }  # fmt: skip
    for agent, n in session.execute(
        scoped(select(CallRow.agent_id, func.count()).join(FlagRow, FlagRow.call_id == CallRow.id))
        .where(FlagRow.state.notin_(("dismissed", "withdrawn")), CallRow.agent_id.is_not(None))
        .group_by(CallRow.agent_id)
    ):  # fmt: skip
        if agent in agents:
            agents[agent]["flags"] = n
            agents[agent]["flags_per_100"] = round(100 * n / agents[agent]["calls"], 1)
    qa = (
        select(QaReviewRow.agent_id, func.avg(QaReviewRow.score))
        .join(CallRow)
        .where(since <= MOMENT, until > MOMENT, counted())
    )
    if agent_ids is not None:
        qa = qa.where(QaReviewRow.agent_id.in_(sorted(agent_ids)))
    for agent, average in session.execute(qa.group_by(QaReviewRow.agent_id)):
        if agent in agents and average is not None:
            agents[agent]["qa_average"] = round(average, 1)
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "time_zone": zone.key,
        "calls_per_day": [{"day": d, **per_day[d]} for d in sorted(per_day)],
        "processed": sum(v.get("done", 0) for v in per_day.values()),
        "failed": sum(v.get("failed", 0) for v in per_day.values()),
        "backlog": {"queued": backlog.get("queued", 0), "processing": backlog.get("processing", 0)},
        "flags_per_day": [{"day": d, **flags_per_day[d]} for d in sorted(flags_per_day)],
        "complaints_per_day": [{"day": d, **complaints[d]} for d in sorted(complaints)],
        "agents": sorted(agents.values(), key=lambda a: -a["calls"]),
    }
