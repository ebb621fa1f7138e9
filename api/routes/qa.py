"""/v1/scorecards and QA reviews: managers score calls of their teams on weighted criteria, with
comments at times in the call; agents see their own scores."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
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
    call_reviews,
    create_scorecard,
    list_scorecards,
    retire_scorecard,
)

from ..auth import actor, admin_only, ensure_visible, origin, qa_reviewer, reader
from ..schemas import ErrorOut, model_of

router = APIRouter(prefix="/v1", tags=["qa"])
ERRORS: dict[int | str, dict] = {code: {"model": ErrorOut} for code in (401, 403, 404, 422)}


class CriterionIn(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    weight: float = Field(gt=0, le=1000)
    max_points: int = Field(5, ge=1, le=100)


class ScorecardIn(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    criteria: list[CriterionIn] = Field(min_length=1, max_length=50)


class ScorecardOut(BaseModel):
    id: int
    name: str
    criteria: list[CriterionIn]
    active: bool


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


def _card_out(card: Scorecard) -> ScorecardOut:
    return ScorecardOut(
        id=card.id, name=card.name, criteria=[asdict(c) for c in card.criteria], active=card.active
    )


@router.post("/scorecards", status_code=201, response_model=ScorecardOut, responses=ERRORS)
def add_scorecard(body: ScorecardIn, request: Request, key: ApiKey = Depends(admin_only)) -> ScorecardOut:
    with request.app.state.services.db.session() as session:
        card = create_scorecard(session, body.name, [Criterion(**c.model_dump()) for c in body.criteria])
        audit.record(session, actor(key), "scorecard.create", card.name, body.model_dump(), origin(request))
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
def retire(
    scorecard_id: Annotated[int, Path(ge=1, le=2**62)], request: Request, key: ApiKey = Depends(admin_only)
) -> ScorecardOut:
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
