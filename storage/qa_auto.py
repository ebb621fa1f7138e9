"""Automatic QA: a scorecard criterion bound to the analysis scores itself on every analysed call.

    {"rule": "conduct.missing_recording_disclosure"}   full points unless that rule flagged the call
    {"metric": "interruptions_by_agent<=1"}            full points when the call's metric holds
    {"sentiment": "customer.last_minute>=0"}           full points when the side's sentiment holds

The automatic review (reviewer `auto`) is redone whenever the analysis changes; a person's review of
the same call and card overrides it in every QA figure, and where the two differ is counted."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from .errors import QaError
from .qa_points import weighted_points
from .records import LIVE_FLAG_STATES
from .tables import CallRow, FlagRow, QaReviewRow, ScorecardRow, utcnow

AUTO_REVIEWER = "auto"
AUTO_KINDS = ("rule", "metric", "sentiment")
SENTIMENT_MEASURES = ("overall", "first_minute", "last_minute", "negative_share")
SIDES = ("agent", "customer")
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt,
}  # fmt: skip
_EXPRESSION = re.compile(r"^([a-z_]+(?:\.[a-z_]+)?)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)$")


def check_auto(
    auto: dict[str, Any] | None, metrics: Collection[str], rule_ids: Collection[str]
) -> dict | None:
    """The binding as stored, or QaError saying what is wrong with it."""
    if auto is None:
        return None
    if len(auto) != 1 or next(iter(auto)) not in AUTO_KINDS:
        raise QaError(f"auto has exactly one of {', '.join(AUTO_KINDS)}")
    kind, value = next(iter(auto.items()))
    if not isinstance(value, str) or not value.strip() or len(value) > 128:
        raise QaError(f"auto {kind} is a string of 1 to 128 characters")
    value = value.strip()
    if kind == "rule":
        if value not in rule_ids:
            raise QaError(f"auto rule {value!r} is not a loaded rule")
        return {"rule": value}
    found = _EXPRESSION.match(value.replace(" ", ""))
    if found is None:
        raise QaError(f"auto {kind} is NAME OP NUMBER, like interruptions_by_agent<=1; got {value!r}")
    name = found.group(1)
    if kind == "metric" and name not in metrics:
        raise QaError(f"auto metric {name!r} is not one of: {', '.join(metrics)}")
    if kind == "sentiment":
        side, _, measure = name.partition(".")
        if side not in SIDES or measure not in SENTIMENT_MEASURES:
            raise QaError(
                f"auto sentiment is SIDE.MEASURE OP NUMBER: side {'/'.join(SIDES)}, "
                f"measure {'/'.join(SENTIMENT_MEASURES)}; got {value!r}"
            )
    return {kind: value.replace(" ", "")}


def auto_points(criterion: dict[str, Any], characteristics: dict[str, Any], flagged: set[str]) -> int | None:
    """The criterion's points on this call, or None when the analysis cannot say (no such measure)."""
    auto, full = criterion.get("auto"), int(criterion["max_points"])
    if not auto:
        return None
    kind, value = next(iter(auto.items()))
    if kind == "rule":
        return 0 if value in flagged else full
    name, op, threshold = _EXPRESSION.match(value).groups()  # type: ignore[union-attr]
    if kind == "metric":
        actual = (characteristics.get("metrics") or {}).get(name)
    else:
        side, _, measure = name.partition(".")
        actual = ((characteristics.get("sentiment") or {}).get(side) or {}).get(measure)
    if actual is None:
        return None
    return full if _COMPARE[op](float(actual), float(threshold)) else 0


def refresh_automatic_reviews(session: Session, call_id: str) -> None:
    """Score the call on every active card with automatic criteria, replacing the earlier automatic
    review when the points changed (the earlier one stays in its history)."""
    cards = [
        card
        for card in session.scalars(
            select(ScorecardRow).where(ScorecardRow.active.is_(True)).order_by(ScorecardRow.id)
        )
        if any(c.get("auto") for c in card.criteria)
    ]
    call = session.get(CallRow, call_id) if cards else None  # no automatic criteria: nothing to read
    if call is None:
        return
    characteristics = call.characteristics or {}
    flagged = set(
        session.scalars(
            select(FlagRow.rule_id).where(FlagRow.call_id == call_id, FlagRow.state.in_(LIVE_FLAG_STATES))
        )
    )
    for card in cards:
        scores = {
            c["name"]: points
            for c in card.criteria
            if (points := auto_points(c, characteristics, flagged)) is not None
        }
        if scores:
            _save(session, call, card, scores)


def _save(session: Session, call: CallRow, card: ScorecardRow, scores: dict[str, int]) -> None:
    score = weighted_points(
        (float(c["weight"]), scores[c["name"]], int(c["max_points"]))
        for c in card.criteria
        if c["name"] in scores
    )
    row = session.scalar(
        select(QaReviewRow).where(
            QaReviewRow.call_id == call.id,
            QaReviewRow.scorecard_id == card.id,
            QaReviewRow.reviewer == AUTO_REVIEWER,
        )
    )
    if row is None:
        session.add(
            QaReviewRow(
                call_id=call.id,
                scorecard_id=card.id,
                agent_id=call.agent_id,
                reviewer=AUTO_REVIEWER,
                scores=scores,
                score=score,
                comments=[],
                history=[],
                scorecard_version=card.version or 1,
                thread=[],
            )  # fmt: skip
        )
    elif row.scores != scores or row.scorecard_version != card.version:
        earlier = {"scores": row.scores, "score": row.score, "comments": [],
                   "scorecard_version": row.scorecard_version, "replaced_at": utcnow().isoformat()}  # fmt: skip
        row.history = [*(row.history or []), earlier][-20:]
        row.scores, row.score, row.scorecard_version = scores, score, card.version or 1
    session.flush()


def counted() -> ColumnElement[bool]:
    """The reviews QA figures count: every person's, and an automatic one only where no person
    reviewed the same call on the same card."""
    human = aliased(QaReviewRow)
    overridden = exists().where(
        human.call_id == QaReviewRow.call_id,
        human.scorecard_id == QaReviewRow.scorecard_id,
        human.reviewer != AUTO_REVIEWER,
    )
    return or_(
        QaReviewRow.reviewer != AUTO_REVIEWER, and_(QaReviewRow.reviewer == AUTO_REVIEWER, ~overridden)
    )


def agreement(session: Session, agents: Collection[str] | None, limit: int = 5000) -> list[dict[str, Any]]:
    """Per scorecard and automatic criterion: how many calls a person also scored, and on how many
    their points differed from the automatic ones (the most recent `limit` pairs)."""
    human = aliased(QaReviewRow)
    pairs = (
        select(QaReviewRow.scorecard_id, QaReviewRow.scores, human.scores)
        .join(
            human, and_(human.call_id == QaReviewRow.call_id, human.scorecard_id == QaReviewRow.scorecard_id)
        )
        .where(QaReviewRow.reviewer == AUTO_REVIEWER, human.reviewer != AUTO_REVIEWER)
        .order_by(human.id.desc())
        .limit(limit)
    )
    if agents is not None:
        pairs = pairs.where(QaReviewRow.agent_id.in_(sorted(agents)))
    counts: dict[tuple[int, str], list[int]] = {}
    for card_id, automatic, person in session.execute(pairs):
        for name, points in automatic.items():
            if name in person:
                tally = counts.setdefault((card_id, name), [0, 0])
                tally[0] += 1
                tally[1] += person[name] != points
    names: dict[int, str] = {i: n for i, n in session.execute(select(ScorecardRow.id, ScorecardRow.name))}
    return [
        {"scorecard_id": card_id, "scorecard": names.get(card_id, ""), "criterion": name, "compared": n,
         "disagreed": d, "disagreement": round(d / n, 3)}
        for (card_id, name), (n, d) in sorted(counts.items())
    ]  # fmt: skip
