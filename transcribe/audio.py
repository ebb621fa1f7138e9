"""Normalise any common recording to 16 kHz float32 samples per channel, with ffmpeg (ffmpeg-python)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import ffmpeg
import numpy as np

from .errors import AudioDecodeError

SAMPLE_RATE = 16_000  # what Whisper expects
READ_BYTES = 1 << 20
# Steps that read a whole channel go through it a minute at a time, so their working memory does not
# grow with the call's length.
BLOCK = 60 * SAMPLE_RATE


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
        """The channels averaged, written a block at a time into a mapped temporary file."""
        if len(self.channels) == 1:
            return self.channels[0]
        length = len(self.channels[0])
        with tempfile.TemporaryFile(prefix="callrec-mix-") as handle:
            handle.truncate(4 * length)
            out = np.memmap(handle, dtype=np.float32, mode="r+", shape=(length,))
        for block in blocks(length):
            out[block] = sum(channel[block] for channel in self.channels) / len(self.channels)
        return out.view(np.ndarray)


def blocks(length: int, size: int = BLOCK) -> Iterator[slice]:
    for start in range(0, length, size):
        yield slice(start, min(length, start + size))


def mean_square(samples: np.ndarray) -> float:
    """Mean of the squared samples, in float64, without a float64 copy of the whole channel."""
    if not len(samples):
        return 0.0
    total = 0.0
    for block in blocks(len(samples)):
        piece = samples[block].astype(np.float64)
        total += float(piece @ piece)
    return total / len(samples)


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

    ffmpeg's output is read in pieces and written to an unlinked temporary file per channel, which the
    returned arrays map: the samples (0.23 GB per channel-hour) sit in the page cache, which the kernel
    drops and reads back under pressure, so the worker's own memory does not grow with the call's
    length. Decoding stops at `max_seconds`: a file that grew, or lied about its length, cannot make the
    worker decode more than the call's probed length."""
    if channels not in (1, 2):
        raise AudioDecodeError(f"unsupported channel count {channels}")
    limit = {"t": f"{max_seconds:.3f}"} if max_seconds is not None else {}
    command = (
        ffmpeg.input(str(path))
        .output("pipe:", format="f32le", acodec="pcm_f32le", ac=channels, ar=SAMPLE_RATE, **limit)
        .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
        .compile(cmd=ffmpeg_binary())
    )
    files = [tempfile.TemporaryFile(prefix="callrec-samples-") for _ in range(channels)]
    try:
        filled = _decode_into(command, channels, files)
        if filled == 0:
            raise AudioDecodeError("the recording decodes to no audio")
        # Copy-on-write: a step that writes into its samples changes its own pages, never the file.
        mapped = (np.memmap(f, dtype=np.float32, mode="c", shape=(filled,)) for f in files)
        return Audio(channels=tuple(m.view(np.ndarray) for m in mapped))
    finally:
        for handle in files:  # the mappings keep the unlinked files alive as long as they are used
            handle.close()


def _decode_into(command: list[str], channels: int, files: list) -> int:  # type: ignore[type-arg]
    filled, frame = 0, 4 * channels
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        pending = b""
        while chunk := process.stdout.read(READ_BYTES):
            chunk = pending + chunk
            usable = len(chunk) - len(chunk) % frame
            pending = chunk[usable:]
            samples = np.frombuffer(chunk[:usable], dtype=np.float32).reshape(-1, channels)
            for channel, handle in enumerate(files):
                handle.write(np.ascontiguousarray(samples[:, channel]).tobytes())
            filled += len(samples)
        if process.wait() != 0:
            errors.seek(0)
            detail = errors.read().decode(errors="replace").strip().splitlines()
            raise AudioDecodeError(
                f"ffmpeg could not decode the recording: {detail[-1] if detail else 'failed'}"
            )
    for handle in files:
        handle.flush()
    return filled


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
