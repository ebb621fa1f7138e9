"""Transcription settings: which model, on which device, for which languages."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class TranscribeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALLREC_TRANSCRIBE_", extra="ignore")

    # A folder holding a CTranslate2 Whisper model, an offline packaged model ("base", "tiny.en"),
    # or a Hugging Face name (e.g. "large-v3-turbo"; downloaded only when hub_enabled).
    model: str = "base"
    # Per-language model routing, e.g. {"he": "/models/whisper-he-ct2"}; others use `model`.
    language_models: dict[str, str] = {}
    device: str = "auto"  # auto | cpu | cuda
    compute_type: str = "auto"  # auto: float16 on CUDA, int8 on CPU
    cpu_threads: int = 0  # 0: CTranslate2 decides
    languages: list[str] = ["he", "ar", "en"]  # language identification is limited to these
    beam_size: int = 5
    # faster-whisper's BatchedInferencePipeline: this many 30 s windows decoded at once. -1: 16 on a
    # GPU, off (0) on a CPU; set it to match GPU memory (each window of large-v3 in float16 ~ 0.3 GB).
    batch_size: int = -1
    # Calls longer than this are recognised in pieces of at most this many seconds, cut at pauses, so
    # memory stays bounded on two-hour calls. 0: in one piece.
    chunk_s: float = 600.0
    # Calls at least this long publish what has been heard so far while the rest is recognised
    # (redacted, digits masked; transcribe/partial.py), so their first minutes are searchable early.
    # 0: never.
    partial_after_s: float = 120.0
    # Recognition decodes the speech regions Silero VAD finds, not fixed 30 s windows: on real calls
    # fixed windows skipped whole turns and stretched word times across the other side's speech
    # (bench/accuracy.py). Threshold, padding and the silence that ends a region are tunable here.
    vad: bool = True
    vad_threshold: float = 0.5
    vad_speech_pad_ms: int = 400
    vad_min_silence_ms: int = 2000
    decode_seed: int = 0  # seeds temperature-fallback sampling: one recording, one transcript
    hub_enabled: bool = False  # allow Hugging Face downloads; call audio still never leaves the premises
    cache_dir: Path = Path.home() / ".cache" / "callrec"
    # The operator's own rule packs (YAML), loaded after the built-in ones; ids must not repeat.
    rules_dirs: list[Path] = []
    builtin_rules: bool = True
    # Call drivers the operator names with phrases (YAML, like rules), after the built-in pack.
    drivers_dirs: list[Path] = []
    builtin_drivers: bool = True
    # Discovered drivers: recurring themes in the customers' words over the last drivers_window_days,
    # found again every drivers_discover_s (0: only on request); a theme needs drivers_min_calls calls.
    drivers_window_days: int = 90
    drivers_discover_s: float = 6 * 3600
    drivers_min_calls: int = 5
    # Summaries are extractive and offline. Set summary_llm_url to an OpenAI-compatible endpoint on your
    # own premises (e.g. "http://llm.internal:8000/v1") to have it write an abstractive summary too: the
    # worker then sends it each call's redacted transcript. Unset, no call text leaves callrec.
    summary_llm_url: str | None = None
    summary_llm_model: str = ""
    summary_llm_api_key: SecretStr | None = None
    summary_llm_timeout_s: float = 60.0
    # Custom vocabulary (product names, agent names) given to the decoder as hotwords: for every call,
    # and per source (a tenant's PBX), e.g. {"pbx-acme": ["Acme", "FlexiSaver"]}.
    vocabulary: list[str] = []
    source_vocabulary: dict[str, list[str]] = {}
    # A source whose calls are all in one language, e.g. {"pbx-haifa": "he"}: its calls skip language
    # identification (as a call whose metadata states its language does).
    source_languages: dict[str, str] = {}
    # The same per agent whose calls are all in one language, e.g. {"a7": "ar"}.
    agent_languages: dict[str, str] = {}
    # Mono calls: "builtin" (offline: VAD + resemblyzer voiceprints + clustering), "pyannote" (needs
    # pyannote_pipeline), or "off" (one speaker, role other). Speaker count bounds per call.
    diarization: Literal["builtin", "pyannote", "off"] = "builtin"
    # A local pyannote.audio pipeline directory, or a Hugging Face name (with hub_enabled and hf_token).
    pyannote_pipeline: str | None = None
    hf_token: SecretStr | None = None
    min_speakers: int = 1
    max_speakers: int = 3
    # Voiceprints of every speaker (resemblyzer's encoder) for the voice watchlist.
    voiceprints: bool = True
    # Cosine similarity at which two voiceprints count as one voice: between the same-speaker (0.93) and
    # different-speaker (at most 0.86) similarities of two real voices (tests/integration/test_voices.py).
    voice_match_threshold: float = 0.90
    # Personal data (cards, CVV, expiry, IDs, phones, e-mails, IBANs) is replaced in the transcript and
    # covered in the audio, on every channel, before anything is saved or indexed.
    redaction: bool = True
    redaction_audio: Literal["tone", "silence", "off"] = "tone"
    # Keep the unredacted audio and transcript, reachable by admins only. Off: they are deleted.
    keep_original: bool = False
