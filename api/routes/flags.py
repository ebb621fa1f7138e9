"""/v1/flags and /v1/rules: what the rules caught, its review, and the rules themselves."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import yaml
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field

from storage import audit
from storage.api_keys import ApiKey
from storage.call_list import CallFilter, list_calls
from storage.database import Session
from storage.flags import flag_agent, flag_counts, list_flags, review_flag
from storage.qa_auto import refresh_automatic_reviews
from storage.records import CallStatus
from storage.transcripts import load_transcript
from storage.users import is_active_user
from transcribe.analyse import call_metadata, raise_flags
from transcribe.reanalyse import caller_history
from transcribe.rules.loader import RuleError, parse_rule
from transcribe.rules.model import Rule

from ..auth import actor, call_scope, ensure_visible, flag_reviewer, origin, reviewer
from ..schemas import ErrorOut, FlagOut

router = APIRouter(prefix="/v1", tags=["flags"])
ERRORS: dict[int | str, dict] = {code: {"model": ErrorOut} for code in (400, 401, 403, 404, 422)}


class FlagReview(BaseModel):
    state: Literal["open", "confirmed", "dismissed"] | None = None
    comment: str | None = Field(None, max_length=4000)
    assigned_to: str | None = Field(None, max_length=128, description='A username; "" unassigns')


class BulkReview(FlagReview):
    ids: list[Annotated[int, Field(ge=1, le=2**62)]] = Field(min_length=1, max_length=500)


class RuleOut(BaseModel):
    id: str
    version: int
    category: str
    severity: str
    languages: list[str]
    description: str
    tags: list[str]
    source: str

    @classmethod
    def of(cls, rule: Rule) -> RuleOut:
        return cls(
            id=rule.id,
            version=rule.version,
            category=rule.category,
            severity=rule.severity,
            languages=list(rule.languages),
            description=rule.description,
            tags=list(rule.tags),
            source=rule.source,
        )


class PreviewIn(BaseModel):
    rule: str = Field(
        description="One rule in YAML (the same shape as an entry of a rule pack)", max_length=100_000
    )
    limit_calls: int = Field(500, ge=1, le=10_000, description="How many of the newest done calls to try")


class PreviewHit(BaseModel):
    call_id: str
    evidence: list[dict[str, Any]]


class PreviewOut(BaseModel):
    rule: RuleOut
    calls_checked: int
    would_flag: list[PreviewHit]


@router.get("/flags", response_model=list[FlagOut], responses=ERRORS)
def get_flags(
    request: Request,
    key: Annotated[ApiKey, Depends(flag_reviewer)],
    category: Literal["agent_conduct", "suspicious_customer", "complaint", "compliance"] | None = None,
    severity: Literal["low", "medium", "high", "critical"] | None = None,
    state: Literal["open", "confirmed", "dismissed", "withdrawn"] | None = None,
    agent_id: str | None = None,
    after: datetime | None = None,
    before: datetime | None = None,
    call_id: str | None = None,
    assigned_to: str | None = Query(None, description='A username; "" for unassigned flags'),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000),
    order: Literal["time", "severity"] = "time",
) -> list[FlagOut]:
    """The flag queue, newest first or most severe first, each flag with its rule's description and
    its call's agent, customer and time; managers see the flags on their teams' calls."""
    with request.app.state.services.db.session() as session:
        queued = list_flags(
            session, category, severity, state, agent_id, after, before, limit, offset,
            agent_ids=call_scope(request, key), call_id=call_id, assigned_to=assigned_to, order=order,
        )  # fmt: skip
    described = {rule.id: rule.description for rule in request.app.state.services.rules}
    return [
        FlagOut.of(
            q.flag,
            rule_description=described.get(q.flag.rule_id),
            agent_id=q.agent_id,
            customer_number=q.customer_number,
            call_started_at=q.call_started_at,
        )
        for q in queued
    ]


@router.get("/flags/counts", responses=ERRORS)
def get_flag_counts(
    request: Request, key: Annotated[ApiKey, Depends(flag_reviewer)]
) -> dict[str, dict[str, int]]:
    """Flags per category and state (`{"agent_conduct": {"open": 3, "confirmed": 1}}`), in the
    caller's scope: the counts beside the queue's tabs."""
    with request.app.state.services.db.session() as session:
        return flag_counts(session, call_scope(request, key))


def _review(session: Session, request: Request, key: ApiKey, flag_id: int, body: FlagReview) -> FlagOut:
    ensure_visible(request, key, flag_agent(session, flag_id))
    if body.assigned_to and not is_active_user(session, body.assigned_to):
        # A typo would park the flag with nobody, out of every reviewer's "assigned to me".
        raise HTTPException(
            422, f"{body.assigned_to!r} is not an active user: assign flags to people who sign in"
        )
    flag = review_flag(session, flag_id, body.state, body.comment, actor(key), body.assigned_to)
    if body.state is not None:  # a dismissed flag no longer costs its automatic QA points
        refresh_automatic_reviews(session, flag.call_id)
    changes = body.model_dump(exclude_none=True, exclude={"ids"})
    audit.record(
        session, actor(key), "flag.review", str(flag_id), {"call": flag.call_id, **changes}, origin(request)
    )
    return FlagOut.of(flag)


@router.patch("/flags/{flag_id}", response_model=FlagOut, responses=ERRORS)
def patch_flag(
    request: Request,
    flag_id: Annotated[int, Path(ge=1, le=2**62)],
    body: FlagReview,
    key: ApiKey = Depends(flag_reviewer),
) -> FlagOut:
    """Confirm or dismiss a flag with a comment, or assign it; recorded on the flag and in the audit."""
    with request.app.state.services.db.session() as session:
        return _review(session, request, key, flag_id, body)


@router.post("/flags/bulk", response_model=list[FlagOut], responses=ERRORS)
def bulk_review(request: Request, body: BulkReview, key: ApiKey = Depends(flag_reviewer)) -> list[FlagOut]:
    """The same review for many flags at once, in one transaction: all change or none."""
    with request.app.state.services.db.session() as session:
        return [_review(session, request, key, flag_id, body) for flag_id in dict.fromkeys(body.ids)]


@router.get("/rules", response_model=list[RuleOut], dependencies=[Depends(reviewer)])
def get_rules(request: Request) -> list[RuleOut]:
    return [RuleOut.of(rule) for rule in request.app.state.services.rules]


@router.post("/rules/preview", response_model=PreviewOut, responses=ERRORS, dependencies=[Depends(reviewer)])
def preview_rule(request: Request, body: PreviewIn) -> PreviewOut:
    """Run a rule over stored calls and say what it would flag, without flagging anything."""
    try:
        spec = yaml.safe_load(body.rule)
        rule = parse_rule(spec if not isinstance(spec, list) else spec[0], "preview")
    except (yaml.YAMLError, RuleError, IndexError) as exc:
        raise HTTPException(400, f"invalid rule: {exc}") from exc
    hits = []
    with request.app.state.services.db.session() as session:
        calls = list_calls(session, CallFilter(status=CallStatus.DONE), limit=body.limit_calls)
        for call in calls:
            transcript = load_transcript(session, call.id)
            metrics = (call.characteristics or {}).get("metrics", {})
            history = caller_history(
                session, [rule], call, request.app.state.services.settings.transcribe.voice_match_threshold
            )
            for flag in raise_flags([rule], transcript, metrics, call_metadata(call, transcript), history):
                hits.append(PreviewHit(call_id=call.id, evidence=flag.evidence))
    return PreviewOut(rule=RuleOut.of(rule), calls_checked=len(calls), would_flag=hits)
