"""Recordings made as two legs (Asterisk MixMonitor's r()/t() files, Monitor's -in/-out files) joined into
one two-channel call, so each side is transcribed from its own clean channel."""

from __future__ import annotations

import wave
from pathlib import Path

import av
import numpy as np

from .errors import UnsupportedAudio

LEG_SUFFIXES = ("-in", "-out")


def leg_base(path: Path) -> tuple[str, str] | None:
    """(base stem, leg) for `NAME-in.wav` / `NAME-out.wav`, None for other files."""
    for leg in LEG_SUFFIXES:
        if path.stem.endswith(leg) and len(path.stem) > len(leg):
            return path.stem[: -len(leg)], leg
    return None


def decode_mono(path: Path, rate: int | None = None) -> tuple[np.ndarray, int]:
    """The leg as int16 mono samples at `rate` (its own rate when None)."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise UnsupportedAudio(f"leg {path.name} holds no audio stream")
            stream = container.streams.audio[0]
            rate = rate or stream.codec_context.sample_rate
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            chunks = [
                out.to_ndarray().reshape(-1)
                for frame in container.decode(stream)
                for out in resampler.resample(frame)
            ]
            chunks += [out.to_ndarray().reshape(-1) for out in resampler.resample(None)]
    except (av.FFmpegError, ValueError) as exc:
        raise UnsupportedAudio(f"leg {path.name} is not audio we can decode: {exc}") from exc
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    if samples.size == 0:
        raise UnsupportedAudio(f"leg {path.name} decodes to no audio samples")
    return samples.astype(np.int16), rate


def join_legs(first: Path, second: Path, out: Path) -> Path:
    """Write a two-channel 16-bit WAV: `first` on channel 0, `second` on channel 1, the shorter leg padded
    with silence (a leg ends early when its side stops sending audio)."""
    left, rate = decode_mono(first)
    right, _ = decode_mono(second, rate)
    length = max(left.size, right.size)
    stereo = np.zeros((length, 2), dtype="<i2")
    stereo[: left.size, 0] = left
    stereo[: right.size, 1] = right
    with wave.open(str(out), "wb") as handle:
        handle.setnchannels(2)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(stereo.tobytes())
    return out
