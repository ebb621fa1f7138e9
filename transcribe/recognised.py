"""What recognition heard: a segment of text with its word timings, in the call's time. A plain record,
so the pure steps (assembly, speakers, roles, partial transcripts) need no speech engine to import it."""

from __future__ import annotations

from dataclasses import dataclass

from storage.records import Word


@dataclass(frozen=True, slots=True)
class AsrSegment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...]
