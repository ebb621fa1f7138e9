"""Normalise any common recording to 16 kHz float32 samples per channel, with ffmpeg (ffmpeg-python)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import ffmpeg
import numpy as np

SAMPLE_RATE = 16_000  # what Whisper expects
READ_BYTES = 1 << 20


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


def load_audio(path: Path, channels: int, max_seconds: float | None = None) -> Audio:
    """Decode `path` keeping `channels` (1 or 2) separate; mono stays mono, stereo stays two channels.

    ffmpeg's output is read in pieces straight into one array per channel, so memory holds the
    samples once (about 0.23 GB per channel-hour), and decoding stops at `max_seconds`: a file that
    grew, or lied about its length, cannot make the worker decode more than the call's probed length."""
    if channels not in (1, 2):
        raise AudioDecodeError(f"unsupported channel count {channels}")
    limit = {"t": f"{max_seconds:.3f}"} if max_seconds is not None else {}
    command = (
        ffmpeg.input(str(path))
        .output("pipe:", format="f32le", acodec="pcm_f32le", ac=channels, ar=SAMPLE_RATE, **limit)
        .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
        .compile(cmd=ffmpeg_binary())
    )
    capacity = int((max_seconds if max_seconds is not None else 600) * SAMPLE_RATE) + SAMPLE_RATE
    out = np.empty((channels, capacity), dtype=np.float32)  # pages are taken only as they are filled
    filled = 0
    frame = 4 * channels
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        pending = b""
        while chunk := process.stdout.read(READ_BYTES):
            chunk = pending + chunk
            usable = len(chunk) - len(chunk) % frame
            pending = chunk[usable:]
            samples = np.frombuffer(chunk[:usable], dtype=np.float32).reshape(-1, channels)
            if filled + len(samples) > out.shape[1]:
                grown = np.empty((channels, max(2 * out.shape[1], filled + len(samples))), dtype=np.float32)
                grown[:, :filled] = out[:, :filled]
                out = grown
            out[:, filled : filled + len(samples)] = samples.T
            filled += len(samples)
        if process.wait() != 0:
            errors.seek(0)
            detail = errors.read().decode(errors="replace").strip().splitlines()
            raise AudioDecodeError(
                f"ffmpeg could not decode the recording: {detail[-1] if detail else 'failed'}"
            )
    if filled == 0:
        raise AudioDecodeError("the recording decodes to no audio")
    return Audio(channels=tuple(out[c, :filled] for c in range(channels)))


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
