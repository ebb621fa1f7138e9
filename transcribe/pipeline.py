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


# Below this probability a side's own detection is not trusted over the other side's (a side that
# mostly listens says too little to identify).
CONFIDENT_LANGUAGE = 0.5


def channel_languages(
    transcriber: Transcriber, channels: list[np.ndarray], options: CallOptions
) -> list[str]:
    """The language of each channel: forced by the call, else identified per side among the allowed
    languages, so a Hebrew-speaking agent with an English-speaking customer is transcribed right on
    both channels; a side identified with little confidence follows the other side."""
    if options.language:
        return [options.language] * len(channels)
    allowed = list(options.allowed_languages)
    found = [transcriber.detect_language(samples, allowed) for samples in channels]
    best = max(found, key=lambda item: item[1])
    return [lang if prob >= CONFIDENT_LANGUAGE else best[0] for lang, prob in found]


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
    report("detect_language", overall("detect_language", 0.0))
    languages = channel_languages(transcriber, [samples for _, samples in channels], options)
    timings.measure("detect_language", started)

    started = time.perf_counter()
    results = []
    for position, (channel, samples) in enumerate(channels):

        def on_progress(fraction: float, position: int = position) -> None:
            report("transcribe", overall("transcribe", (position + fraction) / len(channels)))

        recognised = transcriber.transcribe(samples, languages[position], on_progress, options.vocabulary)
        heard = drop_silent_segments(recognised, samples, audio.sample_rate)
        results.append(ChannelResult(channel, trim_repetition_loops(heard), languages[position]))
    timings.measure("transcribe", started)
    # The call's language is the one most of its words were heard in.
    words = {lang: 0 for lang in languages}
    for result in results:
        words[result.language or languages[0]] += sum(len(s.words) or 1 for s in result.segments)
    language = max(words, key=lambda lang: (words[lang], -languages.index(lang)))

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
