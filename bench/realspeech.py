"""Real recorded speech for the accuracy benchmark: the corpus, the telephone calls built from it, and
the measures (WER, turns lost, transcript-level DER).

A corpus is a folder with `manifest.json`: clips of real speech, each with its reference text, language,
speaker, and where it came from (repository, commit, path, licence). From those clips this module builds
what a contact centre records: two-channel 8 kHz mu-law calls (agent on channel 0) with alternating
turns, their mono mix, and "fake stereo" (the same mix on both channels through a lossy codec). The
pyannote.audio sample conversation (tests/fixtures/voices, real voices with an RTTM reference) is always
part of the set, as a mono call and split by its reference into a two-channel telephone call.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from storage.text import normalize
from transcribe.audio import SAMPLE_RATE, ffmpeg_binary, load_audio

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "fixtures" / "voices" / "pyannote_sample.wav"
SAMPLE_RTTM = SAMPLE.with_suffix(".rttm")
GAP_S = 0.7  # silence between turns of an assembled call
TURN_SLACK_S = 0.3  # a hypothesis word this close to a reference turn counts for it


@dataclass(frozen=True, slots=True)
class Turn:
    start: float
    end: float
    speaker: str
    channel: int | None  # the channel the turn is on in a two-channel recording
    text: str | None  # None: timing-only reference (RTTM)


@dataclass(frozen=True, slots=True)
class Item:
    """One recording to transcribe, with its reference."""

    name: str
    path: Path
    language: str
    kind: str  # read | call-stereo | call-mono | call-fake-stereo | conversation
    turns: tuple[Turn, ...]
    channels: int  # as recorded
    speakers_expected: int = 1

    @property
    def has_text(self) -> bool:
        return all(turn.text is not None for turn in self.turns)


@dataclass(frozen=True, slots=True)
class Clip:
    id: str
    samples: np.ndarray  # 16 kHz float32
    language: str
    speaker: str
    text: str
    source: dict = field(default_factory=dict)


def load_clips(corpus: Path) -> list[Clip]:
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    clips = []
    for entry in manifest["clips"]:
        path = corpus / entry["file"]
        channel = entry.get("channel")
        audio = load_audio(path, 2 if channel is not None else 1)
        samples = audio.channels[channel or 0]
        clips.append(
            Clip(
                entry["id"],
                trim_silence(samples),
                entry["language"],
                entry["speaker"],
                entry["text"],
                entry.get("source", {}),
            )
        )
    return clips


SPEECH_FLOOR = 0.01  # of the clip's peak: quieter samples at its ends are silence
CLIP_PAD_S = 0.2


def speech_bounds(samples: np.ndarray) -> tuple[int, int]:
    """First and last sample louder than SPEECH_FLOOR of the peak."""
    loud = np.flatnonzero(np.abs(samples) > SPEECH_FLOOR * max(float(np.max(np.abs(samples))), 1e-9))
    return (int(loud[0]), int(loud[-1]) + 1) if loud.size else (0, len(samples))


def trim_silence(samples: np.ndarray) -> np.ndarray:
    """Cut leading and trailing silence, keeping CLIP_PAD_S, so assembled turns start where speech does."""
    first, last = speech_bounds(samples)
    pad = int(CLIP_PAD_S * SAMPLE_RATE)
    return samples[max(0, first - pad) : last + pad]


def write_audio(path: Path, channels: Sequence[np.ndarray], codec: str, rate: int) -> Path:
    """Encode float channels (16 kHz) with ffmpeg: pcm_mulaw at 8 kHz for a PBX, libmp3lame for a lossy copy."""
    stacked = np.stack(channels, axis=1).astype(np.float32)
    extra = ["-b:a", "32k"] if codec == "libmp3lame" else []
    subprocess.run(
        [
            ffmpeg_binary(),
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "f32le",
            "-ar",
            str(SAMPLE_RATE),
            "-ac",
            str(len(channels)),
            "-i",
            "pipe:",
            "-ar",
            str(rate),
            "-acodec",
            codec,
            *extra,
            str(path),
        ],
        input=stacked.tobytes(),
        check=True,
    )
    return path


def assemble_call(agent: Sequence[Clip], customer: Sequence[Clip]) -> tuple[list[np.ndarray], list[Turn]]:
    """Alternating turns, agent first, each side on its own channel; the customer's second turn starts
    0.5 s before the agent finishes (people talk over each other)."""
    order: list[tuple[int, Clip]] = []
    for index in range(max(len(agent), len(customer))):
        if index < len(agent):
            order.append((0, agent[index]))
        if index < len(customer):
            order.append((1, customer[index]))
    cursor, placed = 0.5, []
    for position, (channel, clip) in enumerate(order):
        start = cursor - (0.5 if position == 3 else 0.0)
        placed.append((channel, clip, start))
        cursor = start + len(clip.samples) / SAMPLE_RATE + GAP_S
    length = int((cursor + 0.5) * SAMPLE_RATE)
    channels = [np.zeros(length, np.float32), np.zeros(length, np.float32)]
    turns = []
    for channel, clip, start in placed:
        first = int(start * SAMPLE_RATE)
        channels[channel][first : first + len(clip.samples)] += clip.samples
        first_loud, last_loud = speech_bounds(clip.samples)  # the turn is the speech, not its padding
        turns.append(
            Turn(
                round(start + first_loud / SAMPLE_RATE, 3),
                round(start + last_loud / SAMPLE_RATE, 3),
                clip.speaker,
                channel,
                clip.text,
            )
        )
    return channels, turns


def rttm_turns(path: Path) -> list[Turn]:
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    return sorted(
        (Turn(float(r[3]), round(float(r[3]) + float(r[4]), 3), r[7], None, None) for r in rows),
        key=lambda t: t.start,
    )


def split_by_reference(samples: np.ndarray, turns: Sequence[Turn]) -> tuple[list[np.ndarray], list[Turn]]:
    """A mono conversation as a two-channel call: each speaker's reference turns on their own channel."""
    speakers = list(dict.fromkeys(t.speaker for t in turns))[:2]
    channels = [np.zeros_like(samples), np.zeros_like(samples)]
    placed = []
    for turn in turns:
        if turn.speaker not in speakers:
            continue
        channel = speakers.index(turn.speaker)
        first, last = int(turn.start * SAMPLE_RATE), int(turn.end * SAMPLE_RATE)
        channels[channel][first:last] = samples[first:last]
        placed.append(Turn(turn.start, turn.end, turn.speaker, channel, turn.text))
    return channels, placed


def fake_stereo(mix: np.ndarray) -> list[np.ndarray]:
    """The same mix on both sides, the right 1.5 dB quieter (a recorder's per-side gain)."""
    return [mix, (mix * 10 ** (-1.5 / 20)).astype(np.float32)]


def conversation_items(folder: Path) -> list[Item]:
    """The real two-speaker conversation that ships in the repository (pyannote.audio's sample)."""
    samples = load_audio(SAMPLE, 1).channels[0]
    reference = rttm_turns(SAMPLE_RTTM)
    channels, split = split_by_reference(samples, reference)
    mix = samples
    return [
        Item("pyannote_sample.mono", SAMPLE, "en", "conversation", tuple(reference), 1, 2),
        Item(
            "pyannote_sample.stereo8k",
            write_audio(folder / "pyannote_sample.stereo8k.wav", channels, "pcm_mulaw", 8000),
            "en",
            "call-stereo",
            tuple(split),
            2,
            2,
        ),
        Item(
            "pyannote_sample.fake_stereo",
            write_audio(folder / "pyannote_sample.fake_stereo.mp3", fake_stereo(mix), "libmp3lame", 16000),
            "en",
            "call-fake-stereo",
            tuple(reference),
            2,
            2,
        ),
    ]


def corpus_items(corpus: Path, folder: Path) -> list[Item]:
    """Each clip as read speech, then per language a two-channel 8 kHz call of two speakers, its mono mix
    and its fake-stereo copy."""
    clips = load_clips(corpus)
    items = []
    for clip in clips:
        path = write_audio(folder / f"{clip.id}.wav", [clip.samples], "pcm_s16le", 16000)
        turn = Turn(0.0, len(clip.samples) / SAMPLE_RATE, clip.speaker, None, clip.text)
        items.append(Item(f"{clip.id}", path, clip.language, "read", (turn,), 1))
    for language in sorted({c.language for c in clips}):
        voices: dict[str, list[Clip]] = {}
        for clip in clips:
            if clip.language == language:
                voices.setdefault(clip.speaker, []).append(clip)
        if len(voices) < 2:
            continue
        # The voice with most clips is the agent; the next two voices are the customer's side (a
        # customer who hands the phone over), one voice per turn.
        ranked = sorted(voices, key=lambda s: (-len(voices[s]), s))
        agent = voices[ranked[0]][:3]
        customer = [voices[s][0] for s in ranked[1:3]]
        channels, turns = assemble_call(agent, customer)
        mix = (channels[0] + channels[1]).astype(np.float32)
        # On two channels a speaker is a side of the call; on one, a voice.
        sides = tuple(
            Turn(t.start, t.end, ("agent", "customer")[t.channel or 0], t.channel, t.text) for t in turns
        )
        voices_only = tuple(Turn(t.start, t.end, t.speaker, None, t.text) for t in turns)
        base = f"{language}_call"
        items += [
            Item(
                f"{base}.stereo8k",
                write_audio(folder / f"{base}.stereo8k.wav", channels, "pcm_mulaw", 8000),
                language,
                "call-stereo",
                sides,
                2,
                2,
            ),
            Item(
                f"{base}.mono",
                write_audio(folder / f"{base}.mono.wav", [mix], "pcm_s16le", 16000),
                language,
                "call-mono",
                voices_only,
                1,
                3,
            ),
            Item(
                f"{base}.fake_stereo",
                write_audio(folder / f"{base}.fake_stereo.mp3", fake_stereo(mix), "libmp3lame", 16000),
                language,
                "call-fake-stereo",
                voices_only,
                2,
                3,
            ),
        ]
    return items


# --- measures -------------------------------------------------------------------------------------

_NUMBERS = {"1455": "fourteen fifty five"}


def words_for_wer(text: str) -> list[str]:
    """normalize() (case, punctuation, niqqud and harakat, alef and final forms), hyphens as spaces."""
    return [
        w
        for token in normalize(re.sub(r"[-\u2010-\u2015]", " ", text)).split()
        for w in _NUMBERS.get(token, token).split()
    ]


def wer(reference: Sequence[str], hypothesis: Sequence[str]) -> float:
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, start=1):
        current = [i] + [0] * len(hypothesis)
        for j, hyp in enumerate(hypothesis, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp))
        previous = current
    return previous[-1] / max(1, len(reference))


@dataclass(frozen=True, slots=True)
class HypWord:
    start: float
    end: float
    text: str
    speaker: str
    channel: int | None


def turns_lost(reference: Iterable[Turn], words: Sequence[HypWord], by_channel: bool) -> int:
    """Reference turns with no hypothesis word inside them (on their channel, for two-channel calls)."""
    lost = 0
    for turn in reference:
        heard = any(
            turn.start - TURN_SLACK_S <= (w.start + w.end) / 2 <= turn.end + TURN_SLACK_S
            and (not by_channel or w.channel == turn.channel)
            for w in words
        )
        lost += not heard
    return lost


def transcript_der(
    reference: Iterable[Turn], hypothesis: Iterable[tuple[float, float, str]], collar: float
) -> float:
    from pyannote.core import Annotation
    from pyannote.core import Segment as Span
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref, hyp = Annotation(), Annotation()
    for turn in reference:
        ref[Span(turn.start, turn.end)] = turn.speaker
    for start, end, speaker in hypothesis:
        if end > start:
            hyp[Span(start, end)] = speaker
    return float(DiarizationErrorRate(collar=collar, skip_overlap=False)(ref, hyp))
