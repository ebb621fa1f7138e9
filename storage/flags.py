"""Flags: what a rule caught on a call, with evidence, and its review (open, confirmed, dismissed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from .errors import FlagNotFound
from .records import RaisedFlag, record_of
from .tables import CallRow, FlagRow, utcnow
from .times import as_utc
from .webhooks import record_event

STATES = ("open", "confirmed", "dismissed")  # what a reviewer may set
WITHDRAWN = "withdrawn"  # set by analysis only: the rule no longer holds
# Flags that count (the calls filter, the dashboard): neither dismissed nor withdrawn.
NOT_COUNTED = ("dismissed", WITHDRAWN)


@dataclass(frozen=True, slots=True)
class Flag:
    id: int
    call_id: str
    rule_id: str
    rule_version: int
    category: str
    severity: str
    evidence: list[dict[str, Any]]
    state: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    comment: str | None
    created_at: datetime
    assigned_to: str | None = None
    withdrawn_reason: str | None = None


SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}


@dataclass(frozen=True, slots=True)
class QueuedFlag:
    """A flag as the review queue lists it: with its call's agent, customer and time."""

    flag: Flag
    agent_id: str | None
    customer_number: str | None
    call_started_at: datetime | None


def _to_flag(row: FlagRow) -> Flag:
    return record_of(Flag, row, created_at=row.created_at or utcnow())


def save_flags(
    session: Session,
    call_id: str,
    raised: Sequence[RaisedFlag],
    rule_ids: Sequence[str],
    withdraw_reason: str | None = None,
) -> list[Flag]:
    """Make the call's flags for `rule_ids` equal `raised`: new ones added, existing ones refreshed with
    their review kept. An open flag whose rule no longer matches is removed, or, with
    `withdraw_reason` (a changed transcript, so a reviewer may have seen it), withdrawn with that
    reason; it is raised again if the rule matches again. Never duplicates a flag."""
    existing = {
        row.rule_id: row for row in session.scalars(select(FlagRow).where(FlagRow.call_id == call_id))
    }
    raised_ids = {flag.rule_id for flag in raised}
    for rule_id in set(rule_ids) - raised_ids:
        row = existing.get(rule_id)
        if row is not None and row.state == "open":
            if withdraw_reason is None:
                session.delete(row)
            else:
                row.state, row.withdrawn_reason = WITHDRAWN, withdraw_reason[:1000]
    new_rows = []
    for flag in raised:
        row = existing.get(flag.rule_id)
        if row is None:
            row = FlagRow(call_id=call_id, rule_id=flag.rule_id, state="open")
            session.add(row)
            new_rows.append(row)
        elif row.state == WITHDRAWN:
            row.state, row.withdrawn_reason = "open", None
            new_rows.append(row)
        row.rule_version, row.category, row.severity, row.evidence = (
            flag.rule_version,
            flag.category,
            flag.severity,
            flag.evidence,
        )
    session.flush()
    for row in new_rows:
        record_event(session, "flag.raised", {"flag": flag_summary(_to_flag(row))})
    return list_call_flags(session, call_id)


def flag_summary(flag: Flag) -> dict[str, Any]:
    return {
        "id": flag.id,
        "call_id": flag.call_id,
        "rule_id": flag.rule_id,
        "category": flag.category,
        "severity": flag.severity,
        "state": flag.state,
    }


def list_call_flags(session: Session, call_id: str) -> list[Flag]:
    rows = session.scalars(select(FlagRow).where(FlagRow.call_id == call_id).order_by(FlagRow.id))
    return [_to_flag(row) for row in rows]


def list_flags(
    session: Session,
    category: str | None = None,
    severity: str | None = None,
    state: str | None = None,
    agent_id: str | None = None,
    after: datetime | None = None,
    before: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
    agent_ids: frozenset[str] | None = None,
    call_id: str | None = None,
    assigned_to: str | None = None,
    order: str = "time",
) -> list[QueuedFlag]:
    """Newest first, or most severe first (`order="severity"`, newest first within a severity), each
    with the facts of its call a queue shows; `agent_ids` limits them to the calls of those agents
    (the caller's scope)."""
    query = select(FlagRow, CallRow.agent_id, CallRow.customer_number, CallRow.started_at).join(
        CallRow, CallRow.id == FlagRow.call_id
    )
    if agent_ids is not None:
        query = query.where(CallRow.agent_id.in_(sorted(agent_ids)))
    if call_id is not None:
        query = query.where(FlagRow.call_id == call_id)
    if assigned_to is not None:
        query = query.where(FlagRow.assigned_to == (assigned_to or None))
    for column, value in (
        (FlagRow.category, category),
        (FlagRow.severity, severity),
        (FlagRow.state, state),
        (CallRow.agent_id, agent_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if after is not None:
        query = query.where(FlagRow.created_at >= as_utc(after))
    if before is not None:
        query = query.where(FlagRow.created_at < as_utc(before))
    newest = (FlagRow.created_at.desc(), FlagRow.id.desc())
    ranked = (case(SEVERITY_RANK, value=FlagRow.severity, else_=0).desc(), *newest)
    query = query.order_by(*(ranked if order == "severity" else newest)).limit(limit).offset(offset)
    return [
        QueuedFlag(_to_flag(row), agent_id, customer_number, started_at)
        for row, agent_id, customer_number, started_at in session.execute(query)
    ]


def flag_counts(session: Session, agent_ids: frozenset[str] | None = None) -> dict[str, dict[str, int]]:
    """Flags per category and state, within the caller's scope: the queue's tabs."""
    query = select(FlagRow.category, FlagRow.state, func.count()).join(CallRow, CallRow.id == FlagRow.call_id)
    if agent_ids is not None:
        query = query.where(CallRow.agent_id.in_(sorted(agent_ids)))
    counts: dict[str, dict[str, int]] = {}
    for category, state, n in session.execute(query.group_by(FlagRow.category, FlagRow.state)):
        counts.setdefault(category, {})[state] = int(n)
    return counts


def flag_agent(session: Session, flag_id: int) -> str | None:
    """The agent of the flag's call, for scope checks; FlagNotFound when there is no such flag."""
    found = session.execute(
        select(CallRow.agent_id).join(FlagRow, FlagRow.call_id == CallRow.id).where(FlagRow.id == flag_id)
    ).first()
    if found is None:
        raise FlagNotFound(f"no flag with id {flag_id}")
    return found[0]


def review_flag(
    session: Session,
    flag_id: int,
    state: str | None,
    comment: str | None,
    reviewer: str,
    assigned_to: str | None = None,
) -> Flag:
    """Change a flag's state, comment and/or assignee ("" unassigns); who and when are recorded."""
    row = session.get(FlagRow, flag_id)
    if row is None:
        raise FlagNotFound(f"no flag with id {flag_id}")
    if assigned_to is not None:
        row.assigned_to = assigned_to[:128] or None
    if state is not None:
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}")
        row.state = state
    if comment is not None:
        row.comment = comment
    if state is not None or comment is not None:
        row.reviewed_by, row.reviewed_at = reviewer[:128], utcnow()
    session.flush()
    return _to_flag(row)


def delete_call_flags(session: Session, call_id: str) -> None:
    session.execute(delete(FlagRow).where(FlagRow.call_id == call_id))


def save_characteristics(session: Session, call_id: str, characteristics: dict[str, Any]) -> None:
    row = session.get(CallRow, call_id)
    if row is not None:
        row.characteristics = characteristics
