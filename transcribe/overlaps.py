"""Overlapping speech: the stretches where two speakers talk at once, from their word timings.

Kept in the transcript (both speakers' words stay, each in its own segment) and marked, so reviewers
see cross-talk and the characteristics count interruptions from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.records import Segment, Transcript

MIN_OVERLAP_S = 0.2  # shorter coincidences are word-timing noise
WORD_GAP_S = 0.3  # pauses shorter than this inside a speaker's speech do not end it


@dataclass(frozen=True, slots=True)
class Overlap:
    start: float
    end: float
    speakers: tuple[str, str]


def merged(intervals: Sequence[tuple[float, float]], gap: float = 0.0) -> list[tuple[float, float]]:
    """The intervals' union, joining those less than `gap` apart."""
    out: list[list[float]] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1] + gap:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def _speech(segments: Sequence[Segment]) -> list[tuple[float, float]]:
    spans = [(w.start, w.end) for s in segments for w in s.words] or [(s.start, s.end) for s in segments]
    return merged(spans, WORD_GAP_S)


def speech_overlaps(transcript: Transcript) -> list[Overlap]:
    by_speaker: dict[str, list[Segment]] = {}
    for segment in transcript.segments:
        by_speaker.setdefault(segment.speaker, []).append(segment)
    speech = {speaker: _speech(items) for speaker, items in by_speaker.items()}
    found = []
    names = sorted(speech)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            for a0, a1 in speech[first]:
                for b0, b1 in speech[second]:
                    start, end = max(a0, b0), min(a1, b1)
                    if end - start >= MIN_OVERLAP_S:
                        found.append(Overlap(round(start, 3), round(end, 3), (first, second)))
    return sorted(found, key=lambda o: o.start)


def overlapped_segments(transcript: Transcript, overlaps: Sequence[Overlap]) -> set[int]:
    """Indexes of the segments that take part in an overlap."""
    marked = set()
    for index, segment in enumerate(transcript.segments):
        if any(
            segment.speaker in o.speakers and min(segment.end, o.end) - max(segment.start, o.start) > 0
            for o in overlaps
        ):
            marked.add(index)
    return marked
