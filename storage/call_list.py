"""The calls list: every filter a reviewer browses by without a keyword, sorted and paged by a
keyset (the sort value and the id of the last row), so page 40 costs what page 1 does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from .calls import to_call
from .driver_tables import CallDriverRow
from .qa_auto import counted
from .records import LIVE_FLAG_STATES, Call, CallStatus
from .tables import CallRow, FlagRow, QaReviewRow
from .times import as_utc

SortKey = Literal["created", "started", "duration"]
# A flag that was dismissed or withdrawn no longer says anything about the call.


@dataclass(frozen=True, slots=True)
class CallFilter:
    status: CallStatus | None = None
    source: str | None = None
    direction: str | None = None
    agent_id: str | None = None
    customer_number: str | None = None
    external_id: str | None = None
    language: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    # When the call happened (its started_at; when it was received if the recorder did not say).
    started_after: datetime | None = None
    started_before: datetime | None = None
    min_duration: float | None = None
    max_duration: float | None = None
    flag_category: str | None = None  # carries a flag of this category (open or confirmed unless flag_state)
    flag_state: str | None = None  # carries a flag in this state (of flag_category, when given)
    min_qa: float | None = None  # has a QA review scoring at least this (0-100)
    max_qa: float | None = None
    # (metric name, operator, value) on the stored characteristics, e.g. ("interruptions_by_agent", ">=", 2)
    metrics: tuple[tuple[str, str, float], ...] = ()
    # (role, lowest, highest): that side's overall sentiment (characteristics.sentiment) in the range
    sentiment: tuple[str, float | None, float | None] | None = None
    # The caller's scope (storage/teams.py): only calls of these agents; None means no limit.
    agent_ids: frozenset[str] | None = None
    team_agents: frozenset[str] | None = None  # a chosen team's agents (within the scope above)
    needs_listen: bool | None = None  # marked for a person to listen (rules withheld), or not
    driver: str | None = None  # has this call driver (storage/drivers.py), named or discovered
    medium: str | None = None  # call, chat or email


_METRIC_OPERATORS = {">": "__gt__", ">=": "__ge__", "<": "__lt__", "<=": "__le__", "==": "__eq__"}
MOMENT = func.coalesce(CallRow.started_at, CallRow.created_at)  # indexed: ix_calls_moment
SORT_COLUMNS: dict[str, Any] = {
    "created": CallRow.created_at,
    "started": MOMENT,
    "duration": CallRow.duration,
}


def _conditions(where: CallFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        column == value
        for column, value in (
            (CallRow.status, where.status.value if where.status else None),
            (CallRow.source, where.source),
            (CallRow.direction, where.direction),
            (CallRow.agent_id, where.agent_id),
            (CallRow.customer_number, where.customer_number),
            (CallRow.external_id, where.external_id),
            (CallRow.language, where.language),
            (CallRow.medium, where.medium),
        )
        if value is not None
    ]
    for agents in (where.agent_ids, where.team_agents):
        if agents is not None:
            conditions.append(CallRow.agent_id.in_(sorted(agents)))
    if where.needs_listen is not None:
        marked = CallRow.listen_reason.is_not(None)
        conditions.append(marked if where.needs_listen else ~marked)
    for column, lower, upper in (
        (CallRow.created_at, where.created_after, where.created_before),
        (MOMENT, where.started_after, where.started_before),
    ):
        if lower is not None:
            conditions.append(column >= as_utc(lower))
        if upper is not None:
            conditions.append(column < as_utc(upper))
    if where.min_duration is not None:
        conditions.append(CallRow.duration >= where.min_duration)
    if where.max_duration is not None:
        conditions.append(CallRow.duration <= where.max_duration)
    if where.flag_category or where.flag_state:
        flagged = [FlagRow.call_id == CallRow.id]
        if where.flag_category:
            flagged.append(FlagRow.category == where.flag_category)
        flagged.append(
            FlagRow.state == where.flag_state if where.flag_state else FlagRow.state.in_(LIVE_FLAG_STATES)
        )
        conditions.append(exists().where(*flagged))
    if where.min_qa is not None or where.max_qa is not None:
        scored = [QaReviewRow.call_id == CallRow.id, counted()]
        if where.min_qa is not None:
            scored.append(QaReviewRow.score >= where.min_qa)
        if where.max_qa is not None:
            scored.append(QaReviewRow.score <= where.max_qa)
        conditions.append(exists().where(*scored))
    if where.sentiment is not None:
        role, lowest, highest = where.sentiment
        overall = CallRow.characteristics["sentiment"][role]["overall"].as_float()
        if lowest is not None:
            conditions.append(overall >= lowest)
        if highest is not None:
            conditions.append(overall <= highest)
    if where.driver is not None:
        conditions.append(
            exists().where(CallDriverRow.call_id == CallRow.id, CallDriverRow.driver_id == where.driver)
        )
    for name, op, threshold in where.metrics:
        metric = CallRow.characteristics["metrics"][name].as_float()
        conditions.append(getattr(metric, _METRIC_OPERATORS[op])(threshold))
    return conditions


def list_calls(
    session: Session,
    where: CallFilter,
    limit: int = 50,
    before: tuple[Any, str] | None = None,
    sort: SortKey = "created",
    ascending: bool = False,
) -> list[Call]:
    """Calls in `sort` order (newest or longest first unless `ascending`); `before` is the (sort value,
    id) of the last call on the previous page (`sort_value` gives it)."""
    column = SORT_COLUMNS[sort]
    query = select(CallRow).where(*_conditions(where))
    if before is not None:
        value, call_id = before
        if sort != "duration":
            value = as_utc(value)
        past = (column > value) if ascending else (column < value)
        tie = (CallRow.id > call_id) if ascending else (CallRow.id < call_id)
        query = query.where(past | ((column == value) & tie))
    order = (column.asc(), CallRow.id.asc()) if ascending else (column.desc(), CallRow.id.desc())
    return [to_call(row) for row in session.scalars(query.order_by(*order).limit(limit))]


def sort_value(call: Call, sort: SortKey) -> datetime | float:
    """The value a call is sorted by, for the next page's keyset."""
    if sort == "duration":
        return call.duration
    if sort == "started":
        return call.started_at or call.created_at
    return call.created_at
