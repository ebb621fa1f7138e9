"""/v1/search: calls whose transcripts match the query language, with the matching segments."""

from __future__ import annotations

import base64
import html
import time
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from storage import metrics
from storage.api_keys import ApiKey
from storage.calls import calls_by_id
from storage.customer_refs import customer_reference, without_numbers
from storage.records import Call, CallHits
from storage.search_index import search
from storage.search_query import Filters, parse_query

from ..auth import call_scope, reader, record_access
from ..schemas import ErrorOut, HitOut, SearchCallOut, SearchOut, SearchResultOut

router = APIRouter(prefix="/v1", tags=["search"])


def highlight(words: tuple[str, ...], matched: tuple[int, ...], text: str) -> str:
    """The segment's words with matches in <mark>; HTML-escaped, so safe to insert into a page."""
    if not words:
        return html.escape(text)
    marked = set(matched)
    return " ".join(
        f"<mark>{html.escape(w)}</mark>" if i in marked else html.escape(w) for i, w in enumerate(words)
    )


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        kind, value = base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)
        if kind != "o" or not 0 <= int(value) <= 1_000_000:
            raise ValueError(cursor)
        return int(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise HTTPException(400, "invalid cursor: pass next_cursor from the previous page unchanged") from exc


def to_result(result: CallHits, call: Call | None = None) -> SearchResultOut:
    summary = (
        SearchCallOut(
            agent_id=call.agent_id,
            customer_number=call.customer_number,
            direction=call.direction,
            language=call.language,
            started_at=call.started_at or call.created_at,
            duration=call.duration,
        )  # fmt: skip
        if call
        else None
    )
    return SearchResultOut(
        call_id=result.call_id,
        call=summary,
        score=round(result.score, 6),
        hits=[
            HitOut(
                segment=h.segment_index,
                start=h.start,
                end=h.end,
                speaker=h.speaker,
                role=h.role,
                text=h.text,
                highlight=highlight(h.words, h.matched_words, h.text),
                matched_words=[{"index": i, "word": h.words[i]} for i in h.matched_words],
            )
            for h in result.hits
        ],
    )


@router.get(
    "/search",
    response_model=SearchOut,
    responses={400: {"model": ErrorOut}, 401: {"model": ErrorOut}},
)
def search_calls(
    request: Request,
    key: Annotated[ApiKey, Depends(reader)],
    q: str = Query(
        ...,
        min_length=1,
        max_length=1000,
        description=(
            'Words (all must match), "exact phrase", OR, -exclude, prefix*, fuzzy~, and filters: speaker:agent, '
            "agent:ID, customer:NUMBER, direction:inbound, language:he, status:done, after:2026-01-01, "
            "before:2026-02-01, duration>60, duration<600, flag:suspicious_customer, sentiment:negative (the "
            "matching segment's), driver:billing.refund (the call's driver, GET /v1/drivers), medium:chat (call, chat or email)"
        ),
    ),
    speaker: Literal["agent", "customer", "other"] | None = None,
    agent_id: str | None = None,
    customer_number: str | None = None,
    direction: Literal["inbound", "outbound", "internal"] | None = None,
    language: str | None = None,
    status: Literal["queued", "processing", "done", "failed"] | None = None,
    after: datetime | None = None,
    before: datetime | None = None,
    min_duration: float | None = Query(None, ge=0),
    max_duration: float | None = Query(None, ge=0),
    flag: Literal["agent_conduct", "suspicious_customer", "complaint", "compliance"] | None = None,
    sentiment: Literal["positive", "neutral", "negative"] | None = None,
    driver: str | None = Query(None, pattern=r"^[a-z0-9._-]{1,64}$"),
    medium: Literal["call", "chat", "email"] | None = None,
    order: Literal["relevance", "date"] = "relevance",
    limit: int = Query(20, ge=1, le=100),
    cursor: str | None = None,
) -> SearchOut:
    parsed = parse_query(q)
    extra = Filters(
        speaker=speaker,
        agent_id=agent_id,
        customer_number=customer_number,
        direction=direction,
        language=language,
        status=status,
        after=after,
        before=before,
        min_duration=min_duration,
        max_duration=max_duration,
        flag=flag,
        sentiment=sentiment,
        driver=driver,
        medium=medium,
        agent_ids=call_scope(request, key),
    )
    parsed = type(parsed)(parsed.required, parsed.excluded, parsed.filters.merged(extra))
    if key.role == "agent" and parsed.filters.flag is not None:
        # Agents do not see flags; a flag filter would tell them which of their calls carry one.
        raise HTTPException(403, "agents cannot filter by flag: flags are for reviewers")
    offset = _offset(cursor)
    started = time.perf_counter()
    with request.app.state.services.db.session() as session:
        page = search(
            session, parsed, limit=limit, offset=offset, order=order,
            time_limit_s=request.app.state.services.settings.storage.search_time_limit_s,
        )  # fmt: skip
        metrics.observe(
            request.app.state.services.redis, "callrec_search_seconds", time.perf_counter() - started
        )
        calls = calls_by_id(session, [r.call_id for r in page.results])
    # The trail outlives the calls: a customer's number in the query is kept as its keyed reference.
    audit_key = request.app.state.services.db.audit_key
    details = {"q": without_numbers(q, audit_key), "total": page.total, "offset": offset}
    if customer_number:
        details["customer"] = customer_reference(customer_number, audit_key)
    record_access(request, key, "search", "", details)
    next_cursor = _cursor(offset + limit) if offset + limit < page.total else None
    return SearchOut(
        query=q,
        total=page.total,
        fuzzy=page.fuzzy,
        next_cursor=next_cursor,
        results=[to_result(r, calls.get(r.call_id)) for r in page.results],
    )
