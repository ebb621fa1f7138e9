"""/v1/scorecards and QA reviews: managers score calls of their teams on weighted criteria, with
comments at times in the call; agents see their own scores."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from storage import audit
from storage import calls as call_records
from storage.api_keys import ApiKey
from storage.qa import (
    Criterion,
    Review,
    Scorecard,
    add_review,
    agent_reviews,
    answer_dispute,
    call_reviews,
    create_scorecard,
    disputed_reviews,
    edit_scorecard,
    get_review,
    list_scorecards,
    respond,
    retire_scorecard,
)
from storage.qa_auto import agreement, check_auto
from transcribe.characteristics import METRICS

from ..auth import actor, admin_only, call_scope, ensure_visible, origin, qa_reviewer, reader
from ..schemas import ErrorOut, model_of

router = APIRouter(prefix="/v1", tags=["qa"])
ERRORS: dict[int | str, dict] = {code: {"model": ErrorOut} for code in (401, 403, 404, 409, 422)}
ReviewId = Annotated[int, Path(ge=1, le=2**62)]


class CriterionIn(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    weight: float = Field(gt=0, le=1000)
    max_points: int = Field(5, ge=1, le=100)
    auto: dict[str, str] | None = Field(
        None,
        max_length=1,
        description='Scored by the analysis: {"rule": RULE_ID} (full points unless it flagged the call), '
        '{"metric": "interruptions_by_agent<=1"} or {"sentiment": "customer.last_minute>=0"}',
    )


class ScorecardIn(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    criteria: list[CriterionIn] = Field(min_length=1, max_length=50)


class AgreementOut(BaseModel):
    scorecard_id: int
    scorecard: str
    criterion: str
    compared: int = Field(description="Calls scored both automatically and by a person on this card")
    disagreed: int
    disagreement: float = Field(description="disagreed / compared")


class ScorecardOut(BaseModel):
    id: int
    name: str
    criteria: list[CriterionIn]
    active: bool
    version: int = Field(description="Edits make a new version; reviews name the version they scored")
    versions: list[dict[str, Any]] = Field(description="Earlier versions, oldest first")


class CommentIn(BaseModel):
    at: float = Field(ge=0, description="Seconds into the call")
    text: str = Field(min_length=1, max_length=4000)


class ReviewIn(BaseModel):
    scorecard_id: int = Field(ge=1, le=2**62)
    scores: dict[str, int] = Field(description="Points per criterion name")
    comments: list[CommentIn] = Field(default_factory=list, max_length=200)


_SCORE = (float, Field(description="0-100, weighted"))


class ReviewOut(model_of(Review, "ReviewFields", score=_SCORE)):  # type: ignore[misc]
    """A QA review, as stored."""


class ResponseIn(BaseModel):
    kind: Literal["acknowledge", "dispute"]
    text: str = Field("", max_length=2000, description="Optional to acknowledge; the reason to dispute")


class AnswerIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


def _criteria(request: Request, body: ScorecardIn) -> list[Criterion]:
    """The criteria, with any binding to the analysis checked against the metrics and loaded rules."""
    rule_ids = {rule.id for rule in request.app.state.services.rules}
    return [
        Criterion(c.name, c.weight, c.max_points, check_auto(c.auto, METRICS, rule_ids))
        for c in body.criteria
    ]


def _card_out(card: Scorecard) -> ScorecardOut:
    return ScorecardOut(
        id=card.id,
        name=card.name,
        criteria=[{k: v for k, v in asdict(c).items() if k != "auto" or v} for c in card.criteria],
        active=card.active,
        version=card.version,
        versions=card.versions,
    )


@router.post("/scorecards", status_code=201, response_model=ScorecardOut, responses=ERRORS)
def add_scorecard(body: ScorecardIn, request: Request, key: ApiKey = Depends(admin_only)) -> ScorecardOut:
    with request.app.state.services.db.session() as session:
        card = create_scorecard(session, body.name, _criteria(request, body))
        audit.record(session, actor(key), "scorecard.create", card.name, body.model_dump(), origin(request))
    return _card_out(card)


@router.put("/scorecards/{scorecard_id}", response_model=ScorecardOut, responses=ERRORS)
def edit(
    scorecard_id: ReviewId, body: ScorecardIn, request: Request, key: ApiKey = Depends(admin_only)
) -> ScorecardOut:
    """Edit the card as a new version: new reviews score the new criteria; reviews already made keep
    their scores and name the version they were scored on (`scorecard_version`)."""
    with request.app.state.services.db.session() as session:
        card, changed = edit_scorecard(session, scorecard_id, body.name, _criteria(request, body))
        if changed:
            audit.record(
                session, actor(key), "scorecard.edit", card.name, {"id": card.id, "version": card.version},
                origin(request),
            )  # fmt: skip
    return _card_out(card)


@router.get(
    "/scorecards", response_model=list[ScorecardOut], responses=ERRORS, dependencies=[Depends(reader)]
)
def scorecards(request: Request) -> list[ScorecardOut]:
    with request.app.state.services.db.session() as session:
        cards = list_scorecards(session)
    return [_card_out(card) for card in cards]


@router.post("/calls/{call_id}/reviews", status_code=201, response_model=ReviewOut, responses=ERRORS)
def review_call(
    call_id: str, body: ReviewIn, request: Request, key: ApiKey = Depends(qa_reviewer)
) -> ReviewOut:
    """Score the call on a scorecard; every criterion is scored, comments sit at times in the call. One
    review per reviewer, call and scorecard: submitting again replaces it, keeping the earlier one in
    `history`."""
    with request.app.state.services.db.session() as session:
        ensure_visible(request, key, call_records.get_call(session, call_id).agent_id)
        review = add_review(
            session,
            call_id,
            body.scorecard_id,
            body.scores,
            [c.model_dump() for c in body.comments],
            actor(key),
        )
        replaced = bool(review.history)
        audit.record(
            session, actor(key), "qa.review", call_id,
            {"scorecard": body.scorecard_id, "score": review.score, "replaced": replaced}, origin(request),
        )  # fmt: skip
    out = ReviewOut(**asdict(review))
    # 201 for a new review; 200 when it replaced the reviewer's earlier one (kept in `history`).
    return JSONResponse(out.model_dump(mode="json"), status_code=200 if replaced else 201)  # type: ignore[return-value]


@router.delete("/scorecards/{scorecard_id}", response_model=ScorecardOut, responses=ERRORS)
def retire(scorecard_id: ReviewId, request: Request, key: ApiKey = Depends(admin_only)) -> ScorecardOut:
    """Retire the scorecard: no new reviews on it; its reviews and their scores stay."""
    with request.app.state.services.db.session() as session:
        card = retire_scorecard(session, scorecard_id)
        audit.record(session, actor(key), "scorecard.retire", card.name, {"id": card.id}, origin(request))
    return _card_out(card)


@router.get("/calls/{call_id}/reviews", response_model=list[ReviewOut], responses=ERRORS)
def reviews_of_call(call_id: str, request: Request, key: ApiKey = Depends(reader)) -> list[ReviewOut]:
    with request.app.state.services.db.session() as session:
        ensure_visible(request, key, call_records.get_call(session, call_id).agent_id)
        return [ReviewOut(**asdict(r)) for r in call_reviews(session, call_id)]


@router.get("/agents/{agent_id}/reviews", response_model=list[ReviewOut], responses=ERRORS)
def reviews_of_agent(
    agent_id: Annotated[str, Path(min_length=1, max_length=128)],
    request: Request,
    key: ApiKey = Depends(reader),
) -> list[ReviewOut]:
    """The agent's QA scores over time, oldest first."""
    ensure_visible(request, key, agent_id)
    with request.app.state.services.db.session() as session:
        return [ReviewOut(**asdict(r)) for r in agent_reviews(session, agent_id)]


@router.post("/reviews/{review_id}/response", response_model=ReviewOut, responses=ERRORS)
def respond_to_review(
    review_id: ReviewId, body: ResponseIn, request: Request, key: ApiKey = Depends(reader)
) -> ReviewOut:
    """The reviewed agent acknowledges the review or disputes it with a reason; the reviewer answers
    at /answer."""
    with request.app.state.services.db.session() as session:
        review = get_review(session, review_id)
        ensure_visible(request, key, review.agent_id)
        if key.prefix != "user" or key.role != "agent":
            raise HTTPException(403, "only the reviewed agent acknowledges or disputes a review")
        review = respond(session, review_id, actor(key), body.kind, body.text)
        audit.record(
            session, actor(key), f"qa.{body.kind}", review.call_id, {"review": review_id}, origin(request)
        )
    return ReviewOut(**asdict(review))


@router.post("/reviews/{review_id}/answer", response_model=ReviewOut, responses=ERRORS)
def answer_review_dispute(
    review_id: ReviewId, body: AnswerIn, request: Request, key: ApiKey = Depends(qa_reviewer)
) -> ReviewOut:
    """The reviewer (or an admin) answers the agent's open dispute. To change the score, submit the
    review again: the agent then sees the revision in the thread."""
    with request.app.state.services.db.session() as session:
        review = get_review(session, review_id)
        ensure_visible(request, key, review.agent_id)
        if key.role != "admin" and review.reviewer != actor(key):
            raise HTTPException(403, f"only {review.reviewer} (who wrote the review) or an admin answers it")
        review = answer_dispute(session, review_id, actor(key), body.text)
        audit.record(session, actor(key), "qa.answer", review.call_id, {"review": review_id}, origin(request))
    return ReviewOut(**asdict(review))


@router.get("/reviews/disputed", response_model=list[ReviewOut], responses=ERRORS)
def disputed(
    request: Request,
    key: ApiKey = Depends(reader),
    state: Literal["open", "answered", "all"] = Query("open"),
) -> list[ReviewOut]:
    """Disputed reviews within the caller's calls, newest first (at most 200): open ones wait for
    their reviewer's answer."""
    with request.app.state.services.db.session() as session:
        found = disputed_reviews(session, call_scope(request, key))
    return [ReviewOut(**asdict(r)) for r in found if state == "all" or r.dispute == state]


@router.get("/qa/agreement", response_model=list[AgreementOut], responses=ERRORS)
def automatic_vs_human(request: Request, key: ApiKey = Depends(qa_reviewer)) -> list[AgreementOut]:
    """How often a person's points differ from the automatic ones, per scorecard and criterion, over
    the calls both scored (within the caller's teams)."""
    with request.app.state.services.db.session() as session:
        return [AgreementOut(**row) for row in agreement(session, call_scope(request, key))]
