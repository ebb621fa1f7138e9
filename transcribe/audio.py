"""Normalise any common recording to 16 kHz float32 samples per channel, with ffmpeg (ffmpeg-python)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import ffmpeg
import numpy as np

SAMPLE_RATE = 16_000  # what Whisper expects


class AudioDecodeError(Exception):
    """The recording cannot be decoded; retrying will not help."""


@dataclass(frozen=True, slots=True)
class Audio:
    channels: tuple[np.ndarray, ...]  # one float32 array per channel, all the same length
    sample_rate: int = SAMPLE_RATE

    @property
    def duration(self) -> float:
        return len(self.channels[0]) / self.sample_rate if self.channels else 0.0

    @property
    def is_stereo(self) -> bool:
        return len(self.channels) == 2

    def mix(self) -> np.ndarray:
        if len(self.channels) == 1:
            return self.channels[0]
        return np.mean(np.stack(self.channels), axis=0).astype(np.float32)


@cache
def ffmpeg_binary() -> str:
    """The system ffmpeg when installed, else the static binary the imageio-ffmpeg wheel ships."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def load_audio(path: Path, channels: int) -> Audio:
    """Decode `path` keeping `channels` (1 or 2) separate; mono stays mono, stereo stays two channels."""
    if channels not in (1, 2):
        raise AudioDecodeError(f"unsupported channel count {channels}")
    try:
        raw, _ = (
            ffmpeg.input(str(path))
            .output("pipe:", format="f32le", acodec="pcm_f32le", ac=channels, ar=SAMPLE_RATE)
            .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
            .run(cmd=ffmpeg_binary(), capture_stdout=True, capture_stderr=True)
        )
    except ffmpeg.Error as exc:
        detail = (exc.stderr or b"").decode(errors="replace").strip().splitlines()
        raise AudioDecodeError(
            f"ffmpeg could not decode the recording: {detail[-1] if detail else exc}"
        ) from exc
    samples = np.frombuffer(raw, dtype=np.float32)
    if samples.size < channels:
        raise AudioDecodeError("the recording decodes to no audio")
    usable = samples[: samples.size - samples.size % channels].reshape(-1, channels)
    return Audio(channels=tuple(np.ascontiguousarray(usable[:, c]) for c in range(channels)))


def channel_count(path: Path) -> int:
    """Channels of the first audio stream (1 or 2 kept apart; more are mixed down to mono)."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise AudioDecodeError(f"{path} holds no audio stream")
            channels = container.streams.audio[0].codec_context.channels
    except av.FFmpegError as exc:
        raise AudioDecodeError(f"{path} is not audio ffmpeg can read: {exc}") from exc
    return channels if channels in (1, 2) else 1
