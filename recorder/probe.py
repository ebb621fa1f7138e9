"""Check that an upload is decodable audio and read its shape, before anything is stored.

PyAV (which faster-whisper already depends on) probes in-process; the Debian ffmpeg package has ffprobe
but the imageio-ffmpeg wheel ships ffmpeg alone, so probing does not depend on an ffprobe binary.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from .errors import EmptyUpload, UnsupportedAudio

MAX_CHANNELS = 2


@dataclass(frozen=True, slots=True)
class AudioInfo:
    format: str  # container/codec, e.g. "wav/pcm_mulaw"
    duration: float
    channels: int
    sample_rate: int


def probe_audio(path: Path) -> AudioInfo:
    """Decode the whole file once: a header alone does not prove the audio behind it is readable."""
    if path.stat().st_size == 0:
        raise EmptyUpload("the audio file is empty")
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise UnsupportedAudio("the file holds no audio stream")
            stream = container.streams.audio[0]
            if stream.codec_context is None:  # a damaged header names a codec FFmpeg cannot open
                raise UnsupportedAudio("the file's audio stream has no decodable codec")
            codec = stream.codec_context.name
            channels = stream.codec_context.channels
            sample_rate = stream.codec_context.sample_rate
            samples = 0
            for frame in container.decode(stream):
                samples += frame.samples
            fmt = f"{container.format.name.split(',')[0]}/{codec}"
    except UnsupportedAudio:
        raise
    except (av.FFmpegError, ValueError, IndexError) as exc:
        # FFmpeg's message names the server's temporary file: say only what was wrong.
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UnsupportedAudio(f"the file is not audio we can decode: {reason}") from exc
    if channels > MAX_CHANNELS:
        raise UnsupportedAudio(
            f"{channels}-channel audio is not supported; send mono or two-channel recordings"
        )
    if not sample_rate or samples == 0:
        raise UnsupportedAudio("the file decodes to no audio samples")
    return AudioInfo(format=fmt, duration=samples / sample_rate, channels=channels, sample_rate=sample_rate)
