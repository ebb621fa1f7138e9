"""One call's processing, from decoded audio to a transcript. No database, no network."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from storage.records import Transcript

from .asr import AsrSegment, Transcriber
from .assemble import ChannelResult, assemble_segments
from .audio import Audio
from .diarize import Diarization
from .repetition import trim_repetition_loops
from .speakers import assemble_mono, mono_roles

Diarizer = Callable[[Audio, int, int], Diarization]

# Stage weights for overall progress: recognition dominates the time.
PROGRESS_SPAN = {
    "normalise": (0.0, 0.05),
    "detect_language": (0.05, 0.1),
    "transcribe": (0.1, 0.95),
    "assign": (0.95, 1.0),
}

ProgressFn = Callable[[str, float], None]


@dataclass(frozen=True, slots=True)
class CallOptions:
    channel_roles: Sequence[str] = ("agent", "customer")
    language: str | None = None  # forced language; None detects among allowed_languages
    allowed_languages: Sequence[str] = ("he", "ar", "en")
    # Mono calls: who is who.
    direction: str | None = None
    min_speakers: int = 1
    max_speakers: int = 3
    agent_voiceprints: Sequence[np.ndarray] = ()  # the call's agent, enrolled from earlier calls
    vocabulary: Sequence[str] = ()  # product and agent names the model should expect (hotwords)


@dataclass
class Timings:
    seconds: dict[str, float] = field(default_factory=dict)

    def measure(self, stage: str, started: float) -> None:
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - started, 3)


def overall(stage: str, fraction: float) -> float:
    low, high = PROGRESS_SPAN.get(stage, (0.0, 1.0))
    return low + (high - low) * fraction


def is_duplicate_stereo(audio: Audio, tolerance: float = 1e-3) -> bool:
    """A "stereo" file whose two channels carry the same mix is really mono."""
    if not audio.is_stereo:
        return False
    left, right = audio.channels
    scale = max(float(np.max(np.abs(left))), float(np.max(np.abs(right))), 1e-9)
    return float(np.max(np.abs(left - right))) / scale < tolerance


def drop_silent_segments(
    segments: Sequence[AsrSegment], samples: np.ndarray, sample_rate: int, floor_dbfs: float = -55.0
) -> tuple[AsrSegment, ...]:
    """Whisper invents words ("You", "Thank you") over silence; on a channel that is silent for a
    segment's whole span, nobody said them. The floor sits well under telephone line noise."""
    kept = []
    for segment in segments:
        span = samples[
            int(segment.start * sample_rate) : max(
                int(segment.end * sample_rate), 1 + int(segment.start * sample_rate)
            )
        ]
        rms = float(np.sqrt(np.mean(np.square(span, dtype=np.float64)))) if span.size else 0.0
        if 20 * np.log10(max(rms, 1e-10)) > floor_dbfs:
            kept.append(segment)
    return tuple(kept)


def transcribe_audio(
    audio: Audio,
    transcriber: Transcriber,
    options: CallOptions,
    timings: Timings,
    report: ProgressFn = lambda stage, progress: None,
    diarizer: Diarizer | None = None,
) -> Transcript:
    """detect_language -> transcribe (per channel) -> assign speakers and roles (mono: diarize first)."""
    channels: list[tuple[int | None, np.ndarray]]
    if audio.is_stereo and not is_duplicate_stereo(audio):
        channels = [(index, samples) for index, samples in enumerate(audio.channels)]
    else:
        channels = [(None, audio.channels[0])]

    started = time.perf_counter()
    language = options.language
    if not language:
        report("detect_language", overall("detect_language", 0.0))
        language, _ = transcriber.detect_language(audio.mix(), list(options.allowed_languages))
    timings.measure("detect_language", started)

    started = time.perf_counter()
    results = []
    for position, (channel, samples) in enumerate(channels):

        def on_progress(fraction: float, position: int = position) -> None:
            report("transcribe", overall("transcribe", (position + fraction) / len(channels)))

        recognised = transcriber.transcribe(samples, language, on_progress, options.vocabulary)
        heard = drop_silent_segments(recognised, samples, audio.sample_rate)
        results.append(ChannelResult(channel, trim_repetition_loops(heard)))
    timings.measure("transcribe", started)

    started = time.perf_counter()
    report("assign", overall("assign", 0.0))
    speakers, segments = assemble_segments(results, options.channel_roles)
    if results[0].channel is None and diarizer is not None:
        diarization = diarizer(Audio((channels[0][1],)), options.min_speakers, options.max_speakers)
        if diarization.turns:
            roles = mono_roles(
                diarization,
                options.direction,
                options.agent_voiceprints,
                diarization.centroids,
            )
            speakers, segments = assemble_mono(results[0].segments, diarization, roles)
    timings.measure("assign", started)
    return Transcript(
        language=language,
        duration=round(audio.duration, 3),
        speakers=speakers,
        segments=segments,
        model=transcriber.model_for(language).label,
    )
