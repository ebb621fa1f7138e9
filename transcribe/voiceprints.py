"""Speaker voiceprints: one embedding per speaker per call, from the encoder the `resemblyzer` wheel ships.

A voiceprint is taken from the speaker's own speech only: their segments, cut from their channel on a
stereo call (the other side is on the other channel) or from the mix on a mono call, leaving out time
where another speaker talks at once. Too little speech gives no voiceprint rather than a poor one.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from storage.records import Segment, Transcript

from .audio import Audio, mean_square

log = logging.getLogger(__name__)

MIN_SPEECH_S = 3.0  # below this, resemblyzer's similarities scatter too much to act on
MAX_SPEECH_S = 120.0  # enough for a stable voiceprint; bounds the work on long calls
MODEL_NAME = "resemblyzer-ge2e-256"


@dataclass(frozen=True, slots=True)
class Voiceprint:
    speaker: str
    role: str
    embedding: np.ndarray  # float32, L2-normalised
    speech_seconds: float
    role_source: str = "channel"
    model: str = MODEL_NAME


class VoiceEncoder:
    """Loads resemblyzer's pretrained GE2E encoder once (the worker keeps it for every call)."""

    def __init__(self, device: str = "cpu") -> None:
        with warnings.catch_warnings():  # webrtcvad imports pkg_resources, which warns on import
            warnings.simplefilter("ignore")
            from resemblyzer import VoiceEncoder as Encoder
            from resemblyzer import preprocess_wav
            from resemblyzer.audio import normalize_volume, wav_to_mel_spectrogram
        self._preprocess = preprocess_wav
        self._normalize_volume = normalize_volume
        self._mel = wav_to_mel_spectrogram
        self._encoder = Encoder(device="cuda" if device == "cuda" else "cpu", verbose=False)
        self.name = MODEL_NAME
        # torch's first pass through the LSTM costs ~1.2 s more than later ones (measured: 1.36 s vs
        # 0.16 s on 22 s of speech): pay it while the worker starts, not on its first call.
        noise = np.random.default_rng(0).normal(0, 0.1, int(MIN_SPEECH_S * 16_000)).astype(np.float32)
        self._encoder.embed_utterance(noise)

    def embed(self, samples: np.ndarray) -> np.ndarray | None:
        """The voiceprint of 16 kHz speech, or None when too little voiced audio remains."""
        if len(samples) < MIN_SPEECH_S * 16_000 or float(np.abs(samples).max()) < 1e-4:
            return None  # too short, or digital silence (which resemblyzer's volume step divides by)
        wav = self._preprocess(samples.astype(np.float32))  # volume normalised, long silences trimmed
        if len(wav) < MIN_SPEECH_S * 16_000:
            return None
        embedding = self._encoder.embed_utterance(wav)
        return np.asarray(embedding, dtype=np.float32)

    def embed_windows(self, samples: np.ndarray, starts: Sequence[int], length: int) -> np.ndarray:
        """One voiceprint per window of `length` samples (diarization), batched through the encoder."""
        import torch

        # resemblyzer's volume step (to -30 dBFS, louder only), from a level measured a block at a time.
        gain = 10 ** (max(0.0, -30 - 10 * np.log10(max(mean_square(samples), 1e-20))) / 20)
        frames = 160  # resemblyzer's partial utterance: 1.6 s of 10 ms frames
        out = []
        with torch.inference_mode():
            for i in range(0, len(starts), 256):  # mels are made per batch: memory stays flat
                mels = []
                for start in starts[i : i + 256]:
                    window = samples[start : start + length].astype(np.float32) * np.float32(gain)
                    window = np.pad(window, (0, max(0, length - len(window))))
                    mels.append(self._mel(window)[:frames])
                batch = torch.from_numpy(np.stack(mels)).to(self._encoder.device)
                out.append(self._encoder(batch).cpu().numpy())
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, 256), dtype=np.float32)


def speaker_samples(audio: Audio, segments: Sequence[Segment], speaker: str) -> np.ndarray:
    """The speaker's own speech: their segments minus overlaps with others, up to MAX_SPEECH_S."""
    others = [(s.start, s.end) for s in segments if s.speaker != speaker]
    pieces, total = [], 0
    limit = int(MAX_SPEECH_S * audio.sample_rate)
    mixed: np.ndarray | None = None
    for segment in segments:
        if segment.speaker != speaker:
            continue
        if segment.channel is not None and segment.channel < len(audio.channels):
            # On its own channel the other side is silent, so overlaps need no cutting.
            source, spans = audio.channels[segment.channel], [(segment.start, segment.end)]
        else:
            mixed = audio.mix() if mixed is None else mixed
            source, spans = mixed, _minus(segment, others)
        for start, end in spans:
            piece = source[int(start * audio.sample_rate) : int(end * audio.sample_rate)]
            pieces.append(piece[: limit - total])
            total += len(pieces[-1])
            if total >= limit:
                return np.concatenate(pieces)
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)


def _minus(segment: Segment, others: list[tuple[float, float]]) -> list[tuple[float, float]]:
    spans = [(segment.start, segment.end)]
    for o_start, o_end in others:
        next_spans = []
        for start, end in spans:
            if o_end <= start or o_start >= end:
                next_spans.append((start, end))
                continue
            if o_start > start:
                next_spans.append((start, o_start))
            if o_end < end:
                next_spans.append((o_end, end))
        spans = next_spans
    return spans


def voiceprints(encoder: VoiceEncoder, audio: Audio, transcript: Transcript) -> list[Voiceprint]:
    prints = []
    for speaker in transcript.speakers:
        samples = speaker_samples(audio, transcript.segments, speaker.id)
        embedding = encoder.embed(samples) if len(samples) else None
        if embedding is None:
            log.info("no voiceprint: too little speech", extra={"speaker": speaker.id})
            continue
        seconds = round(len(samples) / audio.sample_rate, 2)
        prints.append(Voiceprint(speaker.id, speaker.role, embedding, seconds, speaker.role_source))
    return prints


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two voiceprints (resemblyzer's are non-negative, so 0..1)."""
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
