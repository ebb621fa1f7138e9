"""Turn per-channel recognition results into speakers and one time-ordered list of segments. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.records import Role, Segment, Speaker

from .recognised import AsrSegment
from .roles import role_of_channel


@dataclass(frozen=True, slots=True)
class ChannelResult:
    channel: int | None  # None: a mono (mixed) recording
    segments: tuple[AsrSegment, ...]
    language: str | None = None
    language_probability: float | None = None  # None: the language was given, not identified


def assemble_segments(
    results: Sequence[ChannelResult], channel_roles: Sequence[str]
) -> tuple[tuple[Speaker, ...], tuple[Segment, ...]]:
    """Each channel is one speaker (dual-channel telephony); a mono recording is one mixed speaker
    with role "other" until mono diarization separates it."""
    speakers: list[Speaker] = []
    segments: list[Segment] = []
    for index, result in enumerate(results):
        speaker_id = f"S{index}"
        role = Role.OTHER.value if result.channel is None else role_of_channel(result.channel, channel_roles)
        speakers.append(
            Speaker(speaker_id, role, result.channel, "channel", result.language, result.language_probability)
        )
        segments.extend(
            Segment(
                start=s.start,
                end=s.end,
                speaker=speaker_id,
                role=role,
                channel=result.channel,
                text=s.text,
                words=s.words,
            )
            for s in result.segments
        )
    segments.sort(key=lambda s: (s.start, s.end, s.speaker))
    return tuple(speakers), tuple(segments)
