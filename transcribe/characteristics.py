"""Call characteristics: who talked how much, silences, overlaps and interruptions, speed, loudness.

Pure: a transcript (and, when there is one, the decoded audio) in; a flat dict of named metrics and the
details behind them out. Rules refer to the metrics by these names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from storage.records import Segment, Transcript

from .audio import Audio

# A second speaker who starts while the first still talks, overlapping at least this long, interrupted.
INTERRUPTION_MIN_OVERLAP_S = 0.3
METRICS = (
    "duration",
    "talk_time",
    "silence_time",
    "longest_silence",
    "overlap_time",
    "turns",
    "interruptions",
    "interruptions_by_agent",
    "interruptions_by_customer",
    "talk_share_agent",
    "talk_share_customer",
    "wpm_agent",
    "wpm_customer",
    "time_to_agent_first_words",
    "loudness_spike_agent",
    "loudness_spike_customer",
)


@dataclass(frozen=True, slots=True)
class Interruption:
    at: float
    by: str  # role of who cut in
    of: str  # role of who was talking
    overlap: float


def _merged(intervals: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def _length(intervals: Sequence[tuple[float, float]]) -> float:
    return sum(end - start for start, end in intervals)


def _cross_role_overlap(role_speech: dict[str, list[tuple[float, float]]]) -> float:
    """Seconds during which two roles talk at once: a sweep over interval edges, not all pairs."""
    edges = sorted(
        (time, change, role)
        for role, intervals in role_speech.items()
        for start, end in intervals
        for time, change in ((start, 1), (end, -1))
    )
    talking: dict[str, int] = {}
    overlap, previous = 0.0, 0.0
    for time, change, role in edges:
        if sum(1 for n in talking.values() if n > 0) >= 2:
            overlap += time - previous
        talking[role] = talking.get(role, 0) + change
        previous = time
    return overlap


def interruptions(segments: Sequence[Segment]) -> list[Interruption]:
    found = []
    ordered = sorted(segments, key=lambda s: s.start)
    # Only segments still going when `later` starts can be interrupted by it: keep just those, so a
    # two-hour call (thousands of segments) is not compared pair by pair.
    talking: list[Segment] = []
    for later in ordered:
        talking = [s for s in talking if s.end > later.start]
        candidates, talking = list(talking), [*talking, later]
        for earlier in candidates:
            if earlier.speaker == later.speaker or earlier.start >= later.start:
                continue
            overlap = min(earlier.end, later.end) - later.start
            if overlap >= INTERRUPTION_MIN_OVERLAP_S:
                found.append(Interruption(round(later.start, 2), later.role, earlier.role, round(overlap, 2)))
                break
    return found


def loudness_per_second(samples: np.ndarray, sample_rate: int) -> list[float]:
    """RMS level of each second, in dBFS."""
    seconds = len(samples) // sample_rate
    levels: list[float] = []
    step = 60  # seconds at a time: no float64 copy of the whole channel
    for first in range(0, seconds, step):
        count = min(step, seconds - first)
        frames = samples[first * sample_rate : (first + count) * sample_rate]
        frames = frames.reshape(count, sample_rate).astype(np.float64)
        rms = np.sqrt(np.mean(np.square(frames), axis=1))
        levels.extend(round(float(v), 1) for v in 20 * np.log10(np.maximum(rms, 1e-6)))
    return levels


def loudness_spike(levels: Sequence[float], speech: Sequence[tuple[float, float]]) -> float:
    """How far (dB) the loudest second of someone's speech rises above their median speaking level."""
    spoken = [levels[s] for s in range(len(levels)) if any(a <= s + 0.5 < b for a, b in speech)]
    if len(spoken) < 3:
        return 0.0
    return round(max(spoken) - float(np.median(spoken)), 1)


def measure(
    transcript: Transcript, audio: Audio | None = None, loudness: dict[str, list[float]] | None = None
) -> dict:
    """Metrics (flat, by name) and the details behind them. `loudness`: levels measured before (a
    transcript edited after the audio was analysed keeps them)."""
    segments = transcript.segments
    duration = max(transcript.duration, max((s.end for s in segments), default=0.0))
    speech = _merged([(s.start, s.end) for s in segments])
    talk_time = _length(speech)
    gaps = [(0.0, speech[0][0])] if speech else [(0.0, duration)]
    gaps += [(a[1], b[0]) for a, b in zip(speech, speech[1:], strict=False)]
    if speech:
        gaps.append((speech[-1][1], duration))
    longest = max(gaps, key=lambda gap: gap[1] - gap[0], default=(0.0, 0.0))
    by_role: dict[str, list[Segment]] = {}
    for segment in segments:
        by_role.setdefault(segment.role, []).append(segment)
    role_speech = {role: _merged([(s.start, s.end) for s in items]) for role, items in by_role.items()}
    overlap = _cross_role_overlap(role_speech)
    cut_ins = interruptions(segments)
    in_order = sorted(segments, key=lambda s: s.start)
    turns = sum(1 for i, s in enumerate(in_order) if i == 0 or s.speaker != in_order[i - 1].speaker)
    metrics: dict[str, float] = {
        "duration": round(duration, 2),
        "talk_time": round(talk_time, 2),
        "silence_time": round(max(0.0, duration - talk_time), 2),
        "longest_silence": round(longest[1] - longest[0], 2),
        "overlap_time": round(overlap, 2),
        "turns": turns,
        "interruptions": len(cut_ins),
        "interruptions_by_agent": sum(1 for c in cut_ins if c.by == "agent"),
        "interruptions_by_customer": sum(1 for c in cut_ins if c.by == "customer"),
    }
    per_speaker = {}
    all_spoken = sum(_length(intervals) for intervals in role_speech.values())
    for role in ("agent", "customer"):
        spoken = _length(role_speech.get(role, []))
        words = sum(len(s.words) or len(s.text.split()) for s in by_role.get(role, []))
        metrics[f"talk_share_{role}"] = round(spoken / all_spoken, 3) if all_spoken else 0.0
        metrics[f"wpm_{role}"] = round(words / (spoken / 60), 1) if spoken else 0.0
        per_speaker[role] = {"talk_time": round(spoken, 2), "words": words}
    agent_segments = by_role.get("agent", [])
    metrics["time_to_agent_first_words"] = (
        round(min(s.start for s in agent_segments), 2) if agent_segments else duration
    )
    loudness = dict(loudness or {})
    if audio is not None and audio.is_stereo and transcript.speakers:
        for speaker in transcript.speakers:
            if speaker.channel is not None and speaker.role in ("agent", "customer"):
                loudness[speaker.role] = loudness_per_second(
                    audio.channels[speaker.channel], audio.sample_rate
                )
    elif audio is not None:
        loudness["mix"] = loudness_per_second(audio.mix(), audio.sample_rate)
    for role in ("agent", "customer"):
        levels = loudness.get(role) or loudness.get("mix") or []
        metrics[f"loudness_spike_{role}"] = loudness_spike(levels, role_speech.get(role, []))
    return {
        "metrics": metrics,
        "longest_silence_at": [round(longest[0], 2), round(longest[1], 2)],
        "interruptions": [{"at": c.at, "by": c.by, "of": c.of, "overlap": c.overlap} for c in cut_ins],
        "speakers": per_speaker,
        "loudness_dbfs_per_second": loudness,
    }
