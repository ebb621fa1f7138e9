"""Covering stretches of a recording (personal data being spoken) with a tone or silence, on every
channel, with ffmpeg; the rest of the recording is left as it was."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import ffmpeg

from ..audio import AudioDecodeError, ffmpeg_binary

PAD_S = 0.15  # word timestamps are approximate: cover a little either side
TONE_HZ = 1000


def covered_windows(spans: Sequence[tuple[float, float]], pad_s: float = PAD_S) -> list[tuple[float, float]]:
    """The spans widened by `pad_s` and merged where they touch."""
    windows: list[tuple[float, float]] = []
    for start, end in sorted((max(0.0, s - pad_s), e + pad_s) for s, e in spans):
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], end))
        else:
            windows.append((start, end))
    return windows


def redact_audio(
    source: Path,
    spans: Sequence[tuple[float, float]],
    out: Path,
    channels: int,
    sample_rate: int,
    mode: str = "tone",
) -> list[tuple[float, float]]:
    """Write `source` to `out` (16-bit WAV, same channels and rate) with `spans` silenced, and a tone laid
    over them in "tone" mode; returns the windows covered."""
    windows = covered_windows(spans)
    enable = "+".join(f"between(t,{start:.3f},{end:.3f})" for start, end in windows) or "0"
    speech = ffmpeg.input(str(source)).audio.filter("volume", volume=0, enable=enable)
    if mode == "tone":
        tone = ffmpeg.input(f"sine=frequency={TONE_HZ}:sample_rate={sample_rate}", f="lavfi").audio.filter(
            "volume", volume=0, enable=f"not({enable})"
        )
        if channels == 2:
            tone = tone.filter("aformat", channel_layouts="stereo")  # the same tone on both channels
        speech = ffmpeg.filter([speech, tone], "amix", inputs=2, duration="first", normalize=0)
    try:
        (
            ffmpeg.output(speech, str(out), acodec="pcm_s16le", ar=sample_rate, ac=channels, f="wav")
            .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
            .overwrite_output()
            .run(cmd=ffmpeg_binary(), capture_stdout=True, capture_stderr=True)
        )
    except ffmpeg.Error as exc:
        raise AudioDecodeError(
            f"could not redact the audio: {exc.stderr.decode(errors='replace')[-300:]}"
        ) from exc
    return windows
