"""pyannote.audio's speaker-diarization pipeline for mono calls, when one is configured.

The pipeline is a local directory (config.yaml with its segmentation, embedding and PLDA folders, as
pyannote.audio 4 saves them) or, where the hub is enabled, a Hugging Face name with a token. Audio is
handed over in memory: nothing is written or sent anywhere, and telemetry is off (models.configure_privacy).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .audio import Audio
from .diarize import Diarization, Turn, speaker_voiceprints
from .weights import ModelUnavailable, configure_privacy


class PyannoteDiarizer:
    method = "pyannote"

    def __init__(
        self,
        pipeline: str,
        hub_enabled: bool = False,
        token: str | None = None,
        device: str = "cpu",
        cache_dir: Path | None = None,
        encoder=None,  # type: ignore[no-untyped-def]  # transcribe.voiceprints.VoiceEncoder, for agent matching
    ) -> None:
        configure_privacy(hub_enabled)
        import torch
        from pyannote.audio import Pipeline

        local = Path(pipeline).expanduser()
        if not local.exists() and not hub_enabled:
            raise ModelUnavailable(
                f"pyannote pipeline {pipeline!r} is not a local directory and hub downloads are disabled "
                "(set CALLREC_TRANSCRIBE_HUB_ENABLED=true and a token to fetch it)"
            )
        loaded = Pipeline.from_pretrained(
            str(local) if local.exists() else pipeline,
            token=token,
            cache_dir=str(cache_dir) if cache_dir else None,
        )
        if loaded is None:
            raise ModelUnavailable(f"pyannote pipeline {pipeline!r} could not be loaded (gated? token?)")
        if device == "cuda":
            loaded.to(torch.device("cuda"))
        self.pipeline = loaded
        self.encoder = encoder

    def __call__(self, audio: Audio, min_speakers: int = 1, max_speakers: int = 3) -> Diarization:
        import torch

        samples = audio.mix()
        output = self.pipeline(
            {
                "waveform": torch.from_numpy(np.array(samples, dtype=np.float32))[None],  # a writable copy
                "sample_rate": audio.sample_rate,
            },
            min_speakers=min_speakers,
            max_speakers=max_speakers,
        )
        annotation: Any = getattr(output, "speaker_diarization", output)  # pyannote.audio 4 / 3
        names: dict[str, str] = {}
        turns = []
        for segment, _, label in sorted(annotation.itertracks(yield_label=True), key=lambda t: t[0].start):
            name = names.setdefault(label, f"S{len(names)}")
            turns.append(Turn(round(float(segment.start), 3), round(float(segment.end), 3), name))
        centroids = speaker_voiceprints(self.encoder, audio, tuple(turns)) if self.encoder else {}
        return Diarization(tuple(turns), tuple(names.values()), self.method, centroids)
