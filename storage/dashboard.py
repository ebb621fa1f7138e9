"""The dashboard's figures, aggregated in SQL within the viewer's scope: calls per day, the backlog,
failures, flags by category over time, a per-agent table and the complaint trend."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .tables import CallRow, FlagRow, QaReviewRow
from .times import as_utc


def _day(value: Any) -> str:
    return str(value)[:10]


def dashboard(session: Session, since: datetime, agent_ids: frozenset[str] | None) -> dict[str, Any]:
    since = as_utc(since)

    def scoped(query):  # type: ignore[no-untyped-def]
        return query if agent_ids is None else query.where(CallRow.agent_id.in_(sorted(agent_ids)))

    call_day = func.date(CallRow.created_at)
    per_day: dict[str, dict[str, int]] = defaultdict(dict)
    for day, status, n in session.execute(
        scoped(select(call_day, CallRow.status, func.count()).where(CallRow.created_at >= since))
        .group_by(call_day, CallRow.status)
    ):  # fmt: skip
        per_day[_day(day)][status] = n
    backlog: dict[str, int] = {
        status: n
        for status, n in session.execute(
            scoped(
                select(CallRow.status, func.count()).where(CallRow.status.in_(("queued", "processing")))
            ).group_by(CallRow.status)
        )  # fmt: skip
    }
    flag_day = func.date(FlagRow.created_at)
    flags_per_day: dict[str, dict[str, int]] = defaultdict(dict)
    complaints: dict[str, dict[str, int]] = defaultdict(dict)
    flagged = scoped(select(flag_day, FlagRow.category, FlagRow.rule_id, func.count()).join(CallRow))
    for day, category, rule_id, n in session.execute(
        flagged.where(FlagRow.created_at >= since, FlagRow.state.notin_(("dismissed", "withdrawn"))).group_by(
            flag_day, FlagRow.category, FlagRow.rule_id
        )
    ):
        key = _day(day)
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
            ).where(CallRow.created_at >= since, CallRow.status == "done", CallRow.agent_id.is_not(None))
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
        .where(FlagRow.created_at >= since, FlagRow.state.notin_(("dismissed", "withdrawn")), CallRow.agent_id.is_not(None))
        .group_by(CallRow.agent_id)
    ):  # fmt: skip
        if agent in agents:
            agents[agent]["flags"] = n
            agents[agent]["flags_per_100"] = round(100 * n / agents[agent]["calls"], 1)
    qa = select(QaReviewRow.agent_id, func.avg(QaReviewRow.score)).where(QaReviewRow.created_at >= since)
    if agent_ids is not None:
        qa = qa.where(QaReviewRow.agent_id.in_(sorted(agent_ids)))
    for agent, average in session.execute(qa.group_by(QaReviewRow.agent_id)):
        if agent in agents and average is not None:
            agents[agent]["qa_average"] = round(average, 1)
    return {
        "since": since.isoformat(),
        "calls_per_day": [{"day": d, **per_day[d]} for d in sorted(per_day)],
        "processed": sum(v.get("done", 0) for v in per_day.values()),
        "failed": sum(v.get("failed", 0) for v in per_day.values()),
        "backlog": {"queued": backlog.get("queued", 0), "processing": backlog.get("processing", 0)},
        "flags_per_day": [{"day": d, **flags_per_day[d]} for d in sorted(flags_per_day)],
        "complaints_per_day": [{"day": d, **complaints[d]} for d in sorted(complaints)],
        "agents": sorted(agents.values(), key=lambda a: -a["calls"]),
    }
