"""Recognition: from decoded audio to a transcript with speakers and roles. No database, no network."""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from storage.records import Transcript, Word

from .asr import Transcriber
from .assemble import ChannelResult, assemble_segments
from .audio import Audio, blocks
from .diarize import Diarization, speech_regions
from .partial import PartialTranscript, Publish
from .recognised import AsrSegment
from .repetition import trim_repetition_loops
from .roles import mono_roles
from .speakers import assemble_mono

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
    seconds: dict[str, float] = field(default_factory=dict)  # the job's stages, one after another
    # Parts of a stage ("transcribe.agent") and what came before the job ran ("queue_wait"): reported
    # with the stages, never added to the job's own seconds.
    detail: dict[str, float] = field(default_factory=dict)

    def measure(self, stage: str, started: float) -> None:
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - started, 3)

    def note(self, part: str, seconds: float) -> None:
        self.detail[part] = round(self.detail.get(part, 0.0) + seconds, 3)

    @property
    def reported(self) -> dict[str, float]:
        return {**self.seconds, **self.detail}


def overall(stage: str, fraction: float) -> float:
    low, high = PROGRESS_SPAN.get(stage, (0.0, 1.0))
    return low + (high - low) * fraction


# A "stereo" recording whose channels carry one mix: both sides after a lossy codec or a recorder's
# per-side gain measured 0.9996 correlation and -31 dB difference energy; two real sides of a call,
# even with echo or crosstalk, stay far below 0.9 and above -10 dB.
SAME_MIX_CORRELATION = 0.98
SAME_MIX_DIFFERENCE_DB = -20.0


def is_mono_in_stereo(audio: Audio) -> bool:
    """Both channels carry the same mix (up to gain): the call is mono in a stereo file, and
    transcribing each side would give every word twice, once as agent and once as customer."""
    if not audio.is_stereo:
        return False
    left_energy = right_energy = cross = 0.0
    for block in blocks(len(audio.channels[0])):
        left, right = (c[block].astype(np.float64) for c in audio.channels)
        left_energy, right_energy = left_energy + float(left @ left), right_energy + float(right @ right)
        cross += float(left @ right)
    if min(left_energy, right_energy) <= 1e-9 * max(left_energy, right_energy, 1e-12):
        return False  # one side silent: a one-sided call, not a mix
    correlation = cross / np.sqrt(left_energy * right_energy)
    # What is left of the louder side once the other, best scaled, is taken away:
    # |L - (c/Eq) Q|^2 = El - c^2/Eq.
    louder_energy, quieter_energy = max(left_energy, right_energy), min(left_energy, right_energy)
    residual = max(louder_energy - cross * cross / quieter_energy, 1e-20)
    difference_db = 10 * np.log10(residual / louder_energy)
    return correlation >= SAME_MIX_CORRELATION and difference_db <= SAME_MIX_DIFFERENCE_DB


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


# Whisper stretches a segment over the silence between two bursts of speech (on a two-channel call,
# over the other side's whole turn); a gap this long between words starts a new segment.
PAUSE_S = 1.0


def split_at_pauses(segments: Sequence[AsrSegment], pause_s: float = PAUSE_S) -> tuple[AsrSegment, ...]:
    """Segments cut where their words stop for `pause_s` or more, each spanning only its own words."""
    out = []
    for segment in segments:
        if not segment.words:
            out.append(segment)
            continue
        runs: list[list[Word]] = [[segment.words[0]]]
        for word in segment.words[1:]:
            if word.start - runs[-1][-1].end >= pause_s:
                runs.append([word])
            else:
                runs[-1].append(word)
        if len(runs) == 1:
            out.append(AsrSegment(segment.words[0].start, segment.words[-1].end, segment.text, segment.words))
            continue
        out += [AsrSegment(r[0].start, r[-1].end, " ".join(w.word for w in r), tuple(r)) for r in runs]
    return tuple(out)


class SpeechRegions:
    """Sorted, disjoint speech regions with look-ups by time in O(log n), so fitting the words of a
    two-hour call stays linear in its words."""

    def __init__(self, regions: Sequence[tuple[float, float]]) -> None:
        self.regions = sorted(regions)
        self.starts = [r[0] for r in self.regions]
        self.ends = [r[1] for r in self.regions]

    def overlapping(self, start: float, end: float) -> list[tuple[float, float]]:
        return self.regions[bisect.bisect_right(self.ends, start) : bisect.bisect_left(self.starts, end)]

    def containing(self, moment: float) -> tuple[float, float] | None:
        index = bisect.bisect_right(self.starts, moment) - 1
        return self.regions[index] if index >= 0 and self.ends[index] >= moment else None


def clip_words_to_speech(segments: Sequence[AsrSegment], speech: SpeechRegions) -> tuple[AsrSegment, ...]:
    """Word times clipped to the speech region each word overlaps most. Whisper's word times drift by up
    to a second at the edges of speech (into the other side's turn on a two-channel call); the voice
    activity detector's regions are exact to a tenth of a second."""
    out = []
    for segment in segments:
        if not segment.words:
            out.append(segment)
            continue
        words = []
        for word in segment.words:
            candidates = speech.overlapping(word.start, word.end)
            if candidates:
                best = max(candidates, key=lambda r: min(word.end, r[1]) - max(word.start, r[0]))
                start, end = max(word.start, best[0]), min(word.end, best[1])
                word = Word(round(start, 3), round(max(end, start), 3), word.word, word.probability)
            words.append(word)
        out.append(AsrSegment(words[0].start, words[-1].end, segment.text, tuple(words)))
    return tuple(out)


def extend_to_speech(segments: Sequence[AsrSegment], speech: SpeechRegions) -> tuple[AsrSegment, ...]:
    """Each segment's span widened to the speech regions its first and last words are in (a turn starts
    with a breath or a sound Whisper gives no word), never into the neighbouring segments."""
    ordered = sorted(segments, key=lambda s: s.start)
    out: list[AsrSegment] = []
    for index, segment in enumerate(ordered):
        before = ordered[index - 1].end if index else 0.0
        after = ordered[index + 1].start if index + 1 < len(ordered) else float("inf")
        first, last = speech.containing(segment.start), speech.containing(segment.end)
        start = first[0] if first else segment.start
        end = last[1] if last else segment.end
        start, end = max(start, before, out[-1].end if out else 0.0), min(end, after)
        out.append(
            AsrSegment(
                round(min(start, segment.start), 3),
                round(max(end, segment.end), 3),
                segment.text,
                segment.words,
            )
        )
    return tuple(out)


# Below this probability a side's own detection is not trusted over the other side's (a side that
# mostly listens says too little to identify).
CONFIDENT_LANGUAGE = 0.5


def channel_languages(
    transcriber: Transcriber, channels: list[np.ndarray], options: CallOptions
) -> list[tuple[str, float | None]]:
    """The language of each channel with how sure identification was (None: forced by the call), else
    identified per side among the allowed languages, so a Hebrew-speaking agent with an English-speaking
    customer is transcribed right on both channels; a side identified with little confidence follows
    the other side."""
    if options.language:
        return [(options.language, None)] * len(channels)
    allowed = list(options.allowed_languages)
    found = [transcriber.detect_language(samples, allowed) for samples in channels]
    best = max(found, key=lambda item: item[1])
    return [(lang, prob) if prob >= CONFIDENT_LANGUAGE else best for lang, prob in found]


def transcribe_audio(
    audio: Audio,
    transcriber: Transcriber,
    options: CallOptions,
    timings: Timings,
    report: ProgressFn = lambda stage, progress: None,
    diarizer: Diarizer | None = None,
    publish: Publish | None = None,
) -> Transcript:
    """detect_language -> transcribe (per channel) -> assign speakers and roles (mono: diarize first).
    `publish`, given on a long call, receives what has been heard so far (transcribe/partial.py)."""
    channels: list[tuple[int | None, np.ndarray]]
    if audio.is_stereo and not is_mono_in_stereo(audio):
        channels = [(index, samples) for index, samples in enumerate(audio.channels)]
    else:
        channels = [(None, audio.channels[0])]

    started = time.perf_counter()
    report("detect_language", overall("detect_language", 0.0))
    identified = channel_languages(transcriber, [samples for _, samples in channels], options)
    languages = [language for language, _ in identified]
    timings.measure("detect_language", started)

    started = time.perf_counter()
    results = []
    model = transcriber.model_for(languages[0]).label
    partial = PartialTranscript(publish, options.channel_roles, audio.duration, model) if publish else None
    for position, (channel, samples) in enumerate(channels):
        language, probability = identified[position]
        if partial:
            partial.start_side(channel, language, probability)

        def on_progress(fraction: float, position: int = position) -> None:
            report("transcribe", overall("transcribe", (position + fraction) / len(channels)))

        began = time.perf_counter()
        recognised = transcriber.transcribe(
            samples, languages[position], on_progress, options.vocabulary, partial.heard if partial else None
        )
        side = options.channel_roles[channel] if channel is not None else "mix"
        timings.note(f"transcribe.{side}", time.perf_counter() - began)
        heard = drop_silent_segments(recognised, samples, audio.sample_rate)
        speech = SpeechRegions(speech_regions(samples, audio.sample_rate))
        timed = split_at_pauses(clip_words_to_speech(trim_repetition_loops(heard), speech))
        results.append(ChannelResult(channel, extend_to_speech(timed, speech), language, probability))
        if partial:
            partial.finish_side(results[-1])
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
            speakers = tuple(
                replace(s, language=results[0].language, language_probability=results[0].language_probability)
                for s in speakers
            )
    timings.measure("assign", started)
    return Transcript(
        language=language,
        duration=round(audio.duration, 3),
        speakers=speakers,
        segments=segments,
        model=transcriber.model_for(language).label,
    )
