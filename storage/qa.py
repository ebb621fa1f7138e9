"""QA reviews: a manager scores a call on a scorecard (criteria with weights) and comments at times
in the call; an agent's scores over time come from the same rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import CallNotFound, QaError, ScorecardNotFound
from .tables import CallRow, QaReviewRow, ScorecardRow, utcnow


@dataclass(frozen=True, slots=True)
class Criterion:
    name: str
    weight: float
    max_points: int


@dataclass(frozen=True, slots=True)
class Scorecard:
    id: int
    name: str
    criteria: tuple[Criterion, ...]
    active: bool


@dataclass(frozen=True, slots=True)
class Review:
    id: int
    call_id: str
    scorecard_id: int
    agent_id: str | None
    reviewer: str
    scores: dict[str, int]
    score: float  # 0-100, weighted
    comments: list[dict[str, Any]]  # [{"at": seconds, "text": ...}]
    created_at: datetime
    # What the reviewer submitted before on this call and card, oldest first:
    # [{"scores", "score", "comments", "replaced_at"}]. One review per reviewer, call and scorecard.
    history: list[dict[str, Any]] = field(default_factory=list)


def _scorecard(row: ScorecardRow) -> Scorecard:
    criteria = tuple(Criterion(c["name"], float(c["weight"]), int(c["max_points"])) for c in row.criteria)
    return Scorecard(row.id, row.name, criteria, row.active)


def _review(row: QaReviewRow) -> Review:
    created = row.created_at
    assert created is not None
    return Review(
        row.id, row.call_id, row.scorecard_id, row.agent_id, row.reviewer, dict(row.scores), row.score,
        list(row.comments), created, list(row.history or []),
    )  # fmt: skip


def create_scorecard(session: Session, name: str, criteria: list[Criterion]) -> Scorecard:
    if not name.strip() or len(name) > 128:
        raise QaError("a scorecard name is 1 to 128 characters")
    if not criteria:
        raise QaError("a scorecard needs at least one criterion")
    names = [c.name.strip() for c in criteria]
    if any(not n for n in names) or len(set(names)) != len(names):
        raise QaError("criteria need distinct, non-empty names")
    if any(c.weight <= 0 or c.max_points < 1 for c in criteria):
        raise QaError("each criterion needs a weight above 0 and at least 1 point")
    if session.scalar(select(ScorecardRow.id).where(ScorecardRow.name == name)) is not None:
        raise QaError(f"scorecard {name!r} exists already")
    row = ScorecardRow(
        name=name.strip(),
        criteria=[{"name": c.name.strip(), "weight": c.weight, "max_points": c.max_points} for c in criteria],
        active=True,
    )
    session.add(row)
    session.flush()
    return _scorecard(row)


def list_scorecards(session: Session) -> list[Scorecard]:
    return [_scorecard(r) for r in session.scalars(select(ScorecardRow).order_by(ScorecardRow.id))]


def weighted_score(card: Scorecard, scores: dict[str, int]) -> float:
    """0-100: each criterion's share of its points, weighted."""
    total = sum(c.weight for c in card.criteria)
    return round(100 * sum(c.weight * scores[c.name] / c.max_points for c in card.criteria) / total, 1)


def add_review(
    session: Session,
    call_id: str,
    scorecard_id: int,
    scores: dict[str, int],
    comments: list[dict[str, Any]],
    reviewer: str,
) -> Review:
    row = session.get(ScorecardRow, scorecard_id)
    if row is None or not row.active:
        raise ScorecardNotFound(f"no active scorecard with id {scorecard_id}")
    card = _scorecard(row)
    expected = {c.name: c for c in card.criteria}
    if set(scores) != set(expected):
        missing, unknown = set(expected) - set(scores), set(scores) - set(expected)
        raise QaError(
            "score every criterion of the scorecard, no others"
            + (f"; missing: {', '.join(sorted(missing))}" if missing else "")
            + (f"; unknown: {', '.join(sorted(unknown))}" if unknown else "")
        )
    for name, points in scores.items():
        if not 0 <= points <= expected[name].max_points:
            raise QaError(f"{name}: {points} is outside 0-{expected[name].max_points}")
    call = session.get(CallRow, call_id)
    if call is None:
        raise CallNotFound(f"no call with id {call_id}")
    for comment in comments:
        if comment["at"] < 0 or (call.duration and comment["at"] > call.duration + 1):
            raise QaError(f"a comment at {comment['at']} s is outside the call")
    reviewer = reviewer[:255]
    earlier = session.scalar(
        select(QaReviewRow)
        .where(
            QaReviewRow.call_id == call_id,
            QaReviewRow.scorecard_id == scorecard_id,
            QaReviewRow.reviewer == reviewer,
        )
        .order_by(QaReviewRow.id.desc())
        .limit(1)
    )
    if earlier is not None:  # a second submission replaces the first; the first is kept in its history
        replaced = {"scores": earlier.scores, "score": earlier.score, "comments": earlier.comments,
                    "replaced_at": utcnow().isoformat()}  # fmt: skip
        earlier.history = [*(earlier.history or []), replaced]
        earlier.scores, earlier.score, earlier.comments = scores, weighted_score(card, scores), comments
        session.flush()
        return _review(earlier)
    review = QaReviewRow(
        call_id=call_id, scorecard_id=scorecard_id, agent_id=call.agent_id, reviewer=reviewer,
        scores=scores, score=weighted_score(card, scores), comments=comments, history=[],
    )  # fmt: skip
    session.add(review)
    session.flush()
    return _review(review)


def retire_scorecard(session: Session, scorecard_id: int) -> Scorecard:
    """No new reviews on the card; its reviews stay, with their scores."""
    row = session.get(ScorecardRow, scorecard_id)
    if row is None:
        raise ScorecardNotFound(f"no scorecard with id {scorecard_id}")
    row.active = False
    session.flush()
    return _scorecard(row)


def call_reviews(session: Session, call_id: str) -> list[Review]:
    rows = session.scalars(select(QaReviewRow).where(QaReviewRow.call_id == call_id).order_by(QaReviewRow.id))
    return [_review(r) for r in rows]


def agent_reviews(session: Session, agent_id: str, limit: int = 200) -> list[Review]:
    """The agent's reviews, oldest first (scores over time)."""
    rows = session.scalars(
        select(QaReviewRow)
        .where(QaReviewRow.agent_id == agent_id)
        .order_by(QaReviewRow.created_at.desc(), QaReviewRow.id.desc())
        .limit(limit)
    )
    return [_review(r) for r in reversed(list(rows))]
