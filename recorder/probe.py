"""Check that an upload is decodable audio and read its shape, before anything is stored.

PyAV (which faster-whisper already depends on) probes in-process; the Debian ffmpeg package has ffprobe
but the imageio-ffmpeg wheel ships ffmpeg alone, so probing does not depend on an ffprobe binary.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from .errors import AudioTooLong, EmptyUpload, UnsupportedAudio

MAX_CHANNELS = 2
# Telephone audio is 8 kHz, wideband 16 kHz, studio 48 kHz; a rate outside these bounds is either not a
# recording or a decode bomb (a 16 KB WAV at 1 Hz claims 8,000 s).
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 8_000, 48_000


@dataclass(frozen=True, slots=True)
class AudioInfo:
    format: str  # container/codec, e.g. "wav/pcm_mulaw"
    duration: float
    channels: int
    sample_rate: int


def probe_audio(path: Path, max_duration_s: float | None = None) -> AudioInfo:
    """Decode the whole file once: a header alone does not prove the audio behind it is readable.
    Decoding stops, and the file is refused, as soon as it passes `max_duration_s`."""
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
            if not MIN_SAMPLE_RATE <= (sample_rate or 0) <= MAX_SAMPLE_RATE:
                raise UnsupportedAudio(
                    f"a sample rate of {sample_rate} Hz is not supported; "
                    f"send {MIN_SAMPLE_RATE // 1000}-{MAX_SAMPLE_RATE // 1000} kHz audio"
                )
            limit = None if max_duration_s is None else int(max_duration_s * sample_rate)
            samples = 0
            for frame in container.decode(stream):
                samples += frame.samples
                if max_duration_s is not None and limit is not None and samples > limit:
                    raise AudioTooLong(
                        f"the recording is longer than the limit of {max_duration_s / 3600:g} h "
                        "(CALLREC_RECORDER_MAX_DURATION_S)"
                    )
            fmt = f"{container.format.name.split(',')[0]}/{codec}"
    except (UnsupportedAudio, AudioTooLong):
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
