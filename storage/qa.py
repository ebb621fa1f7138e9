"""QA reviews: a manager scores a call on a scorecard (criteria with weights) and comments at times
in the call; an agent's scores over time come from the same rows."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .errors import CallNotFound, QaError, ReviewConflict, ScorecardNotFound
from .qa_auto import AUTO_REVIEWER, counted
from .qa_points import weighted_points
from .tables import CallRow, QaReviewRow, ScorecardRow, utcnow

# Criterion names are keys of every review's scores and are typed in as "name:weight:points, ...".
_NOT_IN_A_NAME = re.compile(r"[\x00-\x1f\x7f,:]")
MAX_THREAD = 50  # messages between an agent and the reviewer on one review


@dataclass(frozen=True, slots=True)
class Criterion:
    name: str
    weight: float
    max_points: int
    auto: dict[str, str] | None = None  # bound to the analysis (storage/qa_auto.py)


@dataclass(frozen=True, slots=True)
class Scorecard:
    id: int
    name: str
    criteria: tuple[Criterion, ...]
    active: bool
    version: int = 1
    # Earlier versions, oldest first: [{"version", "name", "criteria", "replaced_at"}].
    versions: list[dict[str, Any]] = field(default_factory=list)


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
    scorecard_version: int = 1  # the version of the scorecard it was scored on
    agent_response: str | None = None  # "acknowledged" or "disputed"
    # [{"by", "side": "agent" | "reviewer", "kind": "acknowledge" | "dispute" | "answer" | "revise",
    #   "text", "at"}], oldest first
    thread: list[dict[str, Any]] = field(default_factory=list)
    dispute: str | None = None  # "open" until the reviewer answers, then "answered"
    automatic: bool = False  # scored by the analysis (reviewer "auto"); a person's review overrides it


def _scorecard(row: ScorecardRow) -> Scorecard:
    criteria = tuple(
        Criterion(c["name"], float(c["weight"]), int(c["max_points"]), c.get("auto")) for c in row.criteria
    )
    return Scorecard(row.id, row.name, criteria, row.active, row.version or 1, list(row.versions or []))


def _dispute(row: QaReviewRow) -> str | None:
    if row.agent_response != "disputed":
        return None
    last = (row.thread or [{}])[-1]
    return "open" if last.get("side") == "agent" else "answered"


def _review(row: QaReviewRow) -> Review:
    created = row.created_at
    assert created is not None
    return Review(
        row.id, row.call_id, row.scorecard_id, row.agent_id, row.reviewer, dict(row.scores), row.score,
        list(row.comments), created, list(row.history or []), row.scorecard_version or 1,
        row.agent_response, list(row.thread or []), _dispute(row), row.reviewer == AUTO_REVIEWER,
    )  # fmt: skip


def _checked(
    session: Session, name: str, criteria: list[Criterion], editing: int | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The scorecard's name and criteria as stored, or QaError saying what is wrong with them."""
    name = " ".join(name.split())
    if not name or len(name) > 128 or _NOT_IN_A_NAME.search(name):
        raise QaError("a scorecard name is 1 to 128 characters, without control characters, ',' or ':'")
    if not criteria:
        raise QaError("a scorecard needs at least one criterion")
    names = [" ".join(c.name.split()) for c in criteria]
    for criterion in names:
        if not criterion or len(criterion) > 64 or _NOT_IN_A_NAME.search(criterion):
            raise QaError(f"criterion {criterion!r}: a name is 1 to 64 characters, without ',' or ':'")
        if not any(ch.isalpha() for ch in criterion):
            raise QaError(f"criterion {criterion!r}: a name needs a letter (in any language)")
    if len({n.casefold() for n in names}) != len(names):
        raise QaError("criteria need distinct names (letter case aside)")
    if any(c.weight <= 0 or c.max_points < 1 for c in criteria):
        raise QaError("each criterion needs a weight above 0 and at least 1 point")
    clash = select(ScorecardRow.id).where(func.lower(ScorecardRow.name) == name.lower())
    if editing is not None:
        clash = clash.where(ScorecardRow.id != editing)
    if session.scalar(clash) is not None:
        raise QaError(f"scorecard {name!r} exists already")
    stored = [
        {"name": n, "weight": c.weight, "max_points": c.max_points, **({"auto": c.auto} if c.auto else {})}
        for n, c in zip(names, criteria, strict=True)
    ]
    return name, stored


def create_scorecard(session: Session, name: str, criteria: list[Criterion]) -> Scorecard:
    name, stored = _checked(session, name, criteria)
    row = ScorecardRow(name=name, criteria=stored, active=True, version=1, versions=[])
    session.add(row)
    session.flush()
    return _scorecard(row)


def edit_scorecard(
    session: Session, scorecard_id: int, name: str, criteria: list[Criterion]
) -> tuple[Scorecard, bool]:
    """A new version of the card, and whether anything changed: new reviews score its criteria;
    reviews already made keep theirs and name the version they were scored on."""
    row = session.get(ScorecardRow, scorecard_id)
    if row is None:
        raise ScorecardNotFound(f"no scorecard with id {scorecard_id}")
    if not row.active:
        raise ReviewConflict("a retired scorecard cannot be edited")
    name, stored = _checked(session, name, criteria, editing=scorecard_id)
    if (name, stored) == (row.name, row.criteria):
        return _scorecard(row), False  # nothing changed: no new version
    earlier = {"version": row.version, "name": row.name, "criteria": row.criteria,
               "replaced_at": utcnow().isoformat()}  # fmt: skip
    row.versions = [*(row.versions or []), earlier]
    row.name, row.criteria, row.version = name, stored, (row.version or 1) + 1
    session.flush()
    return _scorecard(row), True


def list_scorecards(session: Session) -> list[Scorecard]:
    return [_scorecard(r) for r in session.scalars(select(ScorecardRow).order_by(ScorecardRow.id))]


def weighted_score(card: Scorecard, scores: dict[str, int]) -> float:
    """0-100: each criterion's share of its points, weighted."""
    return weighted_points((c.weight, scores[c.name], c.max_points) for c in card.criteria)


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
                    "scorecard_version": earlier.scorecard_version, "replaced_at": utcnow().isoformat()}  # fmt: skip
        earlier.history = [*(earlier.history or []), replaced]
        score = weighted_score(card, scores)
        if earlier.thread:  # the agent answered the earlier score: the revision shows in the thread
            revised = _message(reviewer, "reviewer", "revise", f"score {earlier.score} -> {score}")
            earlier.thread = [*earlier.thread, revised][-MAX_THREAD:]
        earlier.scores, earlier.score, earlier.comments = scores, score, comments
        earlier.scorecard_version, earlier.agent_response = card.version, None  # to acknowledge anew
        session.flush()
        return _review(earlier)
    review = QaReviewRow(
        call_id=call_id, scorecard_id=scorecard_id, agent_id=call.agent_id, reviewer=reviewer,
        scores=scores, score=weighted_score(card, scores), comments=comments, history=[],
        scorecard_version=card.version, thread=[],
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
        .where(QaReviewRow.agent_id == agent_id, counted())
        .order_by(QaReviewRow.created_at.desc(), QaReviewRow.id.desc())
        .limit(limit)
    )
    return [_review(r) for r in reversed(list(rows))]


def get_review(session: Session, review_id: int) -> Review:
    row = session.get(QaReviewRow, review_id)
    if row is None:
        raise ScorecardNotFound(f"no review with id {review_id}")
    return _review(row)


def _message(by: str, side: str, kind: str, text: str) -> dict[str, Any]:
    return {"by": by[:255], "side": side, "kind": kind, "text": text, "at": utcnow().isoformat()}


def _thread_row(session: Session, review_id: int) -> QaReviewRow:
    row = session.get(QaReviewRow, review_id)
    if row is None:
        raise ScorecardNotFound(f"no review with id {review_id}")
    if len(row.thread or []) >= MAX_THREAD:
        raise ReviewConflict(f"this review's thread is full ({MAX_THREAD} messages)")
    return row


def respond(session: Session, review_id: int, by: str, kind: str, text: str) -> Review:
    """The reviewed agent acknowledges the review (a comment is optional) or disputes it (with the
    reason). A dispute stays open until the reviewer answers; then the agent may acknowledge, or
    dispute again. An acknowledged review is settled, until the reviewer revises it."""
    if kind not in ("acknowledge", "dispute"):
        raise QaError("an agent acknowledges or disputes a review")
    if kind == "dispute" and not text.strip():
        raise QaError("say what you dispute")
    row = _thread_row(session, review_id)
    if row.agent_response == "acknowledged":
        raise ReviewConflict("you acknowledged this review already")
    if _dispute(row) == "open":
        raise ReviewConflict("your dispute is waiting for the reviewer's answer")
    row.thread = [*(row.thread or []), _message(by, "agent", kind, text.strip())]
    row.agent_response = "acknowledged" if kind == "acknowledge" else "disputed"
    session.flush()
    return _review(row)


def answer_dispute(session: Session, review_id: int, by: str, text: str) -> Review:
    """The reviewer answers an open dispute (to change the score, they submit the review again)."""
    if not text.strip():
        raise QaError("write an answer")
    row = _thread_row(session, review_id)
    if _dispute(row) != "open":
        raise ReviewConflict("there is no open dispute on this review")
    row.thread = [*(row.thread or []), _message(by, "reviewer", "answer", text.strip())]
    session.flush()
    return _review(row)


def disputed_reviews(session: Session, agents: Collection[str] | None, limit: int = 200) -> list[Review]:
    """Disputed reviews, newest first, of the given agents (None: every agent)."""
    query = select(QaReviewRow).where(QaReviewRow.agent_response == "disputed")
    if agents is not None:
        query = query.where(QaReviewRow.agent_id.in_(sorted(agents)))
    rows = session.scalars(query.order_by(QaReviewRow.id.desc()).limit(limit))
    return [_review(r) for r in rows]
