"""Language identification that recognition does not pay for twice.

Identification finds a side's speech (VAD) and encodes its first 30 s; recognition then does both
again (faster-whisper gives no way to hand them over). Here identification computes them exactly as
recognition will (the same VAD options, the same features over the same piece of audio) and keeps
them: when recognition asks for the speech of the same samples, or to encode a window with the same
features, it gets the kept result instead of a second pass. Anything else is computed as always, so a
miss costs nothing but the comparison.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

import faster_whisper.transcribe
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.audio import pad_or_trim
from faster_whisper.vad import VadOptions, collect_chunks, get_speech_timestamps

KEEP = 4  # windows kept per model: identification runs just before recognition, side by side
SURE = 0.5  # as faster-whisper: above this, the first window decides; else the second is heard too


class EncoderMemo:
    """Installed on one model: `remember` a window's encoder output; the model's next `encode` of the
    same features returns it, once."""

    def __init__(self, whisper: WhisperModel) -> None:
        self._encode = whisper.encode
        self._kept: OrderedDict[bytes, Any] = OrderedDict()
        self.hits = 0
        whisper.encode = self.encode  # type: ignore[method-assign]

    @staticmethod
    def _key(features: np.ndarray) -> bytes:
        return _digest(features)

    def remember(self, features: np.ndarray, output: Any) -> None:
        self._kept[self._key(features)] = output
        while len(self._kept) > KEEP:
            self._kept.popitem(last=False)

    def encode(self, features: np.ndarray) -> Any:
        kept = self._kept.pop(self._key(features), None) if self._kept else None
        if kept is not None:
            self.hits += 1
            return kept
        return self._encode(features)


def _digest(array: np.ndarray, extra: str = "") -> bytes:
    window = np.ascontiguousarray(array, dtype=np.float32)
    return (repr(window.shape) + extra).encode() + hashlib.blake2b(window.tobytes(), digest_size=16).digest()


_speech_kept: OrderedDict[bytes, list[dict[str, int]]] = OrderedDict()
_find_speech = get_speech_timestamps


def speech_of(
    samples: np.ndarray, options: VadOptions | None = None, *args: Any, **kwargs: Any
) -> list[dict[str, int]]:
    """Silero VAD's speech regions of `samples`, kept for the next caller with the same samples and
    options (identification, then recognition)."""
    if args or kwargs:
        return _find_speech(samples, options, *args, **kwargs)
    key = _digest(samples, repr(options))
    found = _speech_kept.pop(key, None)
    if found is None:
        found = _find_speech(samples, options)
        _speech_kept[key] = found
        while len(_speech_kept) > KEEP:
            _speech_kept.popitem(last=False)
    return [dict(region) for region in found]


# Recognition asks faster-whisper's transcribe for the speech; it finds it through this name.
faster_whisper.transcribe.get_speech_timestamps = speech_of  # type: ignore[assignment]


def ranked_languages(
    whisper: WhisperModel, memo: EncoderMemo, samples: np.ndarray, vad: VadOptions | None
) -> list[tuple[str, float]]:
    """Every language with its probability, from the first window of speech in `samples` (and the
    second, when the first is unsure), computed as faster-whisper's transcribe computes its windows."""
    audio = samples
    if vad is not None:
        chunks, _ = collect_chunks(samples, speech_of(samples, vad))
        audio = np.concatenate(chunks, axis=0)
    features = whisper.feature_extractor(audio)
    content = features.shape[-1] - 1  # as transcribe: the last frame is not content
    size = whisper.feature_extractor.nb_max_frames
    ranked: list[tuple[str, float]] = []
    for seek in (0, size):
        if seek and seek >= content:
            break
        window = pad_or_trim(features[:, seek : seek + max(1, min(size, content - seek))])
        output = whisper.encode(window)
        if seek == 0:
            memo.remember(window, output)  # recognition's first window
        ranked = [(token[2:-2], prob) for token, prob in whisper.model.detect_language(output)[0]]
        if ranked[0][1] > SURE:
            break
    return ranked
