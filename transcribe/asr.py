"""Speech recognition with faster-whisper; each model is loaded once per process and reused."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import ctranslate2
import numpy as np
from faster_whisper import BatchedInferencePipeline, WhisperModel
from faster_whisper.vad import VadOptions

from storage.records import Word

from .audio import SAMPLE_RATE
from .first_window import EncoderMemo, ranked_languages
from .recognised import AsrSegment
from .settings import TranscribeSettings
from .weights import ModelSource, choose_device, configure_privacy, resolve_model

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LoadedModel:
    source: ModelSource
    whisper: WhisperModel
    device: str
    compute_type: str
    memo: EncoderMemo  # identification's first window, kept for recognition

    @property
    def is_multilingual(self) -> bool:
        return bool(self.whisper.model.is_multilingual)

    @property
    def label(self) -> str:
        return f"{self.source.name} ({self.device}/{self.compute_type})"


def chunk_bounds(samples: np.ndarray, chunk_s: float, search_s: float = 30.0) -> list[tuple[int, int]]:
    """Sample ranges of at most `chunk_s` seconds, each ending at the quietest half second of its last
    `search_s` seconds, so a cut falls in a pause rather than in a word."""
    step, search, frame = int(chunk_s * SAMPLE_RATE), int(search_s * SAMPLE_RATE), SAMPLE_RATE // 2
    bounds, start = [], 0
    while chunk_s > 0 and len(samples) - start > step:
        low = start + max(frame, step - search)
        window = samples[low : start + step].astype(np.float64)
        energy = np.add.reduceat(window * window, np.arange(0, len(window), frame))
        cut = low + int(np.argmin(energy)) * frame + frame // 2
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(samples)))
    return bounds


def shifted(segment: AsrSegment, seconds: float) -> AsrSegment:
    if not seconds:
        return segment
    return AsrSegment(
        round(segment.start + seconds, 3),
        round(segment.end + seconds, 3),
        segment.text,
        tuple(
            Word(round(w.start + seconds, 3), round(w.end + seconds, 3), w.word, w.probability)
            for w in segment.words
        ),
    )


LANGUAGE_SEARCH_S = 600


class Transcriber:
    """Holds the loaded models; create one per worker process, before taking jobs."""

    def __init__(self, settings: TranscribeSettings) -> None:
        self.settings = settings
        configure_privacy(settings.hub_enabled)
        self.device, self.compute_type = choose_device(settings.device, settings.compute_type)
        self._models: dict[str, LoadedModel] = {}
        self._pipelines: dict[int, BatchedInferencePipeline] = {}
        # Batches of 30 s windows decoded together: a large win on a GPU, none on a CPU (where the
        # cores are already busy with one window).
        self.batch_size = (
            settings.batch_size if settings.batch_size >= 0 else (16 if self.device == "cuda" else 0)
        )
        self.default = self.model_for(None)

    @property
    def vad_options(self) -> VadOptions:
        return VadOptions(
            threshold=self.settings.vad_threshold,
            speech_pad_ms=self.settings.vad_speech_pad_ms,
            min_silence_duration_ms=self.settings.vad_min_silence_ms,
        )

    def _batched(self, model: LoadedModel) -> BatchedInferencePipeline:
        if id(model) not in self._pipelines:
            self._pipelines[id(model)] = BatchedInferencePipeline(model.whisper)
        return self._pipelines[id(model)]

    def model_for(self, language: str | None) -> LoadedModel:
        name = self.settings.language_models.get(language or "", self.settings.model)
        if name not in self._models:
            self._models[name] = self._load(name)
        return self._models[name]

    def _load(self, name: str) -> LoadedModel:
        started = time.perf_counter()
        source = resolve_model(name, self.settings.cache_dir, self.settings.hub_enabled)
        whisper = WhisperModel(
            source.location,
            device=self.device,
            compute_type=self.compute_type,
            cpu_threads=self.settings.cpu_threads,
            download_root=str(self.settings.cache_dir / "hub"),
            local_files_only=not self.settings.hub_enabled,
        )
        log.info(
            "loaded whisper model",
            extra={"model": name, "device": self.device, "seconds": round(time.perf_counter() - started, 2)},
        )
        return LoadedModel(source, whisper, self.device, self.compute_type, EncoderMemo(whisper))

    def detect_language(self, samples: np.ndarray, allowed: list[str]) -> tuple[str, float]:
        """The most probable language among `allowed` (Whisper alone may pick any of ~100)."""
        model = self.default
        if not model.is_multilingual:
            return "en", 1.0
        # The piece recognition will take first (transcribe), so its first window is encoded once.
        _, end = chunk_bounds(samples, self.settings.chunk_s or LANGUAGE_SEARCH_S)[0]
        vad = self.vad_options if self.settings.vad else None
        ranked = ranked_languages(model.whisper, model.memo, samples[:end], vad)
        if not ranked:
            return "en", 0.0
        candidates = [(lang, prob) for lang, prob in ranked if not allowed or lang in allowed]
        return max(candidates, key=lambda item: item[1]) if candidates else (ranked[0][0], ranked[0][1])

    def transcribe(
        self,
        samples: np.ndarray,
        language: str,
        on_progress: Callable[[float], None] | None = None,
        vocabulary: Sequence[str] = (),
        on_segment: Callable[[AsrSegment], None] | None = None,
    ) -> list[AsrSegment]:
        """`on_segment` hears each segment, in the call's time, as soon as it is recognised."""
        model = self.model_for(language)
        if not model.is_multilingual and language != "en":
            raise ValueError(f"model {model.source.name} is English-only; it cannot transcribe {language!r}")
        results: list[AsrSegment] = []
        # Long calls go through in pieces cut at a pause: faster-whisper computes the spectrogram of
        # everything it is given at once (about 0.5 GB per hour of audio, plus the STFT's working set).
        for first, last in chunk_bounds(samples, self.settings.chunk_s):
            offset = first / SAMPLE_RATE

            def progress(fraction: float, first: int = first, last: int = last) -> None:
                if on_progress:
                    on_progress(min(1.0, (first + fraction * (last - first)) / max(1, len(samples))))

            def heard(segment: AsrSegment, offset: float = offset) -> None:
                results.append(shifted(segment, offset))
                if on_segment:
                    on_segment(results[-1])

            self._transcribe_piece(model, samples[first:last], language, progress, vocabulary, heard)
        return results

    def _transcribe_piece(
        self,
        model: LoadedModel,
        samples: np.ndarray,
        language: str,
        on_progress: Callable[[float], None] | None,
        vocabulary: Sequence[str],
        heard: Callable[[AsrSegment], None],
    ) -> None:
        duration = len(samples) / SAMPLE_RATE
        # Temperature fallback samples at random: seeded, the same recording gives the same transcript.
        ctranslate2.set_random_seed(self.settings.decode_seed)
        options: dict = dict(
            language=language,
            beam_size=self.settings.beam_size,
            word_timestamps=True,
            vad_filter=self.settings.vad,
            vad_parameters=self.vad_options,
            # Conditioning on earlier text is what turns one misheard phrase on a noisy line into a loop.
            condition_on_previous_text=False,
            # Names and products the model should expect, given to the decoder as a prompt.
            hotwords=", ".join(vocabulary) if vocabulary else None,
        )
        if self.batch_size > 0:
            # The batched pipeline cuts the audio at speech regions (its VAD): fixed 30 s windows lost
            # whole sentences in the middle of a window (en_billing_dispute, tiny.en).
            segments, _ = self._batched(model).transcribe(
                samples,
                batch_size=self.batch_size,
                without_timestamps=False,
                **{**options, "vad_filter": True},
            )
        else:
            segments, _ = model.whisper.transcribe(samples, **options)
        for segment in segments:
            words = tuple(
                Word(
                    start=round(float(w.start), 3),  # faster-whisper may hand out numpy floats
                    end=round(float(w.end), 3),
                    word=w.word.strip(),
                    probability=round(float(w.probability), 4),
                )
                for w in (segment.words or [])
                if w.word.strip()
            )
            text = segment.text.strip()
            if any(ch.isalnum() for ch in text):  # skip punctuation-only segments ("." over noise)
                start, end = round(float(segment.start), 3), round(float(segment.end), 3)
                heard(AsrSegment(start, end, text, words))
            if on_progress and duration:
                on_progress(min(1.0, segment.end / duration))
