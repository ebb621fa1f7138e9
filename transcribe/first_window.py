"""Language identification that recognition does not pay for twice.

Identification encodes a side's first 30 s of speech; recognition then encodes the same window again
(faster-whisper gives no way to hand it over). Here identification computes that window exactly as
recognition will (the same VAD, the same features over the same piece of audio) and the model keeps
its encoder output: when recognition asks to encode a window with the same features, it gets the kept
output instead of a second encoder pass. Anything else is encoded as always, so a miss costs nothing
but the comparison.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

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
        window = np.ascontiguousarray(features, dtype=np.float32)
        return repr(window.shape).encode() + hashlib.blake2b(window.tobytes(), digest_size=16).digest()

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


def ranked_languages(
    whisper: WhisperModel, memo: EncoderMemo, samples: np.ndarray, vad: VadOptions | None
) -> list[tuple[str, float]]:
    """Every language with its probability, from the first window of speech in `samples` (and the
    second, when the first is unsure), computed as faster-whisper's transcribe computes its windows."""
    audio = samples
    if vad is not None:
        chunks, _ = collect_chunks(samples, get_speech_timestamps(samples, vad))
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
