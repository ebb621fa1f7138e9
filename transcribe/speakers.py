"""Mono calls: words to diarized speakers, and speakers to roles. Pure.

A recognised segment that spans a speaker change is split at the word where the speaker changes; each
word goes to the speaker who talks most during it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from storage.records import Role, Segment, Speaker

from .asr import AsrSegment
from .diarize import Diarization

# Who speaks first on a mono call, by direction: the agent answers an inbound call; on an outbound call
# the customer picks up and speaks first.
FIRST_SPEAKER_ROLE = {"inbound": "agent", "outbound": "customer"}
AGENT_FLOOR = 0.7  # below this similarity to the enrolment, nobody on the call sounds like the agent
AGENT_MARGIN = 0.08  # how much closer than the next speaker the agent must be


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


def mono_roles(
    diarization: Diarization,
    direction: str | None,
    agent_voiceprints: Sequence[np.ndarray],
    centroids: Mapping[str, np.ndarray],
) -> dict[str, tuple[str, str]]:
    """speaker -> (role, what decided it). An enrolled agent voice decides first; else who spoke first.

    The agent is on the call, so the question is only which speaker: the one clearly closest to the
    enrolment. Mono mixes and stereo channels of one voice score lower than two stereo channels do
    (0.82 for the scripted agent, against 0.68 for the customer), so this is a margin, not the
    watchlist's absolute threshold."""
    speakers = diarization.speakers
    if len(speakers) == 1 and not agent_voiceprints:
        return {speakers[0]: (Role.OTHER.value, "single_speaker")}
    if agent_voiceprints and centroids:
        agent = np.mean([v / np.linalg.norm(v) for v in agent_voiceprints], axis=0)
        agent /= np.linalg.norm(agent)
        scores = {s: float(agent @ (c / np.linalg.norm(c))) for s, c in centroids.items() if s in speakers}
        ranked = sorted(scores, key=lambda s: scores[s], reverse=True)
        clear = len(ranked) == 1 or (
            len(ranked) > 1 and scores[ranked[0]] - scores[ranked[1]] >= AGENT_MARGIN
        )
        best = ranked[0] if ranked else None
        if best is not None and scores[best] >= AGENT_FLOOR and clear:
            return {
                s: (Role.AGENT.value, "agent_voiceprint")
                if s == best
                else (Role.CUSTOMER.value, "agent_voiceprint")
                for s in speakers
            }
    first_role = FIRST_SPEAKER_ROLE.get(direction or "inbound", "agent")
    other_role = Role.CUSTOMER.value if first_role == Role.AGENT.value else Role.AGENT.value
    roles = {speakers[0]: (first_role, "first_speaker")}
    for speaker in speakers[1:]:
        roles[speaker] = (other_role, "first_speaker")
    return roles


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
