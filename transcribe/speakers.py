"""Mono calls: words to diarized speakers (their roles come from transcribe/roles.py). Pure.

A recognised segment that spans a speaker change is split at the word where the speaker changes; each
word goes to the speaker who talks most during it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from storage.records import Role, Segment, Speaker

from .diarize import Diarization
from .recognised import AsrSegment


def split_by_speaker(
    segments: Sequence[AsrSegment], diarization: Diarization
) -> list[tuple[str, AsrSegment]]:
    out: list[tuple[str, AsrSegment]] = []
    for segment in segments:
        if not segment.words:
            speaker = diarization.speaker_at(segment.start, segment.end)
            out.append((speaker or "S0", segment))
            continue
        runs: list[tuple[str, list]] = []
        for word in segment.words:
            speaker = diarization.speaker_at(word.start, word.end) or (runs[-1][0] if runs else "S0")
            if runs and runs[-1][0] == speaker:
                runs[-1][1].append(word)
            else:
                runs.append((speaker, [word]))
        if len(runs) == 1:  # one speaker: the segment keeps its span (widened to its speech)
            out.append((runs[0][0], segment))
            continue
        # Inside one recognised segment the speech is continuous: the change of speaker falls midway
        # between the last word of one run and the first of the next, leaving no gap in the timeline.
        changes = [(a[1][-1].end + b[1][0].start) / 2 for a, b in zip(runs, runs[1:], strict=False)]
        for position, (speaker, words) in enumerate(runs):
            text = " ".join(w.word.strip() for w in words if w.word.strip())
            start = segment.start if position == 0 else round(changes[position - 1], 3)
            end = segment.end if position == len(runs) - 1 else round(changes[position], 3)
            out.append((speaker, AsrSegment(start, end, text, tuple(words))))
    return out


def assemble_mono(
    segments: Sequence[AsrSegment], diarization: Diarization, roles: Mapping[str, tuple[str, str]]
) -> tuple[tuple[Speaker, ...], tuple[Segment, ...]]:
    assigned = split_by_speaker(segments, diarization)
    unknown = (Role.OTHER.value, "single_speaker")
    spoke = {speaker for speaker, _ in assigned}
    used = [s for s in diarization.speakers if s in spoke] or ["S0"]
    speakers = tuple(Speaker(s, roles.get(s, unknown)[0], None, roles.get(s, unknown)[1]) for s in used)
    role_of = {s.id: s.role for s in speakers}
    out = [
        Segment(s.start, s.end, speaker, role_of.get(speaker, unknown[0]), None, s.text, s.words)
        for speaker, s in assigned
    ]
    out.sort(key=lambda s: (s.start, s.end, s.speaker))
    return speakers, tuple(out)
