"""Sentiment over a call: each segment's, in the language its speaker spoke, and per role the overall
score, the first and last minute of the call, and the biggest drop (where the side turned sour)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from storage.records import Segment, Transcript

from .score import score_text

MINUTE_S = 60.0
DROP_RUN = 3  # segments averaged when looking for a drop: one curt answer is not a turn for the worse
MIN_DROP = 0.3  # smaller falls are the ordinary ebb of a conversation


def with_sentiment(transcript: Transcript) -> Transcript:
    """The transcript with every segment's sentiment, scored in its speaker's language."""
    language_of = {s.id: s.language or transcript.language for s in transcript.speakers}
    segments = []
    for segment in transcript.segments:
        found = score_text(segment.text, language_of.get(segment.speaker) or transcript.language)
        segments.append(replace(segment, sentiment=found.label, sentiment_score=found.score))
    return replace(transcript, segments=tuple(segments))


def _mean(segments: list[Segment]) -> float | None:
    """Duration-weighted: a long complaint counts more than a short "okay"."""
    weights = [max(s.end - s.start, 0.1) for s in segments]
    if not segments:
        return None
    return round(
        sum(w * (s.sentiment_score or 0.0) for w, s in zip(weights, segments, strict=True)) / sum(weights), 3
    )


def _biggest_drop(segments: list[Segment]) -> dict[str, float] | None:
    """The largest fall of the running mean from its best so far: where, and from what to what; None
    when it never fell by MIN_DROP."""
    best: tuple[float, float] | None = None  # (score, at)
    drop: dict[str, float] | None = None
    for i in range(len(segments)):
        window = segments[max(0, i - DROP_RUN + 1) : i + 1]
        score = sum(s.sentiment_score or 0.0 for s in window) / len(window)
        if best is None or score > best[0]:
            best = (score, segments[i].start)
        elif drop is None or best[0] - score > drop["from"] - drop["to"]:
            drop = {"from": round(best[0], 3), "to": round(score, 3), "at": segments[i].start}
    return drop if drop and drop["from"] - drop["to"] >= MIN_DROP else None


def sentiment_summary(transcript: Transcript) -> dict[str, Any]:
    """Per role: overall, first_minute and last_minute scores (None where the side said nothing then),
    the biggest drop, and how many of its segments read negative."""
    summary: dict[str, Any] = {}
    end = max((s.end for s in transcript.segments), default=0.0)
    for role in sorted({s.role for s in transcript.segments}):
        said = [s for s in transcript.segments if s.role == role and s.sentiment is not None]
        if not said:
            continue
        summary[role] = {
            "overall": _mean(said),
            "first_minute": _mean([s for s in said if s.start < MINUTE_S]),
            "last_minute": _mean([s for s in said if s.end > end - MINUTE_S]),
            "biggest_drop": _biggest_drop(said),
            "negative_share": round(sum(s.sentiment == "negative" for s in said) / len(said), 3),
        }
    return summary
