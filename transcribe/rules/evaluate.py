"""Evaluate rules on one call: its transcript, its metrics and its metadata. Pure."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from storage.records import Segment, Transcript
from storage.terms import query_forms, word_forms
from storage.text import edit_distance, normalize

from ..sentiment.score import score_text
from .model import (
    AllOf,
    AnyOf,
    Condition,
    Evidence,
    History,
    Hit,
    Metadata,
    Metric,
    Phrases,
    Rule,
    SentimentShare,
)

COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass(frozen=True, slots=True)
class CallFacts:
    """Everything rules may look at."""

    transcript: Transcript
    metrics: dict[str, float]
    metadata: dict[str, str | float | None] = field(default_factory=dict)
    history: dict[str, int] = field(default_factory=dict)  # History.key -> calls counted


@dataclass(frozen=True, slots=True)
class _Outcome:
    matched: bool
    evidence: tuple[Evidence, ...] = ()


def _token_matches(phrase_word: str, token: str, fuzzy: int) -> bool:
    forms = word_forms(token)
    if set(query_forms(phrase_word)).intersection(forms):
        return True
    return fuzzy > 0 and len(phrase_word) >= 5 and edit_distance(phrase_word, token, fuzzy) <= fuzzy


def find_phrase(phrase: tuple[str, ...], tokens: Sequence[str], fuzzy: int = 0) -> list[int]:
    """Start positions where the phrase occurs; each word matches stems and prefixed forms, as search does."""
    size = len(phrase)
    return [
        i
        for i in range(len(tokens) - size + 1)
        if all(_token_matches(phrase[k], tokens[i + k], fuzzy) for k in range(size))
    ]


def _in_window(segment: Segment, condition: Phrases | SentimentShare, duration: float) -> bool:
    if condition.first_s is not None and segment.start >= condition.first_s:
        return False
    return not (condition.last_s is not None and segment.end <= duration - condition.last_s)


def _phrases(condition: Phrases, facts: CallFacts) -> _Outcome:
    transcript = facts.transcript
    evidence = []
    count = 0
    for segment in transcript.segments:
        if condition.role != "any" and segment.role != condition.role:
            continue
        if not _in_window(segment, condition, transcript.duration):
            continue
        tokens = normalize(segment.text).split()
        matched: list[str] = []
        for phrase in condition.phrases:
            starts = find_phrase(phrase, tokens, condition.fuzzy)
            count += len(starts)
            matched += [" ".join(tokens[s : s + len(phrase)]) for s in starts]
        if matched:
            evidence.append(
                Evidence("segment", segment.start, segment.end, segment.role, segment.text, tuple(matched))
            )
    present = count >= condition.min_count
    if condition.absent:
        if present:
            return _Outcome(False)
        return _Outcome(True, (_absence(condition, transcript.duration),))
    return _Outcome(present, tuple(evidence) if present else ())


def _sentiment(condition: SentimentShare, facts: CallFacts) -> _Outcome:
    """The share of the role's segments in the window that read the sentiment; a transcript saved
    before sentiment existed is scored here."""
    transcript = facts.transcript
    said = [
        s for s in transcript.segments
        if (condition.role == "any" or s.role == condition.role) and _in_window(s, condition, transcript.duration)
    ]  # fmt: skip
    reading = [
        s for s in said if (s.sentiment or score_text(s.text, transcript.language).label) == condition.value
    ]
    if not said or len(reading) / len(said) < condition.min_share:
        return _Outcome(False)
    share = f"{len(reading)} of {len(said)} {condition.role} segments read {condition.value}"
    return _Outcome(
        True,
        tuple(Evidence("segment", s.start, s.end, s.role, s.text, detail=share) for s in reading),
    )


def _absence(condition: Phrases, duration: float) -> Evidence:
    """Evidence of something not said: the window that was searched, so a reviewer can play it."""
    start, end = 0.0, duration
    window = "anywhere in the call"
    if condition.first_s:
        end, window = min(duration, condition.first_s), f"in the first {condition.first_s:g} s"
    elif condition.last_s:
        start, window = max(0.0, duration - condition.last_s), f"in the last {condition.last_s:g} s"
    examples = ", ".join(" ".join(p) for p in condition.phrases[:3])
    return Evidence(
        "absent", start, end, condition.role, detail=f"{condition.role} never said ({examples}, ...) {window}"
    )


def _check(condition: Condition, facts: CallFacts) -> _Outcome:
    if isinstance(condition, Phrases):
        return _phrases(condition, facts)
    if isinstance(condition, Metric):
        value = facts.metrics.get(condition.name)
        if value is None or not COMPARE[condition.op](float(value), condition.value):
            return _Outcome(False)
        return _Outcome(
            True,
            (
                Evidence(
                    "metric",
                    metric=condition.name,
                    value=value,
                    detail=f"{condition.name} = {value:g} ({condition.op} {condition.value:g})",
                ),
            ),
        )
    if isinstance(condition, Metadata):
        actual = facts.metadata.get(condition.field)
        if actual is None:
            return _Outcome(False)
        if condition.op == "in":
            ok = str(actual) in condition.value  # type: ignore[operator]
        elif isinstance(condition.value, int | float) or condition.op not in ("==", "!="):
            try:
                ok = COMPARE[condition.op](float(actual), float(condition.value))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                ok = False
        else:
            ok = COMPARE[condition.op](str(actual), str(condition.value))  # type: ignore[arg-type]
        return _Outcome(ok, (Evidence("metadata", metric=condition.field, value=str(actual)),) if ok else ())
    if isinstance(condition, History):
        count = facts.history.get(condition.key, 0)
        if count < condition.minimum:
            return _Outcome(False)
        same = condition.same.replace("_", " ")
        if condition.counting == "customer_numbers":
            metric, detail = "customer_numbers_same_voice", f"this voice used {count} customer numbers"
        else:
            metric, detail = f"calls_same_{condition.same}", f"{count} calls from this {same}"
        return _Outcome(
            True,
            (
                Evidence(
                    "history",
                    metric=metric,
                    value=count,
                    detail=f"{detail} in {condition.within_days:g} days",
                ),
            ),
        )
    if isinstance(condition, SentimentShare):
        return _sentiment(condition, facts)
    if isinstance(condition, AllOf):
        outcomes = [_check(child, facts) for child in condition.conditions]
        if all(o.matched for o in outcomes):
            return _Outcome(True, tuple(e for o in outcomes for e in o.evidence))
        return _Outcome(False)
    if isinstance(condition, AnyOf):
        outcomes = [o for o in (_check(child, facts) for child in condition.conditions) if o.matched]
        return _Outcome(bool(outcomes), tuple(e for o in outcomes for e in o.evidence))
    inner = _check(condition.condition, facts)
    return _Outcome(not inner.matched)


def evaluate(rules: Sequence[Rule], facts: CallFacts) -> list[Hit]:
    """The rules this call breaks, each with its evidence."""
    hits = []
    for rule in rules:
        if not rule.applies_to(facts.transcript.language, str(facts.metadata.get("medium") or "call")):
            continue
        outcome = _check(rule.when, facts)
        if outcome.matched:
            hits.append(Hit(rule, outcome.evidence))
    return hits
