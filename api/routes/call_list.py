"""GET /v1/calls: browse calls without a keyword: filters, sort, keyset pages, and saved views."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from storage import call_list
from storage.api_keys import ApiKey
from storage.call_list import CallFilter, SortKey
from storage.errors import TeamNotFound
from storage.records import CallStatus
from storage.teams import get_team
from transcribe.characteristics import METRICS
from transcribe.sentiment.score import NEGATIVE_FROM, POSITIVE_FROM

from ..auth import call_scope, reader
from ..schemas import CallOut, CallPage, ErrorOut

router = APIRouter(prefix="/v1/calls", tags=["calls"])
ERRORS: dict[int | str, dict] = {code: {"model": ErrorOut} for code in (400, 401, 403, 422)}
Category = Literal["agent_conduct", "suspicious_customer", "complaint", "compliance"]
# A side's overall score read as a label, with the thresholds each segment is labelled by.
SENTIMENT_RANGES: dict[str, tuple[float | None, float | None]] = {
    "negative": (None, NEGATIVE_FROM),
    "neutral": (NEGATIVE_FROM + 0.001, POSITIVE_FROM - 0.001),
    "positive": (POSITIVE_FROM, None),
}
_METRIC_FILTER = re.compile(r"^([a-z_]+)(>=|<=|==|>|<)(-?\d+(?:\.\d+)?)$")


def _metric_filter(text: str) -> tuple[str, str, float]:
    match = _METRIC_FILTER.match(text.replace(" ", ""))
    if not match or match.group(1) not in METRICS:
        raise HTTPException(
            400, f"metric filter {text!r}: use NAME>=VALUE with NAME one of {', '.join(METRICS)}"
        )
    return match.group(1), match.group(2), float(match.group(3))


def _encode_cursor(sort: SortKey, value: datetime | float, call_id: str) -> str:
    shown = value.isoformat() if isinstance(value, datetime) else value
    return base64.urlsafe_b64encode(json.dumps([sort, shown, call_id]).encode()).decode()


def _decode_cursor(cursor: str, sort: SortKey) -> tuple[datetime | float, str]:
    try:
        named, value, call_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if named != sort or not isinstance(call_id, str):
            raise ValueError("the cursor is of another sort")
        return (float(value) if sort == "duration" else datetime.fromisoformat(value)), call_id
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise HTTPException(
            400, "invalid cursor: pass next_cursor from the previous page unchanged, with the same sort"
        ) from exc


def _team_agents(request: Request, team: str | None) -> frozenset[str] | None:
    if team is None:
        return None
    with request.app.state.services.db.session() as session:
        try:
            return frozenset(get_team(session, team).agents)
        except TeamNotFound as exc:
            raise HTTPException(422, f"no team {team!r}") from exc


@router.get("", response_model=CallPage, responses=ERRORS)
def list_calls(
    request: Request,
    key: Annotated[ApiKey, Depends(reader)],
    status: CallStatus | None = None,
    source: str | None = Query(None, max_length=128),
    direction: Literal["inbound", "outbound", "internal"] | None = None,
    agent_id: str | None = Query(None, max_length=128),
    team: str | None = Query(None, max_length=128, description="Only the calls of this team's agents"),
    customer_number: str | None = Query(None, max_length=64),
    external_id: str | None = Query(None, max_length=255),
    language: str | None = Query(None, max_length=16, description="The transcript's language, e.g. he"),
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    started_after: datetime | None = Query(None, description="When the call happened (received, if unknown)"),
    started_before: datetime | None = None,
    min_duration: float | None = Query(None, ge=0, le=1e6, description="Seconds"),
    max_duration: float | None = Query(None, ge=0, le=1e6),
    flag: Category | None = None,
    flag_state: Literal["open", "confirmed", "dismissed", "withdrawn"] | None = Query(
        None, description="Carries a flag in this state (of the `flag` category, when given)"
    ),
    min_qa: float | None = Query(None, ge=0, le=100, description="Has a QA review scoring at least this"),
    max_qa: float | None = Query(None, ge=0, le=100),
    metric: list[str] = Query(
        [], max_length=20, description="Characteristic thresholds, e.g. interruptions_by_agent>=2"
    ),
    needs_listen: bool | None = Query(
        None, description="Only calls marked (true) or not marked (false) for a person to listen"
    ),
    sentiment: Literal["positive", "neutral", "negative"] | None = Query(
        None, description="How the side (sentiment_side) read over the whole call"
    ),
    sentiment_side: Literal["customer", "agent"] = "customer",
    medium: Literal["call", "chat", "email"] | None = Query(
        None, description="Recorded calls or written contacts"
    ),
    driver: str | None = Query(
        None, max_length=64, description="A call driver's id (GET /v1/drivers), named or discovered"
    ),
    sort: SortKey = Query("created", description="created (received), started (happened) or duration"),
    order: Literal["desc", "asc"] = "desc",
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = Query(None, max_length=512),
) -> CallPage:
    """Calls, newest (or longest) first unless order=asc, filtered; follow next_cursor for the next page."""
    sees_review = key.role != "agent"
    if needs_listen is not None and not sees_review:
        raise HTTPException(403, "agents do not see which calls are marked for review")
    if (flag is not None or flag_state is not None) and not sees_review:
        raise HTTPException(403, "agents cannot filter by flag: flags are for reviewers")
    where = CallFilter(
        status=status,
        source=source,
        direction=direction,
        agent_id=agent_id,
        customer_number=customer_number,
        external_id=external_id,
        language=language,
        created_after=created_after,
        created_before=created_before,
        started_after=started_after,
        started_before=started_before,
        min_duration=min_duration,
        max_duration=max_duration,
        flag_category=flag,
        flag_state=flag_state,
        min_qa=min_qa,
        max_qa=max_qa,
        metrics=tuple(_metric_filter(m) for m in metric),
        agent_ids=call_scope(request, key),
        team_agents=_team_agents(request, team),
        needs_listen=needs_listen,
        sentiment=(sentiment_side, *SENTIMENT_RANGES[sentiment]) if sentiment else None,
        driver=driver,
        medium=medium,
    )
    before = _decode_cursor(cursor, sort) if cursor else None
    with request.app.state.services.db.session() as session:
        calls = call_list.list_calls(
            session, where, limit=limit + 1, before=before, sort=sort, ascending=order == "asc"
        )
    page = calls[:limit]
    next_cursor = (
        _encode_cursor(sort, call_list.sort_value(page[-1], sort), page[-1].id)
        if len(calls) > limit
        else None
    )
    return CallPage(items=[CallOut.of(c, sees_review=sees_review) for c in page], next_cursor=next_cursor)
